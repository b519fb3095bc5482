"""Runs the real ludice bot (ludice.bot.app.Application, the same entry `ludice run` uses)
in-process against the fake Bot API, on a real SQLite file, with settings chosen per test."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakeapi import FakeTelegram

from ludice import db, ledger
from ludice import settings as game_settings
from ludice.bot.app import Application
from ludice.config import Config

# Tests run the duel without the animation wait and without the per-user throttle unless a
# test asks for them.
FAST = {"reveal_delay_seconds": "0.05", "throttle_seconds": "0"}


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Running:
    app: Application
    fake: FakeTelegram
    db_path: Path
    task: asyncio.Task

    def sql(self, query: str, *args: Any) -> list[tuple]:
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(query, args).fetchall()
        finally:
            conn.close()

    def balance(self, user_id: int) -> int:
        rows = self.sql("SELECT balance FROM accounts WHERE id = ?", user_id)
        return rows[0][0] if rows else 0

    def audit(self) -> list[str]:
        conn = db.open_db(self.db_path)
        try:
            return ledger.audit(conn)
        finally:
            conn.close()

    async def stop(self) -> None:
        await self.app.stop()
        await asyncio.wait_for(self.task, timeout=30)


def prepare_db(path: Path, settings: dict[str, str]) -> None:
    conn = db.open_db(path, create=True)
    try:
        db.migrate(conn)
        with db.transaction(conn):
            for key, value in {**FAST, **settings}.items():
                game_settings.set_value(conn, key, value, 0)
    finally:
        conn.close()


async def start_bot(fake: FakeTelegram, db_path: Path, clock: Callable[[], float] | None = None,
                    **config: Any) -> Running:
    app = Application(Config(token=fake.token, db_path=db_path, api_url=fake.base_url,
                             polling_timeout=1, drain_seconds=5, **config),
                      **({"clock": clock} if clock else {}))
    await app.setup()
    task = asyncio.create_task(app.serve(handle_signals=False))
    await asyncio.wait_for(app.ready.wait(), 5)
    return Running(app, fake, db_path, task)


@contextlib.asynccontextmanager
async def running_bot(tmp_path: Path, *, clock: Callable[[], float] | None = None,
                      **settings: Any) -> AsyncIterator[Running]:
    """A fresh fake Telegram and a running bot; on exit the bot stops and the ledger audit
    must be clean."""
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {k: str(v) for k, v in settings.items()})
    async with FakeTelegram() as fake:
        running = await start_bot(fake, db_path, clock)
        try:
            yield running
        finally:
            if not running.task.done():
                await running.stop()
        assert running.audit() == []


def find_button(fake: FakeTelegram, chat_id: int, prefix: str) -> tuple[int, str] | None:
    """The newest bot message in `chat_id` carrying a button whose data starts with `prefix`:
    (message_id, callback data)."""
    for (chat, message_id), message in sorted(fake.messages.items(), reverse=True):
        if chat != chat_id or message.get("from", {}).get("id") != fake.bot_user["id"]:
            continue
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith(prefix):
                    return message_id, button["callback_data"]
    return None


async def press_button(fake: FakeTelegram, user_id: int, prefix: str) -> dict:
    message_id, data = await fake.wait_for(lambda: find_button(fake, user_id, prefix))
    return fake.press(user_id, data, message_id=message_id)


async def accept_terms(fake: FakeTelegram, user_id: int, name: str = "Alice",
                       lang: str = "en") -> None:
    """Drive a new user through /start and the Accept button."""
    fake.user(user_id, first_name=name, language_code=lang)
    fake.send_text(user_id, "/start")
    await press_button(fake, user_id, "terms")
    await fake.wait_for(lambda: fake.sent(user_id, "sendMessage")
                        and "reply_markup" in fake.sent(user_id, "sendMessage")[-1].params
                        and "keyboard" in fake.sent(user_id, "sendMessage")[-1].params["reply_markup"])
