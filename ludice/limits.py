"""Limits a player sets on their own play: stake and loss limits per rolling day, week and
month, reality checks, time-outs and self-exclusion (the arithmetic: ludice.windows; the
sessions that reality checks time: ludice.sessions).

Every stake passes `admit` inside the write transaction that takes it (ludice.games.take_seat),
so no race lets a bet through. What counts is the ledger itself: a player's lobby money in the
window, from transfers of the kinds every lobby uses, whoever pays (escrow or the house).
A time-out or exclusion ends early only through `unexclude`, the operator's, with a reason.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from ludice import sessions, windows
from ludice.errors import LudiceError, Refused
from ludice.windows import DAY, Limit, Movement

STAKE_KINDS = "kind = 'stake'"  # the same text as the partial indexes' WHERE (step 8)
RETURN_KINDS = "kind IN ('payout', 'refund')"
REFUNDS_ONLY = " AND kind = 'refund'"


class LimitRefused(Refused):
    """A stake a limit or an exclusion refuses; `reason` names a catalog text."""


@dataclass(frozen=True)
class Exclusion:
    kind: str  # 'timeout' or 'exclusion'
    started_at: int
    ends_at: int

    @property
    def until(self) -> str:
        return stamp(self.ends_at)


def stamp(at: int) -> str:
    """A moment as every language's texts show it."""
    return datetime.fromtimestamp(at, UTC).strftime("%d.%m.%Y %H:%M UTC")


def _log(conn: sqlite3.Connection, user_id: int, item: str, value: int | None,
         effective_at: int, now: int, actor: str = "player", reason: str | None = None) -> None:
    conn.execute(
        "INSERT INTO limit_log (user_id, created_at, item, value, effective_at, actor, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", (user_id, now, item, value, effective_at, actor, reason))


# -- stake and loss limits, reality checks -----------------------------------------------------

def stored(conn: sqlite3.Connection, user_id: int) -> dict[str, Limit]:
    """The player's rows, by item (`reminder` too); an item without a row has no limit."""
    return {item: Limit(value, pending_value, pending_at) for item, value, pending_value,
            pending_at in conn.execute(
                "SELECT item, value, pending_value, pending_at FROM player_limits"
                " WHERE user_id = ?", (user_id,))}


def set_limit(conn: sqlite3.Connection, user_id: int, item: str, value: int | None, now: int,
              *, actor: str = "player") -> Limit:
    """Ask for a stake or loss limit (None: remove it). Stricter applies now, looser in 24 h."""
    if item not in windows.ITEMS:
        raise LudiceError(f"unknown limit {item!r}; known: {', '.join(windows.ITEMS)}")
    if value is not None:
        windows.check_amount(value)
    after = windows.change(stored(conn, user_id).get(item, Limit()), value, now)
    conn.execute(
        "INSERT INTO player_limits (user_id, item, value, pending_value, pending_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, item) DO UPDATE SET"
        " value = excluded.value, pending_value = excluded.pending_value,"
        " pending_at = excluded.pending_at, updated_at = excluded.updated_at",
        (user_id, item, after.value, after.pending_value, after.pending_at, now))
    _log(conn, user_id, item, value, after.pending_at or now, now, actor)
    return after


def apply_default(conn: sqlite3.Connection, user_id: int, daily_loss: int, now: int) -> None:
    """A new player starts with the operator's default daily loss limit (0: none)."""
    if daily_loss > 0:
        set_limit(conn, user_id, "loss_day", daily_loss, now, actor="default")


def set_reminder(conn: sqlite3.Connection, user_id: int, minutes: int, now: int) -> None:
    """Reality checks every `minutes` of play (0: off). A reminder only adds friction, so
    any change applies at once."""
    if minutes and minutes not in windows.REMINDER_MINUTES:
        raise LudiceError(f"a reality check comes every {windows.REMINDER_MINUTES} minutes")
    conn.execute(
        "INSERT INTO player_limits (user_id, item, value, updated_at) VALUES (?, 'reminder', ?, ?)"
        " ON CONFLICT (user_id, item) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at", (user_id, minutes or None, now))
    _log(conn, user_id, "reminder", minutes or None, now, now)
    sessions.follow_reminder(conn, user_id, minutes, now)


