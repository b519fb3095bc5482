"""Challenges: lobbies played in a group chat. A challenge is a lobby with a group, a card
message, maybe one named opponent (a direct challenge) and, in throw-your-own mode, a time
window per round. Stakes, seats, expiry and settlement are the lobby's (ludice.games,
ludice.duels, ludice.refunds); this module adds the group's rules and re-checks every button
against the database, since callback data can be forged. The players' own dice and the
closing of a round's window: ludice.throws; a challenge whose group the bot lost:
ludice.stranded.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ludice import duels, fairness, games, groups, ledger, limits, outbox, refunds, rules
from ludice.games import Advance, Entered, GameRefused, Lobby
from ludice.settings import Settings


@dataclass(frozen=True)
class GroupLobby:
    lobby_id: int
    chat_id: int
    thread_id: int | None
    card_id: int | None
    target_id: int | None
    target_name: str | None
    throw_mode: bool
    turn_seconds: int
    turn_ends_at: int | None


@dataclass(frozen=True)
class Card:
    """What a challenge card shows."""
    lobby: Lobby
    extra: GroupLobby
    players: list[str]
    creator: str
    lang: str
    commitment: str | None = None  # SHA-256 of the seed of server draws (ludice.fairness)


_COLUMNS = ("lobby_id, chat_id, thread_id, card_id, target_id, target_name, throw_mode,"
            " turn_seconds, turn_ends_at")


def get(conn: sqlite3.Connection, lobby_id: int) -> GroupLobby | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM group_lobbies WHERE lobby_id = ?",
                       (lobby_id,)).fetchone()
    if row is None:
        return None
    values = list(row)
    values[6] = bool(values[6])
    return GroupLobby(*values)


def _lobby_here(conn: sqlite3.Connection, lobby_id: int, chat_id: int | None
                ) -> tuple[Lobby, GroupLobby]:
    """The lobby a button names, if it is a challenge of this chat (`chat_id` None: pressed in
    private, where any challenge may be joined through its deep link)."""
    lobby, extra = games.get_lobby(conn, lobby_id), get(conn, lobby_id)
    if lobby is None or extra is None or (chat_id is not None and lobby.chat_id != chat_id):
        raise GameRefused("unknown_lobby")
    return lobby, extra


def _require_open(lobby: Lobby, now: int) -> None:
    if lobby.status == "rolling":
        raise GameRefused("lobby_started")
    if lobby.status != "open" or lobby.expires_at <= now:
        raise GameRefused("lobby_closed")


def _free_player(conn: sqlite3.Connection, user_id: int, now: int) -> None:
    games.check_player(conn, user_id, now)
    busy = games.current_lobby(conn, user_id)
    if busy is not None:
        raise GameRefused("already_in_lobby", lobby_id=busy.id, status=busy.status)


def _check_target(conn: sqlite3.Connection, target: tuple[int, str], bet: int, now: int
                  ) -> None:
    """Nobody can be challenged by name into a bet they can't take: in a time-out, excluded
    or over their own limit. The challenger hears only that, never which limit."""
    try:
        limits.check(conn, target[0], bet, now)
    except limits.LimitRefused:
        raise GameRefused("not_taking_challenges", name=target[1]) from None


def create(conn: sqlite3.Connection, chat_id: int, user_id: int, game: str, bet: int, *,
           target: tuple[int, str] | None, thread_id: int | None, settings: Settings,
           now: int) -> Entered:
    """Open a challenge in a group; the creator's stake goes to escrow now. With `target`
    (id, name) only that person may join, so the lobby has two seats."""
    group = groups.get(conn, chat_id)
    if group is None or not group.enabled or not group.present:
        raise GameRefused("group_off")
    if game not in group.games:
        raise GameRefused("game_not_allowed", games=" ".join(rules.GAMES[g].emoji
                                                              for g in group.games))
    if target is not None and target[0] == user_id:
        raise GameRefused("challenge_self")
    _free_player(conn, user_id, now)
    if target is not None:
        _check_target(conn, target, bet, now)
    low, high = group.bet_limits(settings)
    try:
        rules.check_bet(bet, min_bet=low, max_bet=high, balance=ledger.balance(conn, user_id))
    except rules.BetRefused as refused:
        raise GameRefused(refused.reason, limit=refused.limit) from None
    lobby_id = games.open_lobby(conn, game, bet, 2 if target else group.seats, chat_id,
                                user_id, settings=settings, now=now)
    conn.execute(
        "INSERT INTO group_lobbies (lobby_id, chat_id, thread_id, target_id, target_name,"
        " throw_mode, turn_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (lobby_id, chat_id, thread_id, target[0] if target else None,
         target[1] if target else None, int(group.throw_mode), group.turn_seconds),
    )
    return games.take_seat(conn, lobby_id, user_id, now)


def set_card(conn: sqlite3.Connection, lobby_id: int, message_id: int) -> None:
    conn.execute("UPDATE group_lobbies SET card_id = ? WHERE lobby_id = ?", (message_id, lobby_id))


def without_card(conn: sqlite3.Connection) -> list[tuple[int, int, int | None]]:
    """Open challenges whose card never got out (the bot died between the commit and the
    post): lobby id, chat id and topic, to be posted at start-up."""
    rows = conn.execute(
        "SELECT g.lobby_id, g.chat_id, g.thread_id FROM group_lobbies g"
        " JOIN lobbies l ON l.id = g.lobby_id"
        " WHERE g.card_id IS NULL AND l.status = 'open' ORDER BY g.lobby_id")
    return [(r[0], r[1], r[2]) for r in rows]


def join(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int | None,
         now: int) -> Entered:
    """Take a seat in a challenge; a full lobby starts at once."""
    lobby, extra = _lobby_here(conn, lobby_id, chat_id)
    _require_open(lobby, now)
    if user_id in games.players(conn, lobby_id):
        raise GameRefused("already_joined", lobby_id=lobby_id)
    if extra.target_id is not None and user_id != extra.target_id:
        raise GameRefused("not_for_you", name=extra.target_name)
    _free_player(conn, user_id, now)
    balance = ledger.balance(conn, user_id)
    if balance < lobby.bet:
        raise GameRefused("cannot_afford", limit=balance)
    entered = games.take_seat(conn, lobby_id, user_id, now)
    if entered.started:
        _begin_round(conn, entered.lobby, extra, now)
    return entered


def start_early(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int,
                now: int) -> Lobby:
    """The creator starts before every seat is taken (two players at least)."""
    lobby, extra = _lobby_here(conn, lobby_id, chat_id)
    _require_open(lobby, now)
    if lobby.creator_id != user_id:
        raise GameRefused("not_creator_start")
    if len(games.players(conn, lobby_id)) < 2:
        raise GameRefused("need_two")
    if not games.start(conn, lobby_id):
        raise GameRefused("lobby_closed")
    started = games.get_lobby(conn, lobby_id)
    _begin_round(conn, started, extra, now)
    return started


def withdraw(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int,
             now: int) -> Lobby:
    """The creator cancels before the challenge starts; every stake comes back."""
    _lobby_here(conn, lobby_id, chat_id)
    return refunds.leave(conn, user_id, lobby_id, now=now)


def rematch(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int,
            settings: Settings, now: int) -> Entered:
    """Open the same challenge again (game, bet, topic), by whoever asks. A rematch of a
    direct challenge asked by one of its two players names the other one."""
    old, extra = _lobby_here(conn, lobby_id, chat_id)
    if old.status != "settled":
        raise GameRefused("no_rematch")
    target = None
    seated = games.players(conn, lobby_id)
    if extra.target_id is not None and user_id in seated:
        other = next(p for p in seated if p != user_id)
        target = (other, duels.names(conn, [other])[other])
    return create(conn, old.chat_id, user_id, old.game, old.bet, target=target,
                  thread_id=extra.thread_id, settings=settings, now=now)


# -- rounds ----------------------------------------------------------------------------------

def _begin_round(conn: sqlite3.Connection, lobby: Lobby, extra: GroupLobby, now: int,
                 tie: list | None = None) -> None:
    """Throw-your-own mode: open the round's window and tell the group who throws. (When the
    bot rolls, its runner announces each round together with the dice.)"""
    if not extra.throw_mode:
        return
    ends_at = now + extra.turn_seconds
    conn.execute("UPDATE group_lobbies SET turn_ends_at = ? WHERE lobby_id = ?",
                 (ends_at, lobby.id))
    throwers = duels.round_players(conn, lobby)
    label = duels.names(conn, throwers)
    outbox.add_for_lobby(conn, lobby.id, lobby.chat_id, "group_turn", now, game=lobby.game,
                         round=lobby.round, players=[label[u] for u in throwers],
                         seconds=extra.turn_seconds, ends_at=ends_at, tie=tie or [])


def advance(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int,
            forfeit: bool = False) -> Advance | None:
    """duels.advance for a challenge: after a tie in throw-your-own mode the next round's
    window opens in the same transaction."""
    outcome = duels.advance(conn, lobby_id, settings=settings, now=now, forfeit_missing=forfeit)
    if outcome is not None and not outcome.settled and outcome.lobby.status == "rolling":
        extra = get(conn, lobby_id)
        if extra is not None:
            before = duels.rolls(conn, lobby_id, outcome.lobby.round - 1)
            label = duels.names(conn, list(before))
            _begin_round(conn, outcome.lobby, extra, now,
                         tie=[[label[u], v] for u, v in before.items()])
    return outcome


# -- what the group sees -----------------------------------------------------------------------

def card(conn: sqlite3.Connection, lobby_id: int) -> Card | None:
    lobby, extra = games.get_lobby(conn, lobby_id), get(conn, lobby_id)
    if lobby is None or extra is None:
        return None
    seated = games.players(conn, lobby_id)
    label = duels.names(conn, [*seated, lobby.creator_id])
    group = groups.get(conn, extra.chat_id)
    return Card(lobby, extra, [label[u] for u in seated], label[lobby.creator_id],
                group.lang if group else "en", fairness.commitment(conn, lobby_id))


def in_play(conn: sqlite3.Connection, chat_id: int) -> list[dict]:
    rows = conn.execute(
        "SELECT l.id, l.game, l.bet, l.status, l.seats, count(p.user_id) AS players,"
        " g.target_name AS for_player, l.expires_at FROM lobbies l"
        " JOIN group_lobbies g ON g.lobby_id = l.id"
        " LEFT JOIN lobby_players p ON p.lobby_id = l.id"
        " WHERE l.chat_id = ? AND l.status IN ('open', 'rolling') GROUP BY l.id ORDER BY l.id",
        (chat_id,))
    return [dict(r) for r in rows]
