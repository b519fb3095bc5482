"""`ludice playground` in one process: one aiohttp app on one port serves the Bot API
emulator (under /bot<token>/), the page and its WebSocket; the real bot (the Application
`ludice run` starts) long-polls the emulator through that same port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from ludice import db, groups
from ludice import settings as game_settings
from ludice.bot.app import Application
from ludice.config import Config
from ludice.playground.accounts import AccountView
from ludice.playground.cast import GROUP_ID, STARTING_STARS, Cast
from ludice.playground.emulator import Emulator
from ludice.playground.web import Pages

log = logging.getLogger("ludice.playground")
TOKEN = "700000001:PLAYGROUND"
BOT_USERNAME = "ludice_playground_bot"
KEEP = 2000  # calls, updates and messages per chat the emulator remembers: runs are long
ACCOUNT_REFRESH_SECONDS = 0.15  # balances are re-read at most this often while calls flow


@dataclass(frozen=True)
class PlaygroundOptions:
    db_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    bots: int = 0
    rate_limits: bool = False
    bot_pace: float = 1.0  # simulated players' pauses are multiplied by this (bench: less)
    settings: dict[str, str] = field(default_factory=dict)  # game settings applied at start
    # messages per window of seconds into one group: `ludice run`'s own pacing; tests that
    # talk a lot in the group lift it, as the end-to-end tests do
    group_pace: tuple[int, float] = (20, 60.0)
    polling_timeout: int = 10
    drain_seconds: float = 5.0


def _prepare(path: Path, settings: dict[str, str]) -> bool:
    """Create or migrate the database, apply `settings`; whether the bot is in the group."""
    conn = db.open_db(path, create=True)
    try:
        db.migrate(conn)
        with db.transaction(conn):
            for key, value in settings.items():
                game_settings.set_value(conn, key, value, db.now())
        group = groups.get(conn, GROUP_ID)
        return group is not None and group.present
    finally:
        conn.close()


class Playground:
    def __init__(self, options: PlaygroundOptions) -> None:
        self.options = options
        self.url = ""
        self.started_at = time.monotonic()
        self.db_path: Path | None = None
        self._tempdir: str | None = None
        self._runner: web.AppRunner | None = None
        self._bot_task: asyncio.Task | None = None
        self._tasks: list[asyncio.Task] = []
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._accounts_due = asyncio.Event()
        self.application: Application | None = None
        self.players: Any = None

    async def start(self) -> str:
        if self.options.db_path is None:
            self._tempdir = tempfile.mkdtemp(prefix="ludice-playground-")
            self.db_path = Path(self._tempdir) / "ludice.db"
        else:
            self.db_path = self.options.db_path
        try:
            bot_in_group = await asyncio.to_thread(_prepare, self.db_path, self.options.settings)
            self.emulator = Emulator(token=TOKEN, bot_username=BOT_USERNAME, bot_name="ludice",
                                     rate_limits=self.options.rate_limits,
                                     initial_stars=STARTING_STARS, keep=KEEP)
            self.cast = Cast(self.emulator)
            self.cast.announce = self._events.put_nowait
            conn = db.open_db(self.db_path)
            try:
                self.cast.build(conn, bot_in_group)
            finally:
                conn.close()
            self.accounts = AccountView(self.db_path)
            self.pages = Pages(self.cast)
            self.emulator.subscribe(self._on_emulator_event)
            await self._serve_http()
            await self._start_bot()
            if not bot_in_group:
                self.cast.open_play()
            await self._refresh_accounts()
            self._tasks += [asyncio.create_task(self._pump(), name="playground-pump"),
                            asyncio.create_task(self._account_loop(), name="playground-accounts")]
            if self.options.bots:
                from ludice.playground.players import Players

                self.players = Players(self.cast, self.accounts, self.options.bots,
                                       self.options.bot_pace)
                await self.players.start()
        except BaseException:
            await self.stop()
            raise
        return self.url

    async def _serve_http(self) -> None:
        app = web.Application(client_max_size=1024**2)
        self.emulator.mount(app)
        app.add_routes(self.pages.routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0,
                                     handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.options.host, self.options.port)
        await site.start()
        port = self._runner.addresses[0][1]
        host = self.options.host if ":" not in self.options.host else f"[{self.options.host}]"
        self.url = f"http://{host}:{port}/"
        self.api_url = f"http://127.0.0.1:{port}" if self.options.host in (
            "0.0.0.0", "::", "") else self.url.rstrip("/")
        self.emulator.base_url = self.api_url

    async def _start_bot(self) -> None:
        config = Config(token=TOKEN, db_path=self.db_path, api_url=self.api_url,
                        polling_timeout=self.options.polling_timeout,
                        drain_seconds=self.options.drain_seconds)
        self.application = Application(config, group_pace=self.options.group_pace)
        await self.application.setup()
        self._bot_task = asyncio.create_task(self.application.serve(handle_signals=False),
                                             name="playground-bot")
        await asyncio.wait_for(self.application.ready.wait(), 30)

    # --- events from the emulator to the pages ------------------------------------------

    def _on_emulator_event(self, event: dict[str, Any]) -> None:
        for page_event in self.cast.on_event(event):
            self._events.put_nowait(page_event)
        if event.get("type") in ("call", "invoice", "stars"):
            self._accounts_due.set()

    async def _pump(self) -> None:
        while True:
            events = [await self._events.get()]
            while not self._events.empty():
                events.append(self._events.get_nowait())
            await self.pages.broadcast(events)

    async def _account_loop(self) -> None:
        while True:
            await self._accounts_due.wait()
            await asyncio.sleep(ACCOUNT_REFRESH_SECONDS)
            self._accounts_due.clear()
            try:
                await self._refresh_accounts()
            except Exception:  # a busy or closing database: the next call refreshes again
                log.debug("account refresh failed", exc_info=True)

    async def _refresh_accounts(self) -> None:
        for account in await self.accounts.read(list(self.cast.personas)):
            if self.cast.accounts.get(account["persona"]) != account:
                self.cast.accounts[account["persona"]] = account
                self._events.put_nowait({"type": "account", **account})

    # --- running and stopping -----------------------------------------------------------

    async def run(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Start, tell `on_ready` the URL, serve until SIGINT/SIGTERM, stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            url = await self.start()
            if on_ready is not None:
                on_ready(url)
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait([waiter, self._bot_task], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.stop()

    async def stop(self) -> None:
        """Simulated players first, then the bot (drained while the emulator still answers),
        then the pages and the HTTP server; the temporary database goes last."""
        if self.players is not None:
            await self.players.stop()
        if self.application is not None:
            await self.application.stop()
        if self._bot_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._bot_task, self.options.drain_seconds * 3 + 5)
            self._bot_task = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if getattr(self, "pages", None) is not None:
            await self.pages.close()
        if self._runner is not None:
            await self._runner.cleanup()  # the emulator releases its long polls on shutdown
            self._runner = None
        if getattr(self, "accounts", None) is not None:
            self.accounts.close()
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
