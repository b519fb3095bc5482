"""Wires the bot together and runs it: store, Bot session, dispatcher, scheduler, outbox,
duel recovery, long polling, and an orderly stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats, ErrorEvent, Message

from ludice import instance, ledger, redelivery, stars, status
from ludice.bot import admin, fallback, group, private, records
from ludice.bot import status as bot_status
from ludice.bot.duel import DuelRunner
from ludice.bot.filters import magic_on_loop
from ludice.bot.group.cards import Cards, render_group
from ludice.bot.limit_keyboards import with_reality_check
from ludice.bot.private import house as house_play
from ludice.bot.texts import LANGUAGES, language, t
from ludice.bot.transport.mailer import Mailer
from ludice.bot.transport.middlewares import PlayerContext, UpdateGuard, in_group
from ludice.bot.transport.pacing import GlobalPace, GroupPace
from ludice.bot.transport.retry import PollingConflict, RetryAfter
from ludice.bot.transport.session import JsonSession
from ludice.config import Config
from ludice.db import Store
from ludice.errors import LudiceError
from ludice.redelivery import AlreadyHandled
from ludice.scheduler import Jobs

log = logging.getLogger("ludice")
COMMANDS = ("start", "play", "house", "profile", "topup", "bonus", "history", "leave", "top",
            "limits", "help", "privacy", "paysupport", "game")
GROUP_COMMANDS = ("duel", "top", "ludice", "help")


def build_dispatcher(*, store: Store, duels: DuelRunner, jobs: Jobs, mailer: Mailer,
                     cards: Cards, clock: Callable[[], float], config: Config,
                     vitals: status.Vitals) -> tuple[Dispatcher, UpdateGuard]:
    """The dispatcher and its update guard. Its keywords are what handlers may name as
    parameters (aiogram injects by name), together with what the middlewares add: player,
    settings, lang, group (ludice.bot.transport.middlewares) and aiogram's own, e.g. state."""
    dp = Dispatcher(store=store, duels=duels, jobs=jobs, mailer=mailer, cards=cards,
                    clock=clock, config=config, vitals=vitals)
    guard = UpdateGuard()
    dp.update.outer_middleware(guard)
    dp.update.outer_middleware(bot_status.count_update)
    context = PlayerContext()
    dp.message.outer_middleware(context)
    dp.callback_query.outer_middleware(context)
    # No private router answers what a group router answers, nor the reverse: only the
    # fallback's place, last, matters.
    dp.include_routers(*private.routers(), *group.routers(), bot_status.make_router(),
                       records.make_router(), *admin.routers(), fallback.make_router())
    magic_on_loop(dp)
    dp.errors.register(on_error)
    return dp, guard


async def on_error(event: ErrorEvent) -> bool:
    update = event.update
    if isinstance(event.exception, AlreadyHandled):
        log.info("update %s was handled before the restart; ignored", update.update_id)
        return True  # its effect and its answer happened the first time
    query = update.callback_query
    message = update.message or (query.message if query else None)
    sender = (update.message or query or update.pre_checkout_query)
    user = getattr(sender, "from_user", None)
    log.error("update %s from user %s failed", update.update_id, user.id if user else None,
              exc_info=event.exception,
              extra={"update_id": update.update_id, "user_id": user.id if user else None})
    if user is None:
        return True
    apology = t(language(user.language_code), "error_apology")
    if query is not None:
        with contextlib.suppress(Exception):  # the query may be too old to answer by now
            await query.answer(apology, show_alert=True)  # stops the button's spinner
        if message is not None and not in_group(query):  # a group isn't told of a button
            with contextlib.suppress(Exception):
                await message.bot.send_message(message.chat.id, apology)
    elif isinstance(message, Message):
        with contextlib.suppress(Exception):
            await message.answer(apology)  # in a forum group: in the message's own topic
    return True


