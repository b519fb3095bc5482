"""Messages owed to players and groups. A domain change that someone must hear about (a
refund, a result) adds its message here in the same transaction, so a crash between the
change and the Telegram call delays the message instead of losing it. The bot renders each
in the recipient's language when it sends.

A message to a group has the group's (negative) chat id as its `chat_id` and, in a forum
group, the topic to post in as `thread_id`. The key `group_card` is not a new message: it asks
the bot to redraw the challenge card of `params["lobby_id"]` in place. A group message about a
lobby that the group refuses for good (the bot was removed, can't post, the group moved) goes
to each of the lobby's players privately instead (`refused`)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    id: int
    chat_id: int
    text_key: str
    params: dict[str, Any]
    thread_id: int | None = None


def add(conn: sqlite3.Connection, chat_id: int, text_key: str, now: int, *,
        thread_id: int | None = None, **params: Any) -> None:
    conn.execute(
        "INSERT INTO outbox (chat_id, text_key, params, created_at, thread_id)"
        " VALUES (?, ?, ?, ?, ?)",
        (chat_id, text_key, json.dumps(params, ensure_ascii=False), now, thread_id),
    )


def add_for_lobby(conn: sqlite3.Connection, lobby_id: int, chat_id: int, text_key: str,
                  now: int, **params: Any) -> None:
    """A message to a group lobby's chat, in the topic its challenge was posted in."""
    row = conn.execute("SELECT thread_id FROM group_lobbies WHERE lobby_id = ?",
                       (lobby_id,)).fetchone()
    add(conn, chat_id, text_key, now, thread_id=row[0] if row else None, lobby_id=lobby_id,
        **params)


def pending(conn: sqlite3.Connection, limit: int = 200, chat_id: int | None = None
            ) -> list[Message]:
    where = "sent_at IS NULL" + ("" if chat_id is None else " AND chat_id = ?")
    args = () if chat_id is None else (chat_id,)
    rows = conn.execute(
        f"SELECT id, chat_id, text_key, params, thread_id FROM outbox WHERE {where}"
        " ORDER BY id LIMIT ?", (*args, limit))
    return [Message(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]


def mark_done(
    conn: sqlite3.Connection, message_id: int, now: int, error: str | None = None
) -> None:
    conn.execute("UPDATE outbox SET sent_at = ?, error = ? WHERE id = ? AND sent_at IS NULL",
                 (now, error, message_id))


DAY = 86_400
PRUNE_BATCH = 5_000  # rows per sweep at most, so one sweep never holds the writer long


def prune(conn: sqlite3.Connection, *, now: int, keep_days: int, batch: int = PRUNE_BATCH
          ) -> int:
    """Delete sent messages older than `keep_days` (pending ones stay, however old). Ids grow
    with time, so the old rows are the lowest ids: the first id created within the retention
    is found by bisecting the ids (a few point lookups), and only the rows below it are
    visited, never the whole table. Returns how many rows went."""
    cutoff = now - keep_days * DAY
    first, last = conn.execute("SELECT min(id), max(id) FROM outbox").fetchone()
    if first is None:
        return 0
    low, high = first, last + 1
    while low < high:  # the lowest id whose row (or the next one) was created within it
        middle = (low + high) // 2
        row = conn.execute("SELECT created_at FROM outbox WHERE id >= ? ORDER BY id LIMIT 1",
                           (middle,)).fetchone()
        if row is None or row[0] >= cutoff:
            high = middle
        else:
            low = middle + 1
    return conn.execute("DELETE FROM outbox WHERE id < ? AND sent_at IS NOT NULL"
                        " AND sent_at < ?", (min(low, first + batch), cutoff)).rowcount


# Group notes whose news each player already got privately with their refund.
_TOLD_PRIVATELY = frozenset({"group_card", "group_no_throws", "group_cancelled",
                             "group_called_off", "group_interrupted"})


def refused(conn: sqlite3.Connection, message_id: int, now: int, error: str) -> int:
    """Mark a message Telegram refused for good. A group message about a lobby becomes one
    private `group_relayed` message to each of its players, written only by the call that
    marks it, so they are relayed once. Returns how many were relayed."""
    row = conn.execute(
        "UPDATE outbox SET sent_at = ?, error = ? WHERE id = ? AND sent_at IS NULL"
        " RETURNING chat_id, text_key, params", (now, error, message_id)).fetchone()
    if row is None or row[0] > 0 or row[1] in _TOLD_PRIVATELY:
        return 0
    params = json.loads(row[2])
    if "lobby_id" not in params:
        return 0
    title = conn.execute("SELECT title FROM groups WHERE chat_id = ?", (row[0],)).fetchone()
    players = [r[0] for r in conn.execute(
        "SELECT user_id FROM lobby_players WHERE lobby_id = ? ORDER BY seat",
        (params["lobby_id"],))]
    for user_id in players:
        add(conn, user_id, "group_relayed", now, group=title[0] if title and title[0] else "",
            key=row[1], params=params)
    return len(players)
