"""Runs the real ludice bot (ludice.bot.app.Application, the same entry `ludice run` uses)
in-process against the fake Bot API, on a real SQLite file, with settings chosen per test."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ludice import db, ledger
from ludice import settings as game_settings
from ludice.bot.app import Application
from ludice.config import Config
from ludice.playground.emulator import ApiError, Call, Emulator, to_html

# Tests run the duel without the animation wait and without the per-user throttle unless a
# test asks for them.
FAST = {"reveal_delay_seconds": "0.05", "throttle_seconds": "0"}
# Pacing (messages per window of seconds into one group, and overall) is out of the way
# unless a test is about it: Telegram's real 20 a minute would stall any test that talks a lot.
NO_PACING = (10_000, 1.0)


class FakeTelegram(Emulator):
    """The packaged emulator plus the waiting a test does."""

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                dump = "\n".join(
                    f"  {c.method}{' (ERROR)' if c.answered_error else ''} {c.params!r:.300}"
                    for c in self.calls[-20:])
                raise AssertionError(f"condition not met within {timeout}s; last calls:\n{dump}")
            await asyncio.sleep(0.005)

    async def wait_text(self, chat_id: int, contains: str, timeout: float = 5.0) -> str:
        return await self.wait_for(
            lambda: next((t for t in self.texts(chat_id) if contains in t), None), timeout)


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


async def kill(bot: Running) -> None:
    """Stop the bot the way SIGKILL would: each of its tasks stops where it is (a unit of work
    already handed to SQLite commits or not, as it would), the database connection goes away,
    and nothing drains, flushes the outbox or says goodbye. What was committed is all that is
    left for the next start."""
    app = bot.app
    app.jobs.shutdown()
    doomed = [*app.dispatcher._handle_update_tasks, *app.duels.tasks.values(),
              *app.mailer._chats.values(), *app._background]
    for task in doomed:
        task.cancel()
    await app.store._aconn.close()  # the stop-time drain below finds no database to read
    bot.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await bot.task


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
                    group_pace: tuple[int, float] | None = None,
                    global_pace: tuple[int, float] | None = None,
                    startup_grace: float | None = None, **config: Any) -> Running:
    config = {"polling_timeout": 1, "drain_seconds": 5, **config}
    options: dict[str, Any] = {"clock": clock} if clock else {}
    if clock:
        fake.clock = clock  # messages are dated by the same clock the bot reads
    options["group_pace"] = group_pace or NO_PACING
    options["global_pace"] = global_pace or NO_PACING
    if startup_grace is not None:
        options["startup_grace"] = startup_grace
    app = Application(Config(token=fake.token, db_path=db_path, api_url=fake.base_url, **config),
                      **options)
    await app.setup()
    task = asyncio.create_task(app.serve(handle_signals=False))
    await asyncio.wait_for(app.ready.wait(), 5)
    return Running(app, fake, db_path, task)


@contextlib.asynccontextmanager
async def running_bot(tmp_path: Path, *, clock: Callable[[], float] | None = None,
                      group_pace: tuple[int, float] | None = None,
                      global_pace: tuple[int, float] | None = None,
                      admins: frozenset[int] = frozenset(),
                      **settings: Any) -> AsyncIterator[Running]:
    """A fresh emulated Telegram and a running bot (`admins`: as --admins gives them); on
    exit the bot stops and the ledger audit must be clean."""
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {k: str(v) for k, v in settings.items()})
    async with FakeTelegram() as fake:
        running = await start_bot(fake, db_path, clock, group_pace, global_pace,
                                  admins=admins)
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
                       lang: str = "en", username: str | None = None) -> None:
    """Drive a new user through /start and the Accept button."""
    fake.user(user_id, first_name=name, language_code=lang, username=username)
    fake.send_text(user_id, "/start")
    await press_button(fake, user_id, "terms")

    def menu_shown() -> bool:
        sent = fake.sent(user_id, "sendMessage")
        return bool(sent) and "keyboard" in (sent[-1].params.get("reply_markup") or {})

    await fake.wait_for(menu_shown)


GROUP = -1001234567890


async def open_group(bot: Running, chat_id: int = GROUP, *, admin: int = 100,
                     title: str = "Dice Club", forum: bool = False, **settings: str) -> int:
    """A group with the bot added and play turned on by its admin (user `admin`, who need
    not have started the bot); `settings` are `/ludice KEY VALUE` changes made after."""
    fake = bot.fake
    fake.group(chat_id, title, forum=forum)
    fake.user(admin, first_name="Admin")
    fake.set_member(chat_id, admin, "administrator")
    fake.bot_status(chat_id, "member", by=admin)
    await fake.wait_text(chat_id, "I stay quiet")
    fake.send_text(admin, "/ludice on", chat_id=chat_id, chat_type="supergroup")
    await fake.wait_text(chat_id, "Play is on")
    for key, value in settings.items():
        seen = len(fake.texts(chat_id))
        fake.send_text(admin, f"/ludice {key} {value}", chat_id=chat_id, chat_type="supergroup")
        await fake.wait_for(lambda seen=seen: len(fake.texts(chat_id)) > seen)
        assert "Saved" in fake.texts(chat_id)[-1], fake.texts(chat_id)[-1]
    return chat_id


def group_say(fake: FakeTelegram, user_id: int, text: str, chat_id: int = GROUP,
              **kwargs: Any) -> dict:
    return fake.send_text(user_id, text, chat_id=chat_id, chat_type="supergroup", **kwargs)


def card_of(fake: FakeTelegram, lobby_id: int, chat_id: int = GROUP) -> tuple[int, dict] | None:
    """(message id, message) of the challenge card of `lobby_id`, as it stands now (its
    text as Telegram stores it: markup turned into entities)."""
    head = re.compile(rf"challenge #{lobby_id}(?!\d)")
    for (chat, message_id), message in sorted(fake.messages.items()):
        if chat == chat_id and head.search(message.get("text", "")):
            return message_id, message
    return None


def shown(message: dict) -> str:
    """A message's text as a client shows it, formatting back in HTML (`<b>40</b>`)."""
    return to_html(message.get("text", ""), message.get("entities"))