class Application:
    def __init__(self, config: Config, clock: Callable[[], float] = time.time,
                 group_pace: tuple[int, float] = (20, 60.0),
                 global_pace: tuple[int, float] = (30, 1.0),
                 startup_grace: float = 10.0, heartbeat_seconds: float = 5.0,
                 conflict_wait: float = 5.0) -> None:
        self.config = config
        self.heartbeat_seconds = heartbeat_seconds
        self.conflict_wait = conflict_wait  # between getUpdates tries while 409 Conflict
        self.clock = clock
        # No throw-your-own round closes this long after start-up: polling reads the dice
        # thrown while the bot was down first (ludice.scheduler).
        self.startup_grace = startup_grace
        self.group_pace = group_pace  # messages per window (seconds) into one group
        self.global_pace = global_pace  # messages per window (seconds) overall
        self.store: Store | None = None
        self.bot: Bot | None = None
        self.dispatcher: Dispatcher | None = None
        self.ready = asyncio.Event()
        self._background: list[asyncio.Task] = []
        self.vitals = status.Vitals(clock)
        self._held = contextlib.ExitStack()  # the instance lock, released last

    async def setup(self) -> None:
        """Everything up to (not including) polling. Raises LudiceError for a database another
        bot serves, a bad token or an unreachable server, with a message meant for the person
        starting the bot."""
        self.holder = self._held.enter_context(
            instance.hold(self.config.db_path, api_url=self.config.api_url))
        try:
            self.store = await Store.open(self.config.db_path)
            await self._start()
        except BaseException:
            await self._close()  # a failed start leaves no session, thread, task or lock
            raise

    async def _start(self) -> None:
        assert self.store is not None
        await self.store.write(status.started, self.holder, int(self.clock()))
        logging.getLogger("ludice").addHandler(self.vitals)
        problems = await self.store.report(ledger.audit)
        for problem in problems:
            log.error("ledger audit at start-up: %s", problem)
        await self.store.write(status.audited, problems, int(self.clock()))
        session = JsonSession(api=TelegramAPIServer.from_base(self.config.api_url)
                              ) if self.config.api_url else JsonSession()
        session.middleware(PollingConflict(self.conflict_wait))
        session.middleware(RetryAfter())  # outermost: every retry waits for its own slot
        session.middleware(GroupPace(*self.group_pace))
        session.middleware(GlobalPace(*self.global_pace))  # innermost: no slot held waiting
        self.bot = Bot(self.config.token, session=session,
                       default=DefaultBotProperties(parse_mode="HTML"))
        try:
            me = await self.bot.get_me()
        except TelegramUnauthorizedError:
            raise LudiceError("Telegram rejected the bot token (check LUDICE_TOKEN)") from None
        except TelegramNetworkError as exc:
            raise LudiceError(f"cannot reach the Bot API server: {exc}") from None
        log.info("running as @%s (id %s) on %s", me.username, me.id, self.config.db_path,
                 extra={"bot": me.username, "pid": self.holder.pid})
        if forgotten := await self.store.write(redelivery.serve_bot, me.id):
            log.warning("this database was served by another bot: its %d handled update ids"
                        " are forgotten (update ids count per bot)", forgotten)
        await self._set_commands()
        self.cards = Cards(self.bot, self.store)
        self.mailer = Mailer(self.bot, self.store, self.clock, render_group=render_group,
                             redraw=self.cards.refresh,
                             private_buttons=with_reality_check(
                                 house_play.instead_offer(self.store)))
        self.duels = DuelRunner(self.bot, self.store, self.mailer, self.clock,
                                show_round=self.cards.show_round)
        self.jobs = Jobs(self.store, self.clock, self.mailer.kick, resume=self.duels.recover,
                         reconcile=self.reconcile, startup_grace=self.startup_grace,
                         db_path=self.config.db_path, beat=self.beat,
                         heartbeat_seconds=self.heartbeat_seconds)
        self.duels.on_round = self.jobs.track_turn
        self.dispatcher, self.guard = build_dispatcher(
            store=self.store, duels=self.duels, jobs=self.jobs, mailer=self.mailer,
            cards=self.cards, clock=self.clock, config=self.config, vitals=self.vitals,
        )
        expiry = await self.jobs.start()
        # Payments are keyed by their charge id, so reconciling while updates flow is safe:
        # the first poll need not wait for Telegram's list of star transactions.
        self._background.append(asyncio.create_task(self.reconcile(), name="reconcile"))
        resumed = await self.duels.recover()
        await self.jobs.sweep()
        await self.cards.post_missing()
        log.info("start-up: expiry timer %s, %d duels resumed",
                 f"armed for lobby {expiry[1]}" if expiry else "idle (no open lobby)", resumed)
        self._background.append(asyncio.create_task(self.mailer.run_forever(), name="mailer"))
        self.mailer.kick()

    async def beat(self) -> None:
        await self.store.write(status.beat, self.vitals, int(self.clock()))

    async def reconcile(self) -> None:
        """Payments Telegram took but we never credited, refunds to record or retry. A
        failure is logged and retried at the next interval, never fatal."""
        api = stars.BotApi(self.config.token, self.config.api_url)
        try:
            report, failing = await stars.reconcile(api, self.store.write, self.store.read,
                                                    self.clock)
        except LudiceError as exc:
            log.warning("payment reconciliation failed: %s", exc)
            return
        if report.credited or report.refunds_recorded:
            log.info("reconciliation credited %s, recorded refunds %s", report.credited,
                     report.refunds_recorded)
            self.mailer.kick()
        for problem in failing:
            log.warning("reconciliation: %s", problem)

    async def _set_commands(self) -> None:
        for lang in LANGUAGES:
            code = None if lang == "en" else lang
            commands = [BotCommand(command=c, description=t(lang, f"cmd_{c}")) for c in COMMANDS]
            await self.bot.set_my_commands(commands, language_code=code)
            in_groups = [BotCommand(command=c, description=t(lang, f"cmd_{c}"))
                         for c in GROUP_COMMANDS]
            await self.bot.set_my_commands(in_groups, scope=BotCommandScopeAllGroupChats(),
                                           language_code=code)

    async def serve(self, handle_signals: bool = True) -> None:
        """Poll until stopped (SIGINT/SIGTERM or stop()), then let in-flight work finish."""
        assert self.dispatcher is not None and self.bot is not None
        self.ready.set()
        try:
            await self.dispatcher.start_polling(
                self.bot, handle_signals=handle_signals, close_bot_session=False,
                polling_timeout=self.config.polling_timeout,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        finally:
            await self._drain()
            await self._close()
            log.info("stopped", extra={"pid": self.holder.pid})

    async def stop(self) -> None:
        if self.dispatcher is not None:
            with contextlib.suppress(RuntimeError):  # not polling (yet / any more)
                await self.dispatcher.stop_polling()

    async def _drain(self) -> None:
        budget = self.config.drain_seconds
        unfinished = await self.guard.drain(budget)
        unfinished += await self.duels.drain(budget)
        if unfinished:
            log.warning("%d tasks still running at stop; duels resume at next start", unfinished)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.mailer.drain(), timeout=budget)

    async def _close(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()
        if getattr(self, "jobs", None) is not None:
            self.jobs.shutdown()
        if getattr(self, "duels", None) is not None:
            for task in list(self.duels.tasks.values()):
                task.cancel()
        if self.bot is not None:
            await self.bot.session.close()
            self.bot = None
        logging.getLogger("ludice").removeHandler(self.vitals)
        if self.store is not None:
            with contextlib.suppress(Exception):  # a full disk must not stop the stop
                await self.store.write(status.stopped, self.vitals, int(self.clock()))
            await self.store.close()
            self.store = None
        self._held.close()


async def run(config: Config) -> None:
    app = Application(config)
    await app.setup()
    # What start-up built (aiogram, pydantic, the routers) lives as long as the process:
    # frozen, full collections stop walking it (they took 200-300 ms each, measured). No
    # collection first: it would be such a pause right before the first poll, to free a
    # little start-up garbage. Here and not in Application: tests run many bots in one
    # process.
    gc.freeze()
    await app.serve()
