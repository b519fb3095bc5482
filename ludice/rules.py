"""Pure game rules: which dice exist, what a bet may be, who wins, how a pot is shared.
No I/O here, so every rule is tested directly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Game:
    name: str
    emoji: str
    faces: int  # Telegram's dice values run 1..faces


GAMES: dict[str, Game] = {
    g.name: g
    for g in (
        Game("dice", "🎲", 6),
        Game("darts", "🎯", 6),
        Game("bowling", "🎳", 6),
        Game("basketball", "🏀", 5),
        Game("football", "⚽", 5),
    )
}
PRIVATE_GAMES = ("dice", "darts")
MAX_SEATS = 6


def game_for_emoji(emoji: str) -> Game | None:
    # Keyboards often add the emoji variation selector (U+FE0F): "⚽️" is still football.
    plain = emoji.replace("\ufe0f", "")
    return next((g for g in GAMES.values() if g.emoji == plain), None)


def game_named(word: str) -> Game | None:
    """A game from its emoji or its English name, as players type them after /duel."""
    return GAMES.get(word.strip().lower()) or game_for_emoji(word.strip())


class BetRefused(Exception):
    """`reason` names a catalog text; `limit` fills it in."""

    def __init__(self, reason: str, limit: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


def parse_bet(text: str) -> int:
    cleaned = text.strip().replace("_", "").replace(" ", "")
    if not cleaned.isdigit() or not cleaned.isascii():
        raise BetRefused("not_a_number")
    return int(cleaned)


FRIENDLY = 0  # the bet of a game played for fun: no stakes, no fee, matched only with its kind


def check_bet(bet: int, *, min_bet: int, max_bet: int, balance: int) -> int:
    if bet == FRIENDLY:
        return bet
    if bet < min_bet:
        raise BetRefused("below_min", min_bet)
    if bet > max_bet:
        raise BetRefused("above_max", max_bet)
    if bet > balance:
        raise BetRefused("cannot_afford", balance)
    return bet


def leaders(values: Mapping[int, int]) -> list[int]:
    """The players holding the highest value this round (several on a tie)."""
    best = max(values.values())
    return [player for player, value in values.items() if value == best]


def house_fee(pot: int, percent: int) -> int:
    return pot * percent // 100


def shares(pot: int, percent: int, winners: Sequence[int]) -> tuple[dict[int, int], int]:
    """Split `pot` among `winners` after the house fee. Every winner gets the same whole
    amount; the indivisible remainder goes to the house with the fee, so tied players are
    always paid equally. Returns (payout per winner, total house take)."""
    if not winners:
        raise ValueError("a pot needs at least one winner")
    fee = house_fee(pot, percent)
    each, remainder = divmod(pot - fee, len(winners))
    return {w: each for w in winners}, fee + remainder
