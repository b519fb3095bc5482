"""APScheduler wiring. The database row (`expires_at`) is the truth; the scheduler only
triggers. Expiry jobs are rebuilt from the database at start-up with no misfire grace (a job
that came due while the bot was down runs at once instead of being dropped), and a periodic
sweep catches anything a lost job would have missed; through `resume` it also restarts a duel
whose runner stopped on an error, so no stake waits in escrow for the next restart, and it
forgets the update ids recorded more than a day ago (ludice.redelivery). The throw-your-own
rounds of group challenges close the same way: a date job at the end of the window
(`turn_ends_at` in the database is the truth), rebuilt at start-up and backed by the sweep.
Right after start-up no round closes for `startup_grace` seconds: dice thrown in time while
the bot was down are still waiting in Telegram's queue, and polling must read them before
their round is judged. No aiogram here: `notify` is whatever the caller wants to run after
lobbies were refunded (the bot sends the outbox)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ludice import challenges, games, ledger, redelivery, refunds, throws
from ludice.db import Store
from ludice.settings import load

log = logging.getLogger(__name__)


def _sweep_interval(conn: sqlite3.Connection) -> int:
    return load(conn).sweep_interval_seconds


def _reconcile_interval(conn: sqlite3.Connection) -> int:
    return load(conn).reconcile_interval_seconds


def _close_turn(conn: sqlite3.Connection, lobby_id: int, now: int) -> games.Advance | None:
    return throws.close_turn(conn, lobby_id, settings=load(conn), now=now)


def _close_due_turns(conn: sqlite3.Connection, now: int) -> list[int]:
    """Close every throw-your-own round that is due; returns the lobbies that moved on."""
    settings = load(conn)
    moved = []
    for lobby_id in throws.due_turns(conn, now=now, settle_after=settings.reveal_delay_seconds):
        extra = challenges.get(conn, lobby_id)
        forfeit = extra.turn_ends_at is not None and extra.turn_ends_at <= now
        if challenges.advance(conn, lobby_id, settings=settings, now=now, forfeit=forfeit):
            moved.append(lobby_id)
    return moved


def _turn_end(conn: sqlite3.Connection, lobby_id: int) -> int | None:
    lobby, extra = games.get_lobby(conn, lobby_id), challenges.get(conn, lobby_id)
    if lobby is None or extra is None or lobby.status != "rolling" or not extra.throw_mode:
        return None
    return extra.turn_ends_at


class Jobs:
    def __init__(self, store: Store, clock: Callable[[], float], notify: Callable[[], None],
                 audit_interval: int = 3600,
                 resume: Callable[[], Awaitable[int]] | None = None,
                 reconcile: Callable[[], Awaitable[None]] | None = None,
                 startup_grace: float = 10.0) -> None:
        self.store = store
        self.startup_grace = startup_grace
        self.turns_from = 0.0  # no throw-your-own round closes before this time
        self.clock = clock
        self.notify = notify
        self.resume = resume  # restarts duels left rolling with nobody running them
        self.reconcile = reconcile  # payments against Telegram's star transactions
        self.audit_interval = audit_interval
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    async def start(self) -> int:
        self.turns_from = self.clock() + self.startup_grace
        self.scheduler.start()
        open_now = await self.store.read(games.open_lobbies)
        for lobby in open_now:
            self.schedule_expiry(lobby.id, lobby.expires_at)
        for lobby_id, ends_at in await self.store.read(throws.rolling_turns):
            self._schedule_turn(lobby_id, ends_at)
        self.scheduler.add_job(self.sweep, "interval", id="sweep",
                               seconds=await self.store.read(_sweep_interval),
                               misfire_grace_time=None, coalesce=True, max_instances=1)
        self.scheduler.add_job(self.audit, "interval", id="audit", seconds=self.audit_interval,
                               misfire_grace_time=None, coalesce=True, max_instances=1)
        if self.reconcile is not None:
            self.scheduler.add_job(self.reconcile, "interval", id="reconcile",
                                   seconds=await self.store.read(_reconcile_interval),
                                   misfire_grace_time=None, coalesce=True, max_instances=1)
        return len(open_now)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def schedule_expiry(self, lobby_id: int, expires_at: int) -> None:
        self.scheduler.add_job(
            self.expire, "date", args=[lobby_id], id=f"expire-{lobby_id}",
            run_date=datetime.fromtimestamp(expires_at, UTC), replace_existing=True,
            misfire_grace_time=None,
        )

    def forget(self, lobby_id: int) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(f"expire-{lobby_id}")

    def _schedule_turn(self, lobby_id: int, ends_at: int) -> None:
        self.scheduler.add_job(
            self.close_turn, "date", args=[lobby_id], id=f"turn-{lobby_id}",
            run_date=datetime.fromtimestamp(max(ends_at, self.turns_from), UTC),
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def track_turn(self, lobby_id: int) -> None:
        """Keep the round-closing job of a throw-your-own lobby in step with the database:
        scheduled for the current window, gone once the lobby stopped rolling."""
        ends_at = await self.store.read(_turn_end, lobby_id)
        if ends_at is None:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(f"turn-{lobby_id}")
        else:
            self._schedule_turn(lobby_id, ends_at)

    async def close_turn(self, lobby_id: int) -> None:
        if self.clock() < self.turns_from:  # dice from before the start may be unread yet
            await self.track_turn(lobby_id)
            return
        if await self.store.write(_close_turn, lobby_id, int(self.clock())) is not None:
            self.notify()
        await self.track_turn(lobby_id)

    async def expire(self, lobby_id: int) -> None:
        if await self.store.write(refunds.expire, lobby_id, now=int(self.clock())) is not None:
            log.info("lobby %s expired and was refunded", lobby_id)
            self.notify()

    async def sweep(self) -> int:
        expired = await self.store.write(refunds.expire_due, now=int(self.clock()))
        if expired:
            log.info("sweep refunded %d expired lobbies", len(expired))
            self.notify()
        moved = ([] if self.clock() < self.turns_from
                 else await self.store.write(_close_due_turns, int(self.clock())))
        for lobby_id in moved:
            await self.track_turn(lobby_id)
        if moved:
            log.info("sweep closed %d throw-your-own rounds", len(moved))
            self.notify()
        if self.resume is not None:
            await self.resume()
        await self.store.write(redelivery.prune, now=int(self.clock()))
        return len(expired)

    async def audit(self) -> list[str]:
        problems = await self.store.read(ledger.audit)
        for problem in problems:
            log.error("ledger audit: %s", problem)
        return problems
