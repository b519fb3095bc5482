"""A game's full record, for anyone who may check it: the players and their stakes, every die
of every round with who produced it (the bot's Telegram die, the player's own, or a server
draw) and its Telegram message id and date, the fee, the payouts, the transfers that moved
the credits, and the seed commitment (the seed itself once the lobby is over).

Who may see a record: a private duel's record is shown to its players only; a group game's
to its players and in its own group (everyone there saw its dice in the chat anyway), never
in another chat. The operator sees every lobby through the CLI.

Every query goes by primary key or a unique key: a lobby's transfers are found by their
idempotency keys (stake:/refund:/payout:{lobby}:{user}, fee:{lobby}), never by scanning.

Functions take the connection first and never write."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from ludice import duels, fairness, games, ledger, rules
from ludice.errors import Refused
from ludice.games import Lobby

PLAYER_KEYS = ("stake", "refund", "payout")  # transfer kinds keyed {kind}:{lobby}:{user}
LOBBY_KEYS = ("fee",)  # keyed {kind}:{lobby}
ROLLERS = ("bot", "player", "server")


class RecordRefused(Refused):
    """A record this viewer can't have here; `reason` names a catalog text."""


@dataclass(frozen=True)
class Seat:
    seat: int
    user_id: int
    name: str
    stake: int
    payout: int | None


@dataclass(frozen=True)
class Die:
    round: int
    user_id: int
    name: str
    value: int
    roller: str
    chat_id: int | None
    message_id: int | None
    sent_at: int | None      # the die message's Telegram date
    recorded_at: int
    checked: bool | None     # a server draw recomputed from the revealed seed: equal?


@dataclass(frozen=True)
class Record:
    lobby: Lobby
    group: str | None        # the group's title (None: a private duel)
    players: list[Seat]
    dice: list[Die]
    transfers: list[ledger.Transfer]
    commitment: str | None   # SHA-256 of the seed, hex
    seed: str | None         # hex, once the lobby is over

    @property
    def pot(self) -> int:
        return sum(seat.stake for seat in self.players)

    @property
    def faces(self) -> int:
        return rules.GAMES[self.lobby.game].faces

    @property
    def server_draws(self) -> bool:
        return any(die.roller == "server" for die in self.dice)

    def rounds(self) -> list[tuple[int, list[Die]]]:
        numbers = sorted({die.round for die in self.dice})
        return [(n, [die for die in self.dice if die.round == n]) for n in numbers]

    def account(self, account_id: int) -> str:
        """A ledger account by name: a player's, or a system account's (negative ids, which
        may hold a seat too: the house in a house duel)."""
        system = {number: name for name, number in ledger.SYSTEM_ACCOUNTS.items()}
        names = {seat.user_id: seat.name for seat in self.players}
        return system.get(account_id) or names.get(account_id) or str(account_id)

    def to_dict(self) -> dict:
        lobby = self.lobby
        return {
            "id": lobby.id, "game": lobby.game, "bet": lobby.bet, "seats": lobby.seats,
            "status": lobby.status, "chat_id": lobby.chat_id, "group": self.group,
            "created_at": lobby.created_at, "resolved_at": lobby.resolved_at,
            "cancel_reason": lobby.cancel_reason, "rounds_played": lobby.round,
            "pot": self.pot, "fee": lobby.fee, "fee_percent": lobby.fee_percent,
            "tie_rounds": lobby.tie_rounds,
            "players": [asdict(seat) for seat in self.players],
            "dice": [asdict(die) for die in self.dice],
            "transfers": [{"id": t.id, "kind": t.kind, "debit_id": t.debit_id,
                           "debit": self.account(t.debit_id), "credit_id": t.credit_id,
                           "credit": self.account(t.credit_id), "amount": t.amount,
                           "key": t.idem_key, "created_at": t.created_at}
                          for t in self.transfers],
            "fairness": {"commitment": self.commitment, "seed": self.seed,
                         "server_draws": self.server_draws, "faces": self.faces,
                         "algorithm": "ludice.fairness: HMAC-SHA256(seed, 'lobby:round:player'"
                                      "[':i']), bytes >= 256 - 256 % faces skipped,"
                                      " value = byte % faces + 1"},
        }


