"""Messages owed to players. A domain change that players must hear about (a refund, a
result) adds its message here in the same transaction, so a crash between the change and the
Telegram call delays the message instead of losing it. The bot renders each in the
recipient's language when it sends."""

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


def add(conn: sqlite3.Connection, chat_id: int, text_key: str, now: int, **params: Any) -> None:
    conn.execute(
        "INSERT INTO outbox (chat_id, text_key, params, created_at) VALUES (?, ?, ?, ?)",
        (chat_id, text_key, json.dumps(params, ensure_ascii=False), now),
    )


def pending(conn: sqlite3.Connection, limit: int = 200) -> list[Message]:
    rows = conn.execute(
        "SELECT id, chat_id, text_key, params FROM outbox WHERE sent_at IS NULL ORDER BY id"
        " LIMIT ?",
        (limit,),
    )
    return [Message(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def mark_done(
    conn: sqlite3.Connection, message_id: int, now: int, error: str | None = None
) -> None:
    conn.execute("UPDATE outbox SET sent_at = ?, error = ? WHERE id = ? AND sent_at IS NULL",
                 (now, error, message_id))