def buttons(message: dict) -> list[str]:
    return [b.get("callback_data", b.get("url", ""))
            for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


class Gate:
    """Holds calls of one Bot API method (after letting `skip` through) until released, so a
    test can act while the bot waits on Telegram: `reached` is set when a call is held."""

    def __init__(self, fake: FakeTelegram, method: str, skip: int = 0) -> None:
        self._fake, self._method = fake, method
        self._inner = fake.handler(method)
        self._skip = skip
        self._open = asyncio.Event()
        self._error: ApiError | None = None
        self.reached = asyncio.Event()
        fake.set_response(method, self._call)

    async def _call(self, p: dict) -> Any:
        if self._skip > 0:
            self._skip -= 1
        else:
            self.reached.set()
            await self._open.wait()
            if self._error is not None:
                raise self._error
        result = self._inner(p)
        return await result if asyncio.iscoroutine(result) else result

    def release(self) -> None:
        self._open.set()

    def close(self) -> None:
        """Stop holding: later calls go straight through (held ones stay as released)."""
        self._fake.set_response(self._method, self._inner)

    def fail(self, description: str = "Internal Server Error", code: int = 500) -> None:
        self._error = ApiError(description, code)
        self._open.set()


# --- waiting and looking -------------------------------------------------------------------

async def settle(bot: Running, timeout: float = 5.0) -> None:
    """Wait until every scripted update was fetched and handled, no duel is running and the
    outbox is empty: after this, "nothing else happened" can be asserted."""
    fake, app = bot.fake, bot.app
    await fake.wait_for(fake.delivered, timeout)
    await fake.wait_for(lambda: not app.dispatcher._handle_update_tasks and not app.duels.tasks
                        and not bot.sql("SELECT 1 FROM outbox WHERE sent_at IS NULL"), timeout)


async def callback_answer(fake: FakeTelegram, update: dict, timeout: float = 5.0) -> Call:
    """The answerCallbackQuery call that answered the pressed button `update`."""
    query_id = update["callback_query"]["id"]
    return await fake.wait_for(lambda: next(
        (c for c in fake.sent(method="answerCallbackQuery")
         if str(c.params.get("callback_query_id")) == query_id), None), timeout)


def state(bot: Running) -> tuple:
    """Everything a refused action must leave alone: balances, lobbies, seats, transfers."""
    return (bot.sql("SELECT id, balance FROM accounts ORDER BY id"),
            bot.sql("SELECT id, status FROM lobbies ORDER BY id"),
            bot.sql("SELECT count(*) FROM lobby_players"),
            bot.sql("SELECT count(*) FROM transfers"))
