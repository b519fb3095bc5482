"""How the bot serving a database is doing. The bot keeps counts in memory (`Vitals`) and
writes them to the one-row `heartbeat` table every few seconds; `report` reads that row plus
the database's own figures, so `ludice status` in another shell and /status in Telegram see
the same thing."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections import deque
from collections.abc import Callable
from typing import Any

from ludice import backups, instance
from ludice.settings import load

STALE_AFTER = 60  # seconds without a heartbeat before a bot counts as unresponsive
_WINDOW = 60  # minutes counted in "the last hour"


class Vitals(logging.Handler):
    """Updates handled and errors logged over the last hour, in one-minute buckets. It is a
    logging handler so that every ERROR line any part of the bot writes is counted, not only
    the failures one place knows about."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(level=logging.ERROR)
        self.clock = clock
        self._updates: deque[list[int]] = deque()
        self._errors: deque[list[int]] = deque()
        self.last_update_id: int | None = None
        self.last_update_at: int | None = None

    def update(self, update_id: int) -> None:
        self.last_update_id, self.last_update_at = update_id, int(self.clock())
        self._count(self._updates)

    def emit(self, record: logging.LogRecord) -> None:
        self._count(self._errors)

    def last_hour(self) -> tuple[int, int]:
        """(updates, errors) over the last hour."""
        return self._total(self._updates), self._total(self._errors)

    def _count(self, buckets: deque[list[int]]) -> None:
        minute = int(self.clock()) // 60
        if buckets and buckets[-1][0] == minute:
            buckets[-1][1] += 1
        else:
            buckets.append([minute, 1])
        self._trim(buckets, minute)

    def _total(self, buckets: deque[list[int]]) -> int:
        self._trim(buckets, int(self.clock()) // 60)
        return sum(count for _, count in buckets)

    @staticmethod
    def _trim(buckets: deque[list[int]], minute: int) -> None:
        while buckets and buckets[0][0] <= minute - _WINDOW:
            buckets.popleft()


# -- the heartbeat row ------------------------------------------------------------------------

def started(conn: sqlite3.Connection, holder: instance.Holder, now: int) -> None:
    conn.execute(
        "INSERT INTO heartbeat (id, pid, version, api_url, started_at, beat_at)"
        " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid,"
        " version = excluded.version, api_url = excluded.api_url,"
        " started_at = excluded.started_at, beat_at = excluded.beat_at, stopped_at = NULL,"
        " updates_hour = 0, errors_hour = 0",
        (holder.pid, holder.version, holder.api_url, int(holder.started_at), now))


def beat(conn: sqlite3.Connection, vitals: Vitals, now: int) -> None:
    updates, errors = vitals.last_hour()
    conn.execute(
        "UPDATE heartbeat SET beat_at = ?, updates_hour = ?, errors_hour = ?,"
        " last_update_id = coalesce(?, last_update_id),"
        " last_update_at = coalesce(?, last_update_at) WHERE id = 1",
        (now, updates, errors, vitals.last_update_id, vitals.last_update_at))


def stopped(conn: sqlite3.Connection, vitals: Vitals, now: int) -> None:
    beat(conn, vitals, now)
    conn.execute("UPDATE heartbeat SET stopped_at = ? WHERE id = 1", (now,))


def audited(conn: sqlite3.Connection, problems: list[str], now: int) -> None:
    conn.execute("UPDATE heartbeat SET audit_at = ?, audit_problems = ?, audit_first = ?"
                 " WHERE id = 1", (now, len(problems), problems[0] if problems else None))


def backed_up(conn: sqlite3.Connection, error: str | None) -> None:
    conn.execute("UPDATE heartbeat SET backup_error = ? WHERE id = 1", (error,))


# -- the report -------------------------------------------------------------------------------

def _age(now: int, then: int | None) -> int | None:
    return None if then is None else max(0, now - then)


def report(conn: sqlite3.Connection, db_path: str | os.PathLike[str], now: int
           ) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM heartbeat WHERE id = 1").fetchone()
    holder = instance.holder(db_path)
    running = holder is not None and holder.purpose == "bot"
    beat_at = row["beat_at"] if row else None
    started_at = (int(holder.started_at) if running and holder.started_at
                  else row["started_at"] if row else None)
    outbox = conn.execute("SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL"
                          ).fetchone()
    lobbies = dict(conn.execute("SELECT status, count(*) FROM lobbies"
                                " WHERE status IN ('open', 'rolling') GROUP BY status"))
    newest = backups.listing(backups.folder(db_path, load(conn)))
    figures: dict[str, Any] = {
        "running": running,
        "pid": holder.pid if running else (row["pid"] if row else None),
        "version": holder.version if running else (row["version"] if row else None),
        "api_server": (holder.api_url if running else row["api_url"] if row else None)
        or "https://api.telegram.org",
        "started_at": started_at,
        "uptime_seconds": _age(now, started_at) if running else None,
        "heartbeat_at": beat_at,
        "heartbeat_age_seconds": _age(now, beat_at),
        "last_update_id": row["last_update_id"] if row else None,
        "last_update_at": row["last_update_at"] if row else None,
        "updates_last_hour": row["updates_hour"] if row else 0,
        "errors_last_hour": row["errors_hour"] if row else 0,
        "outbox_waiting": outbox[0],
        "outbox_oldest_age_seconds": _age(now, outbox[1]),
        "refunds_pending": conn.execute(
            "SELECT count(*) FROM payments WHERE status = 'refund_pending'").fetchone()[0],
        "lobbies_open": lobbies.get("open", 0),
        "lobbies_rolling": lobbies.get("rolling", 0),
        "last_backup": str(newest[0].path) if newest else None,
        "last_backup_at": newest[0].taken_at if newest else None,
        "last_backup_age_seconds": _age(now, newest[0].taken_at) if newest else None,
        "backup_error": row["backup_error"] if row else None,
        "audit_at": row["audit_at"] if row else None,
        "audit_problems": row["audit_problems"] if row else None,
        "audit_first_problem": row["audit_first"] if row else None,
    }
    figures["problems"] = _problems(figures, row, now)
    figures["ok"] = not figures["problems"]
    return figures


def _problems(figures: dict[str, Any], row: sqlite3.Row | None, now: int) -> list[str]:
    problems = []
    age = figures["heartbeat_age_seconds"]
    if not figures["running"]:
        problems.append("no bot is running on this database")
    elif row is None or row["stopped_at"] is not None or age is None or age > STALE_AFTER:
        problems.append(f"the bot (pid {figures['pid']}) has written no heartbeat for "
                        f"{age if age is not None else '?'} s")
    if figures["audit_problems"]:
        problems.append(f"the last ledger audit found {figures['audit_problems']} problem(s): "
                        f"{figures['audit_first_problem']}")
    return problems
