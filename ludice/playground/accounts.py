"""The personas' credits and ledger lines as the real database has them, read on a read-only
connection of its own (never the bot's writer) in a worker thread."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from ludice import db, ledger

LEDGER_LINES = 12


class AccountView:
    def __init__(self, db_path: Path) -> None:
        self._path = db_path
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()  # one reader thread at a time on the one connection

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(f"{self._path.resolve().as_uri()}?mode=ro", uri=True,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
            self._conn = conn
        return self._conn

    def _read(self, user_ids: list[int]) -> list[dict[str, Any]]:
        conn = self._connect()
        conn.execute("BEGIN")  # one snapshot for every persona
        try:
            registered = {row[0] for row in conn.execute(
                f"SELECT id FROM users WHERE id IN ({','.join('?' * len(user_ids))})"
                " AND terms_accepted_at IS NOT NULL", user_ids)} if user_ids else set()
            return [self._account(conn, user_id, user_id in registered) for user_id in user_ids]
        finally:
            conn.execute("COMMIT")

    @staticmethod
    def _account(conn: sqlite3.Connection, user_id: int, registered: bool) -> dict[str, Any]:
        lines = [{"id": t.id, "amount": t.amount if t.credit_id == user_id else -t.amount,
                  "kind": t.kind, "reference": t.reference, "at": t.created_at}
                 for t in ledger.history(conn, user_id, limit=LEDGER_LINES)]
        return {"persona": user_id, "registered": registered,
                "credits": ledger.balance(conn, user_id), "ledger": lines}

    async def read(self, user_ids: list[int]) -> list[dict[str, Any]]:
        async with self._lock:
            return await asyncio.to_thread(self._read, user_ids)

    def _lobby_status(self, user_id: int) -> str | None:
        row = self._connect().execute(
            "SELECT l.status FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id"
            " WHERE p.user_id = ? AND l.status IN ('open', 'rolling') LIMIT 1",
            (user_id,)).fetchone()
        return row[0] if row else None

    async def lobby_status(self, user_id: int) -> str | None:
        """"open" or "rolling" when the user is in a lobby still in play (what their chat
        shows them), else None."""
        async with self._lock:
            return await asyncio.to_thread(self._lobby_status, user_id)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