def movements(conn: sqlite3.Connection, user_id: int, since: int
              ) -> tuple[list[Movement], list[Movement]]:
    """The player's lobby money after `since`: (stakes net of refunds, losses net of
    payouts), each a list of (at, amount) with what counts toward the limit positive."""
    rows = conn.execute(
        f"SELECT 'stake', created_at, amount FROM transfers WHERE debit_id = ?1"
        f" AND {STAKE_KINDS} AND created_at > ?2"
        f" UNION ALL SELECT kind, created_at, -amount FROM transfers WHERE credit_id = ?1"
        f" AND {RETURN_KINDS} AND created_at > ?2", (user_id, since)).fetchall()
    staked = [(at, amount) for kind, at, amount in rows if kind in ("stake", "refund")]
    lost = [(at, amount) for _, at, amount in rows]
    return staked, lost


def in_force(limits: dict[str, Limit], now: int) -> dict[str, int]:
    """The stake and loss limits that apply now, by item."""
    found = {item: limits[item].in_force(now) for item in windows.ITEMS if item in limits}
    return {item: value for item, value in found.items() if value is not None}


def _sums(only: str = "") -> str:
    """One sum of `amount` per window; the window starts are parameters 2, 3, 4."""
    return ", ".join(f"coalesce(sum(CASE WHEN created_at > ?{i + 2}{only} THEN amount END), 0)"
                     for i in range(len(windows.WINDOWS)))


def usage(conn: sqlite3.Connection, user_id: int, items: dict[str, int], now: int
          ) -> dict[str, int]:
    """How much of each limit in `items` the window holds now: windows.used, summed by
    SQLite over the covering indexes (a busy player's month is thousands of rows, and this
    runs at every stake, inside the write transaction)."""
    if not items:
        return {}
    starts = [now - seconds for seconds in windows.WINDOWS.values()]
    args = (user_id, *starts, now - windows.LONGEST, now)
    stakes = conn.execute(
        f"SELECT {_sums()} FROM transfers WHERE debit_id = ?1 AND {STAKE_KINDS}"
        " AND created_at > ?5 AND created_at <= ?6", args).fetchone()
    returns = conn.execute(
        f"SELECT {_sums()}, {_sums(REFUNDS_ONLY)} FROM transfers WHERE credit_id = ?1"
        f" AND {RETURN_KINDS} AND created_at > ?5 AND created_at <= ?6", args).fetchone()
    held = {}
    for i, window in enumerate(windows.WINDOWS):
        refunded = returns[len(windows.WINDOWS) + i]
        held[f"stake_{window}"] = max(0, stakes[i] - refunded)
        held[f"loss_{window}"] = stakes[i] - returns[i]
    return {item: held[item] for item in items}


@dataclass(frozen=True)
class Standing:
    """One stake or loss limit as the player sees it now."""
    item: str
    limit: int | None  # in force now
    used: int
    waiting: Limit | None  # a looser value not in force yet


@dataclass(frozen=True)
class Overview:
    limits: list[Standing]
    reminder: int  # minutes between reality checks; 0: off
    exclusion: Exclusion | None


def overview(conn: sqlite3.Connection, user_id: int, now: int) -> Overview:
    limits = stored(conn, user_id)
    active = in_force(limits, now)
    held = usage(conn, user_id, active, now)
    rows = [Standing(item, active.get(item), held.get(item, 0),
                     limits[item] if item in limits and limits[item].waiting(now) else None)
            for item in windows.ITEMS]
    minutes = limits["reminder"].value if "reminder" in limits else None
    return Overview(rows, minutes or 0, exclusion(conn, user_id, now))


