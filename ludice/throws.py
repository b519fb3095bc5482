"""Throw-your-own rounds: in this mode the players throw their own dice in the group. A die
counts only if it is no forward, not sent via a bot, the game's emoji, in the challenge's
topic, from a player of this round who has not thrown yet, and in time; otherwise it is
refused with a hint (a catalog key). A round's window opens in ludice.challenges (at the
start and after a tie) and closes here: when it ends, the players who did not throw forfeit
the round.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ludice import duels, games, rules
from ludice.challenges import advance, get
from ludice.games import Advance
from ludice.settings import Settings


@dataclass(frozen=True)
class Throw:
    """A player's own die in throw-your-own mode: counted, or why not (a catalog key)."""
    lobby_id: int
    round: int
    game: str
    counted: bool
    hint: str | None = None
    complete: bool = False  # everyone of this round has thrown



def close_turn(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int
               ) -> Advance | None:
    """End a throw-your-own round whose window has closed: who did not throw forfeits it."""
    lobby, extra = games.get_lobby(conn, lobby_id), get(conn, lobby_id)
    if (lobby is None or extra is None or not extra.throw_mode or lobby.status != "rolling"
            or extra.turn_ends_at is None or now < extra.turn_ends_at):
        return None
    return advance(conn, lobby_id, settings=settings, now=now, forfeit=True)


def due_turns(conn: sqlite3.Connection, *, now: int, settle_after: float) -> list[int]:
    """Throw-your-own lobbies whose round should close: the window passed, or everyone threw
    more than `settle_after` seconds ago and nothing closed the round (a lost task)."""
    due = []
    for lobby_id, ends_at in conn.execute(
        "SELECT l.id, g.turn_ends_at FROM lobbies l JOIN group_lobbies g ON g.lobby_id = l.id"
        " WHERE l.status = 'rolling' AND g.throw_mode = 1 ORDER BY l.id").fetchall():
        if ends_at is not None and ends_at <= now:
            due.append(lobby_id)
            continue
        lobby, waiting = duels.pending_rollers(conn, lobby_id)
        last = conn.execute("SELECT max(created_at) FROM rolls WHERE lobby_id = ? AND round = ?",
                            (lobby_id, lobby.round)).fetchone()[0]
        if not waiting and last is not None and last + settle_after <= now:
            due.append(lobby_id)
    return due


def rolling_turns(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """(lobby id, window end) of every throw-your-own round in progress."""
    return [tuple(r) for r in conn.execute(
        "SELECT l.id, g.turn_ends_at FROM lobbies l JOIN group_lobbies g ON g.lobby_id = l.id"
        " WHERE l.status = 'rolling' AND g.throw_mode = 1 AND g.turn_ends_at IS NOT NULL")]


def throw(conn: sqlite3.Connection, chat_id: int, user_id: int, emoji: str, value: int, *,
          forwarded: bool, via_bot: bool, thread_id: int | None, message_id: int, now: int,
          sent_at: int | None = None) -> Throw | None:
    """A die a member sent in the group. None when the sender plays no throw-your-own game
    here (an ordinary die: none of our business). A die is in time when it arrives before
    the window ends or Telegram dated it (`sent_at`, the message's date, which no client
    can set) before then: a die thrown in time but read late (the bot was restarting, a
    backlog) still counts while its round is open."""
    row = conn.execute(
        "SELECT l.id FROM lobbies l JOIN group_lobbies g ON g.lobby_id = l.id"
        " JOIN lobby_players p ON p.lobby_id = l.id WHERE l.chat_id = ? AND p.user_id = ?"
        " AND l.status = 'rolling' AND g.throw_mode = 1", (chat_id, user_id)).fetchone()
    if row is None:
        return None
    lobby, extra = games.get_lobby(conn, row[0]), get(conn, row[0])
    _, waiting = duels.pending_rollers(conn, lobby.id)
    when = now if sent_at is None else min(now, sent_at)
    hint = None
    if forwarded:
        hint = "throw_forwarded"
    elif via_bot:
        hint = "throw_via_bot"
    elif rules.game_for_emoji(emoji) is not rules.GAMES[lobby.game]:
        hint = "throw_wrong_emoji"
    elif thread_id != extra.thread_id:
        hint = "throw_wrong_topic"
    elif user_id not in duels.round_players(conn, lobby):
        hint = "throw_not_your_round"
    elif user_id not in waiting:
        hint = "throw_twice"
    elif extra.turn_ends_at is None or when >= extra.turn_ends_at:
        hint = "throw_late"
    if hint is not None:
        return Throw(lobby.id, lobby.round, lobby.game, counted=False, hint=hint)
    duels.record_roll(conn, lobby.id, lobby.round, user_id, value, now=now, chat_id=chat_id,
                      message_id=message_id, sent_at=sent_at, roller="player")
    return Throw(lobby.id, lobby.round, lobby.game, counted=True,
                 complete=waiting == [user_id])