def load(conn: sqlite3.Connection, lobby_id: int) -> Record | None:
    """Any lobby's record as it stands (the operator's view); None if there is no such lobby.
    The seed only once the lobby is over."""
    lobby = games.get_lobby(conn, lobby_id)
    if lobby is None:
        return None
    rows = conn.execute("SELECT seat, user_id, stake, payout FROM lobby_players"
                        " WHERE lobby_id = ? ORDER BY seat", (lobby_id,)).fetchall()
    names = duels.names(conn, [r[1] for r in rows]) if rows else {}
    seats = [Seat(seat, user_id, names[user_id], stake, payout)
             for seat, user_id, stake, payout in rows]
    seed = fairness.revealed(conn, lobby_id, lobby.status)
    dice = [_die(lobby, row, names, seed) for row in conn.execute(
        "SELECT r.round, r.user_id, r.value, r.roller, r.chat_id, r.message_id, r.sent_at,"
        " r.created_at FROM rolls r JOIN lobby_players p"
        " ON p.lobby_id = r.lobby_id AND p.user_id = r.user_id"
        " WHERE r.lobby_id = ? ORDER BY r.round, p.seat", (lobby_id,))]
    group = games.group_title(conn, lobby.chat_id) if lobby.chat_id is not None else None
    return Record(lobby, group, seats, dice, _transfers(conn, lobby_id, [s.user_id for s in seats]),
                  fairness.commitment(conn, lobby_id), seed)


def _die(lobby: Lobby, row: tuple, names: dict[int, str], seed: str | None) -> Die:
    round_no, user_id, value, roller, chat_id, message_id, sent_at, recorded_at = row
    checked = None
    if roller == "server" and seed is not None:
        drawn = fairness.draw(bytes.fromhex(seed), lobby.id, round_no, user_id,
                              rules.GAMES[lobby.game].faces)
        checked = drawn == value
    return Die(round_no, user_id, names.get(user_id, str(user_id)), value, roller, chat_id,
               message_id, sent_at, recorded_at, checked)


def _transfers(conn: sqlite3.Connection, lobby_id: int, user_ids: list[int]
               ) -> list[ledger.Transfer]:
    keys = [f"{kind}:{lobby_id}:{user_id}" for user_id in user_ids for kind in PLAYER_KEYS]
    keys += [f"{kind}:{lobby_id}" for kind in LOBBY_KEYS]
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        "SELECT id, debit_id, credit_id, amount, kind, reference, idem_key, created_at"
        f" FROM transfers WHERE idem_key IN ({marks}) ORDER BY id", keys)
    return [ledger.Transfer(*row) for row in rows]


def for_viewer(conn: sqlite3.Connection, lobby_id: int, *, viewer: int,
               chat_id: int | None) -> Record:
    """The record of a settled game, if `viewer` may see it where they ask: in private
    (`chat_id` None) one of its players; in a group, a game of that group. Refusals, in this
    order so that nothing about another chat's game is told: record_unknown, record_private,
    record_in_play, record_not_played."""
    lobby = games.get_lobby(conn, lobby_id)
    if lobby is None:
        raise RecordRefused("record_unknown", lobby_id=lobby_id)
    if chat_id is None:
        allowed = conn.execute("SELECT 1 FROM lobby_players WHERE lobby_id = ? AND user_id = ?",
                               (lobby_id, viewer)).fetchone() is not None
    else:
        allowed = lobby.chat_id == chat_id
    if not allowed:
        raise RecordRefused("record_private", lobby_id=lobby_id)
    if lobby.status in games.IN_PLAY:
        raise RecordRefused("record_in_play", lobby_id=lobby_id)
    if lobby.status != "settled":
        raise RecordRefused("record_not_played", lobby_id=lobby_id)
    record = load(conn, lobby_id)
    assert record is not None
    return record


def parse_id(text: str | None) -> int | None:
    """A game number as typed: `12`, `#12`; None for anything else."""
    word = (text or "").strip().removeprefix("#")
    if not word.isascii() or not word.isdigit() or len(word) > 18:
        return None
    return int(word)