def check(conn: sqlite3.Connection, user_id: int, bet: int, now: int) -> dict[str, Limit]:
    """Refuse a bet a time-out, an exclusion or a limit forbids; returns the player's
    limits. A bet of 0 (a friendly duel) passes every limit, not an exclusion."""
    refuse_if_excluded(conn, user_id, now)
    limits = stored(conn, user_id)
    active = in_force(limits, now)
    if bet <= 0 or not active:
        return limits
    held = usage(conn, user_id, active, now)
    for item, limit in active.items():
        if bet > limit:
            raise LimitRefused(f"above_{item}", limit=limit)
        if held[item] + bet > limit:
            # Refused: now the movements themselves, to tell when the bet fits.
            staked, lost = movements(conn, user_id, now - windows.LONGEST)
            ready = windows.fits_at(staked if item.startswith("stake") else lost,
                                    windows.window_of(item), limit, bet, now,
                                    windows.floor_of(item))
            raise LimitRefused(f"over_{item}", limit=limit, left=max(0, limit - held[item]),
                               resets=stamp(ready))
    return limits


def admit(conn: sqlite3.Connection, user_id: int, bet: int, now: int) -> None:
    """`check` for a seat being taken now, which also counts as play for reality checks."""
    limits = check(conn, user_id, bet, now)
    minutes = limits["reminder"].value if "reminder" in limits else None
    if minutes:
        sessions.note_play(conn, user_id, minutes, now)


# -- time-outs and self-exclusion ---------------------------------------------------------------

def exclusion(conn: sqlite3.Connection, user_id: int, now: int) -> Exclusion | None:
    """The time-out or exclusion in force (the one ending last), if any."""
    row = conn.execute(
        "SELECT kind, started_at, ends_at FROM exclusions WHERE user_id = ? AND ends_at > ?"
        " AND lifted_at IS NULL ORDER BY ends_at DESC LIMIT 1", (user_id, now)).fetchone()
    return Exclusion(*row) if row else None


def refuse_if_excluded(conn: sqlite3.Connection, user_id: int, now: int) -> None:
    current = exclusion(conn, user_id, now)
    if current is not None:
        raise LimitRefused(f"{current.kind}_active", until=current.until)


def exclude(conn: sqlite3.Connection, user_id: int, kind: str, days: int, now: int
            ) -> Exclusion:
    """Start a time-out or a self-exclusion of one of the offered lengths. One already in
    force is never shortened: the later end holds."""
    offered = windows.TIMEOUT_DAYS if kind == "timeout" else windows.EXCLUSION_DAYS
    if kind not in ("timeout", "exclusion") or days not in offered:
        raise LudiceError(f"a {kind} lasts one of {offered} days")
    ends_at = now + days * DAY
    conn.execute("INSERT INTO exclusions (user_id, kind, started_at, ends_at) VALUES (?, ?, ?, ?)",
                 (user_id, kind, now, ends_at))
    _log(conn, user_id, kind, days, ends_at, now)
    sessions.end(conn, user_id)
    current = exclusion(conn, user_id, now)
    assert current is not None
    return current


def unexclude(conn: sqlite3.Connection, user_id: int, reason: str, now: int) -> int:
    """The operator ends every time-out and exclusion in force (a mistake, a legal request);
    the reason is recorded. Returns how many ended."""
    reason = reason.strip()
    if not reason:
        raise LudiceError("lifting an exclusion needs a reason")
    cur = conn.execute("UPDATE exclusions SET lifted_at = ?, lift_reason = ? WHERE user_id = ?"
                       " AND ends_at > ? AND lifted_at IS NULL", (now, reason, user_id, now))
    if cur.rowcount:
        _log(conn, user_id, "unexclude", None, now, now, "operator", reason)
    return cur.rowcount


def history(conn: sqlite3.Connection, user_id: int, limit: int = 100) -> list[dict]:
    rows = conn.execute(
        "SELECT id, created_at, item, value, effective_at, actor, reason FROM limit_log"
        " WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit))
    return [dict(zip(("id", "created_at", "item", "value", "effective_at", "actor", "reason"),
                     row, strict=True)) for row in rows]


def exclusions(conn: sqlite3.Connection, user_id: int) -> list[dict]:
    rows = conn.execute(
        "SELECT id, kind, started_at, ends_at, lifted_at, lift_reason FROM exclusions"
        " WHERE user_id = ? ORDER BY id DESC", (user_id,))
    return [dict(zip(("id", "kind", "started_at", "ends_at", "lifted_at", "lift_reason"), row,
                     strict=True)) for row in rows]
