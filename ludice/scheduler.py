"""APScheduler wiring. The database row (`expires_at`) is the truth; the scheduler only
triggers. One expiry timer, whatever the number of open lobbies: a date job armed at the
earliest `expires_at` (read from the database at start-up, with no misfire grace, so a lobby
that came due while the bot was down expires at once instead of being dropped); when it
fires it expires every lobby that is due, earliest first, and arms itself for the next one.
A lobby that fills or closes early leaves the timer where it is (no read per duel to find
the next one): it may fire early, finds nothing due, and aims at the earliest open lobby.
A periodic sweep catches anything the timer would have missed; through `resume` it also
restarts a duel whose runner stopped on an error, so no stake waits in escrow for the next
restart; it forgets the update ids recorded more than a day ago (ludice.redelivery), prunes
the sent outbox messages older than `outbox_retention_days` (ludice.outbox) and leaves the
reality checks that came due in the outbox (ludice.sessions). The throw-your-own
rounds of group challenges close the same way: a date job at the end of the window
(`turn_ends_at` in the database is the truth), rebuilt at start-up and backed by the sweep.
Right after start-up no round closes for `startup_grace` seconds: dice thrown in time while
the bot was down are still waiting in Telegram's queue, and polling must read them before
their round is judged. No aiogram here: `notify` is whatever the caller wants to run after
lobbies were refunded (the bot sends the outbox). Every few seconds a tick writes the
heartbeat (through `beat`) and brings the periodic jobs in step with the settings, so
`ludice settings set` takes effect while the bot runs; once a minute a backup is taken when
one is due, on a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ludice import (
    backups,
    challenges,
    games,
    ledger,
    outbox,
    redelivery,
    refunds,
    sessions,
    status,
    throws,
)
from ludice.db import Store
from ludice.errors import LudiceError
from ludice.settings import Settings, load

log = logging.getLogger(__name__)
EXPIRY_JOB = "expiry"
BACKUP_RETRY_SECONDS = 3600  # after a failed backup; a full disk need not be hit every minute


def _intervals(current: Settings) -> dict[str, int]:
    """Periodic jobs whose interval is a setting: job id -> seconds."""
    return {"sweep": current.sweep_interval_seconds,
            "reconcile": current.reconcile_interval_seconds}


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


def _prune_outbox(conn: sqlite3.Connection, now: int) -> int:
    return outbox.prune(conn, now=now, keep_days=load(conn).outbox_retention_days)


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
                 startup_grace: float = 10.0, db_path: Path | None = None,
                 beat: Callable[[], Awaitable[None]] | None = None,
                 heartbeat_seconds: float = 5.0) -> None:
        self.store = store
        self.db_path = db_path  # backups are taken only when the database file is known
        self.beat = beat  # writes the heartbeat row
        self.heartbeat_seconds = heartbeat_seconds
        self.backup_failed_at: int | None = None
        self.startup_grace = startup_grace
        self.turns_from = 0.0  # no throw-your-own round closes before this time
        self.clock = clock
        self.notify = notify
        self.resume = resume  # restarts duels left rolling with nobody running them
        self.reconcile = reconcile  # payments against Telegram's star transactions
        self.audit_interval = audit_interval
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.expiry_at: tuple[int, int] | None = None  # (expires_at, lobby) the timer is for
        self._arming = asyncio.Lock()

    async def start(self) -> tuple[int, int] | None:
        """Start the scheduler; returns what the expiry timer is armed for."""
        self.turns_from = self.clock() + self.startup_grace
        self.scheduler.start()
        await self.rearm_expiry()
        for lobby_id, ends_at in await self.store.read(throws.rolling_turns):
            self._schedule_turn(lobby_id, ends_at)
        intervals = _intervals(await self.store.read(load))
        periodic: list[tuple[str, Callable[[], Awaitable[object]] | None, float]] = [
            ("sweep", self.sweep, intervals["sweep"]),
            ("audit", self.audit, self.audit_interval),
            ("reconcile", self.reconcile, intervals["reconcile"]),
            ("tick", self.tick, self.heartbeat_seconds),
            ("backup", self.backup_if_due if self.db_path else None, 60),
        ]
        for job_id, job, seconds in periodic:
            if job is not None:
                self.scheduler.add_job(job, "interval", id=job_id, seconds=seconds,
                                       misfire_grace_time=None, coalesce=True, max_instances=1)
        return self.expiry_at

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def schedule_expiry(self, lobby_id: int, expires_at: int) -> None:
        """A lobby opened: the timer moves only if this one expires before its target. So
        the timer is never later than the earliest open lobby (lobbies that closed since
        only make it early), which is all that expiring on time needs."""
        if self.expiry_at is None or (expires_at, lobby_id) < self.expiry_at:
            self._arm((expires_at, lobby_id))

    def _arm(self, target: tuple[int, int] | None) -> None:
        self.expiry_at = target
        if target is None:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(EXPIRY_JOB)
            return
        self.scheduler.add_job(self.expire_due, "date", id=EXPIRY_JOB,
                               run_date=datetime.fromtimestamp(target[0], UTC),
                               replace_existing=True, misfire_grace_time=None)

    async def rearm_expiry(self) -> None:
        """Aim the timer at the earliest open lobby in the database."""
        async with self._arming:
            before = self.expiry_at
            self._arm(self._sooner(await self.store.read(refunds.next_expiry), before))

    def _sooner(self, earliest: tuple[int, int] | None, before: tuple[int, int] | None
                ) -> tuple[int, int] | None:
        """`earliest`, read from the database while the timer was aimed at `before`, unless
        a lobby armed for while it was read (schedule_expiry) comes first."""
        if self.expiry_at != before and self.expiry_at is not None:
            return min(self.expiry_at, earliest) if earliest else self.expiry_at
        return earliest

    async def expire_due(self) -> int:
        """The timer fired: expire every lobby that is due, then aim at the next. Aimed at
        a lobby that closed before its time, it finds nothing due in one read, writes
        nothing and aims at the earliest open lobby."""
        async with self._arming:
            before = self.expiry_at
            earliest = await self.store.read(refunds.next_expiry)
            now = int(self.clock())
            if earliest is None or earliest[0] > now:
                self._arm(self._sooner(earliest, before))
                return 0
        expired = await self.store.write(refunds.expire_due, now=now)
        if expired:
            log.info("%d lobbies expired and were refunded", len(expired),
                     extra={"lobbies": [lobby.id for lobby in expired]})
            self.notify()
        await self.rearm_expiry()
        return len(expired)

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
        if await self.store.write(sessions.send_due_checks, now=int(self.clock())):
            self.notify()  # reality checks wait in the outbox
        if self.resume is not None:
            await self.resume()
        await self.store.write(redelivery.prune, now=int(self.clock()))
        await self.store.write(_prune_outbox, int(self.clock()))
        return len(expired)

    async def audit(self) -> list[str]:
        problems = await self.store.report(ledger.audit)
        for problem in problems:
            log.error("ledger audit: %s", problem)
        await self.store.write(status.audited, problems, int(self.clock()))
        return problems

    async def tick(self) -> None:
        if self.beat is not None:
            await self.beat()
        await self.follow_settings()

    async def follow_settings(self) -> None:
        for job_id, seconds in _intervals(await self.store.read(load)).items():
            job = self.scheduler.get_job(job_id)
            if job is not None and job.trigger.interval.total_seconds() != seconds:
                self.scheduler.reschedule_job(job_id, trigger="interval", seconds=seconds)
                log.info("%s now runs every %d s", job_id, seconds,
                         extra={"job": job_id, "seconds": seconds})

    async def backup_if_due(self) -> backups.Backup | None:
        """Take a backup when the newest is older than the interval. VACUUM INTO runs on a
        worker thread with its own connection (sqlite3 lets go of the GIL while it works), so
        the writer and the event loop carry on."""
        assert self.db_path is not None
        current = await self.store.read(load)
        where, now = backups.folder(self.db_path, current), int(self.clock())
        if self.backup_failed_at is not None and now - self.backup_failed_at < min(
                BACKUP_RETRY_SECONDS, current.backup_interval_hours * 3600):
            return None
        if not await asyncio.to_thread(backups.due, where, current, now):
            return None
        started = time.monotonic()
        try:
            taken = await asyncio.to_thread(backups.take, self.db_path, where, now,
                                            current.backup_keep)
        except LudiceError as exc:
            self.backup_failed_at = now
            log.error("backup failed: %s", exc, extra={"backup_dir": str(where)})
            await self.store.write(status.backed_up, str(exc))
            return None
        self.backup_failed_at = None
        seconds = time.monotonic() - started
        log.info("backup written to %s in %.1f s", taken.path, seconds,
                 extra={"backup": str(taken.path), "seconds": round(seconds, 3)})
        await self.store.write(status.backed_up, None)
        return taken
