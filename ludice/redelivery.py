"""Telegram redelivers every update whose offset the bot had not confirmed when it died, and
aiogram confirms a batch before its handlers have run (or, when a getUpdates fails, long
after they committed). A dedupe in memory dies with the process that crashed, so an update
that moves money or lobbies records its `update_id` in the same transaction as its effect,
and a redelivered one finds it there and does nothing. Records older than a day are pruned
(Telegram keeps unconfirmed updates for 24 hours).

Update ids count per bot: the records belong to the bot that wrote them (`meta.bot_id`). A
database handed to another bot (a new token of another bot) forgets them, or that bot's own
first updates, numbered from its own counter, would be taken for handled ones and ignored."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ludice.errors import LudiceError

if TYPE_CHECKING:
    from ludice.db import Store

T = TypeVar("T")
KEEP_SECONDS = 86_400


class AlreadyHandled(Exception):
    """This update's effect is already recorded: the handler stays silent. Deliberately not
    a LudiceError, so no handler's refusal branch can mistake it for a refusal to explain."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} was handled before")
        self.update_id = update_id


@dataclass(frozen=True)
class _Answered:
    """A domain refusal the update got: it counts as handled (the player heard why), so the
    record commits while the refused effect is rolled back."""

    error: LudiceError


def claim(conn: sqlite3.Connection, update_id: int, now: int) -> bool:
    """Record `update_id`; False when it was recorded before."""
    return conn.execute(
        "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
        " ON CONFLICT (update_id) DO NOTHING", (update_id, now)).rowcount == 1


def once(conn: sqlite3.Connection, update_id: int, now: int, fn: Callable[..., T], /,
         *args: Any, **kwargs: Any) -> T | _Answered:
    """`fn(conn, *args, **kwargs)` as the effect of update `update_id`, recorded with it in
    this transaction. A refused effect still records the update: redelivered after the
    player heard "no" (and maybe after what stood in the way is gone), it must not turn
    into a yes."""
    if not claim(conn, update_id, now):
        raise AlreadyHandled(update_id)
    conn.execute("SAVEPOINT effect")
    try:
        result = fn(conn, *args, **kwargs)
    except LudiceError as refused:
        conn.execute("ROLLBACK TO effect")
        conn.execute("RELEASE effect")
        return _Answered(refused)
    conn.execute("RELEASE effect")
    return result


async def write_once(store: Store, update_id: int, now: int, fn: Callable[..., T], /,
                     *args: Any, **kwargs: Any) -> T:
    """`store.write(fn, ...)` for the effect of an update: raises AlreadyHandled when the
    update was handled before, and the refusal itself when the effect was refused."""
    result = await store.write(once, update_id, now, fn, *args, **kwargs)
    if isinstance(result, _Answered):
        raise result.error
    return result


def prune(conn: sqlite3.Connection, *, now: int, keep: int = KEEP_SECONDS) -> int:
    return conn.execute("DELETE FROM handled_updates WHERE handled_at < ?",
                        (now - keep,)).rowcount


def serve_bot(conn: sqlite3.Connection, bot_id: int) -> int:
    """The bot `bot_id` serves this database from now on. Returns how many records of another
    bot's updates were forgotten (0 for the same bot; a database from before bots were
    recorded keeps its records: they can only be its own)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'bot_id'").fetchone()
    if row is not None and int(row[0]) == bot_id:
        return 0
    forgotten = 0
    if row is not None:
        forgotten = conn.execute("DELETE FROM handled_updates").rowcount
    conn.execute("INSERT INTO meta (key, value) VALUES ('bot_id', ?)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(bot_id),))
    return forgotten
