"""Challenges stranded when the bot loses its group: removed or left, unable to post (muted,
no rights), or the group moved to a new chat id (became a supergroup). What nobody has seen a
die of is refunded; a duel with dice already seen is finished server-side and told
privately (ludice.duels.finish_unseen), so no player can void a game they are losing by
taking the bot's rights away. The missing dice are drawn from the seed the lobby committed to
when it started, revealed with the result (ludice.fairness), so the players can check them.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ludice import duels, groups, refunds
from ludice.challenges import get
from ludice.games import Lobby
from ludice.settings import Settings


def finish_without_group(conn: sqlite3.Connection, lobby_id: int, *, reason: str,
                         settings: Settings, now: int,
                         rng: Callable[[int], int] | None = None) -> Lobby | None:
    """A rolling challenge the bot can't play out in its group: finished server-side and
    told privately (duels.finish_unseen). A throw-your-own round whose window has closed
    ends as it would have anyway, the missing throwers forfeiting it."""
    extra = get(conn, lobby_id)
    window_over = (extra is not None and extra.throw_mode and extra.turn_ends_at is not None
                   and now >= extra.turn_ends_at)
    return duels.finish_unseen(conn, lobby_id, reason=reason, settings=settings, now=now,
                               rng=rng, window_over=window_over)


def unreachable(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int,
                rng: Callable[[int], int] | None = None) -> Lobby | None:
    """The bot can't post in the challenge's group any more (removed, muted, no rights).
    Before any die was recorded nobody has seen anything: every stake comes back. After,
    the duel is finished server-side instead, or a player who saw a bad die could void the
    game by taking the bot's rights away."""
    if conn.execute("SELECT 1 FROM rolls WHERE lobby_id = ? LIMIT 1", (lobby_id,)).fetchone():
        return finish_without_group(conn, lobby_id, reason="unreachable", settings=settings,
                                    now=now, rng=rng)
    return refunds.call_off(conn, lobby_id, reason="unreachable", now=now)


def _leave_chat(conn: sqlite3.Connection, chat_id: int, *, reason: str, settings: Settings,
                now: int, rng: Callable[[int], int] | None) -> list[Lobby]:
    rolling = [r[0] for r in conn.execute(
        "SELECT id FROM lobbies WHERE chat_id = ? AND status = 'rolling' ORDER BY id",
        (chat_id,))]
    return [done for lobby_id in rolling
            if (done := finish_without_group(conn, lobby_id, reason=reason, settings=settings,
                                             now=now, rng=rng))]


def bot_removed(conn: sqlite3.Connection, chat_id: int, *, settings: Settings, now: int,
                rng: Callable[[int], int] | None = None) -> list[Lobby]:
    """The bot left or was removed from a group (one unit of work): play goes off, open
    challenges are refunded and rolling ones finished server-side, everyone told
    privately. Returns the lobbies that were resolved."""
    refunded = groups.bot_removed(conn, chat_id, now=now)
    if refunded is None:
        return []
    return refunded + _leave_chat(conn, chat_id, reason="bot_removed", settings=settings,
                                  now=now, rng=rng)


def group_moved(conn: sqlite3.Connection, old_id: int, new_id: int, *, settings: Settings,
                now: int, rng: Callable[[int], int] | None = None) -> list[Lobby]:
    """A group became a supergroup with a new chat id: the duels rolling in the old chat are
    finished server-side, then the group and its history move (groups.migrate)."""
    if groups.get(conn, old_id) is None or old_id == new_id:
        return []
    finished = _leave_chat(conn, old_id, reason="moved", settings=settings, now=now, rng=rng)
    return groups.migrate(conn, old_id, new_id, now=now) + finished
