"""Players: registration from Telegram profiles, terms, bans, lookup by id or @username."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ludice import ledger
from ludice.errors import LudiceError, UnknownUser


@dataclass(frozen=True)
class User:
    id: int
    username: str | None
    first_name: str
    language_code: str | None
    terms_accepted_at: int | None
    banned_at: int | None
    ban_reason: str | None
    created_at: int
    last_seen_at: int
    banned_by: int | None = None  # the admin who banned from Telegram; None: the CLI

    @property
    def label(self) -> str:
        return f"@{self.username}" if self.username else (self.first_name or str(self.id))


_COLUMNS = ("id, username, first_name, language_code, terms_accepted_at, banned_at, ban_reason,"
            " created_at, last_seen_at, banned_by")


def get(conn: sqlite3.Connection, user_id: int) -> User | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
    return User(*row) if row else None


def resolve(conn: sqlite3.Connection, ref: str) -> User:
    """A user from a numeric Telegram id or an @username, as admins type them."""
    text = ref.strip()
    if text.startswith("@"):
        name = text[1:]
        if not name:
            raise UnknownUser("give a user as a numeric Telegram id or @username")
        row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE lower(username) = lower(?)",
                           (name,)).fetchone()
        if row is None:
            raise UnknownUser(f"no user @{name}")
        return User(*row)
    if not (text.isascii() and text.isdigit()):
        raise UnknownUser(f"{ref!r} is neither a numeric Telegram id nor an @username")
    user_id = int(text)
    user = get(conn, user_id)
    if user is None:
        raise UnknownUser(f"no user with id {user_id}")
    return user


def upsert(
    conn: sqlite3.Connection,
    user_id: int,
    *,
    first_name: str,
    username: str | None,
    language_code: str | None,
    now: int,
) -> None:
    """Record what Telegram tells us about a user on each visit; opens the ledger account."""
    if user_id <= 0:
        raise LudiceError(f"not a Telegram user id: {user_id}")
    conn.execute(
        "INSERT INTO users (id, username, first_name, language_code, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " username = excluded.username, first_name = excluded.first_name,"
        " language_code = excluded.language_code, last_seen_at = excluded.last_seen_at",
        (user_id, username, first_name or "", language_code, now, now),
    )
    ledger.open_account(conn, user_id)


def accept_terms(conn: sqlite3.Connection, user_id: int, now: int) -> bool:
    """True the first time; a repeated accept changes nothing."""
    cur = conn.execute(
        "UPDATE users SET terms_accepted_at = ? WHERE id = ? AND terms_accepted_at IS NULL",
        (now, user_id),
    )
    return cur.rowcount == 1


def ban(conn: sqlite3.Connection, user_id: int, reason: str, now: int,
        by: int | None = None) -> bool:
    """False when already banned. `by`: the admin banning from Telegram (None: the CLI)."""
    reason = reason.strip()
    if not reason:
        raise LudiceError("a ban needs a reason")
    cur = conn.execute(
        "UPDATE users SET banned_at = ?, ban_reason = ?, banned_by = ?"
        " WHERE id = ? AND banned_at IS NULL",
        (now, reason, by, user_id),
    )
    return cur.rowcount == 1


def unban(conn: sqlite3.Connection, user_id: int) -> bool:
    cur = conn.execute(
        "UPDATE users SET banned_at = NULL, ban_reason = NULL, banned_by = NULL"
        " WHERE id = ? AND banned_at IS NOT NULL",
        (user_id,),
    )
    return cur.rowcount == 1


def card(conn: sqlite3.Connection, user: User, admins: frozenset[int]) -> dict:
    """What admins see of a player (`ludice user show`, /user); times as Unix seconds."""
    return {
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "language": user.language_code,
        "balance": ledger.balance(conn, user.id),
        "admin": user.id in admins,
        "terms_accepted": user.terms_accepted_at,
        "banned": user.banned_at,
        "ban_reason": user.ban_reason,
        "banned_by": user.banned_by,
        "created": user.created_at,
        "last_seen": user.last_seen_at,
    }


def listing(conn: sqlite3.Connection, limit: int = 100) -> list[dict]:
    rows = conn.execute(
        "SELECT u.id, u.username, u.first_name, coalesce(a.balance, 0) AS balance,"
        " u.terms_accepted_at IS NOT NULL AS accepted, u.banned_at IS NOT NULL AS banned,"
        " u.last_seen_at FROM users u LEFT JOIN accounts a ON a.id = u.id"
        " WHERE u.id > 0 ORDER BY u.last_seen_at DESC, u.id LIMIT ?",
        (limit,),
    )
    return [dict(r) for r in rows]


def register(
    conn: sqlite3.Connection,
    user_id: int,
    *,
    first_name: str,
    username: str | None,
    language_code: str | None,
    welcome_bonus: int,
    now: int,
) -> tuple[bool, int]:
    """Accept the terms: record the user and, the first time only, grant the welcome bonus
    from the `bonus` account. Returns (first acceptance, bonus granted)."""
    upsert(conn, user_id, first_name=first_name, username=username,
           language_code=language_code, now=now)
    if not accept_terms(conn, user_id, now):
        return False, 0
    if welcome_bonus > 0:
        ledger.transfer(conn, debit=ledger.BONUS, credit=user_id, amount=welcome_bonus,
                        kind="welcome", key=f"welcome:{user_id}", now=now)
    return True, welcome_bonus


DAY = 86_400


class BonusNotDue(LudiceError):
    def __init__(self, next_at: int) -> None:
        super().__init__(f"the next daily bonus is due at {next_at}")
        self.next_at = next_at


def claim_daily(conn: sqlite3.Connection, user_id: int, amount: int, now: int) -> int:
    """Grant the daily bonus once per rolling 24 hours; returns the new balance."""
    if amount <= 0:
        raise LudiceError("the daily bonus is off")
    last = conn.execute(
        "SELECT max(created_at) FROM transfers WHERE credit_id = ? AND kind = 'daily'",
        (user_id,),
    ).fetchone()[0]
    if last is not None and now < last + DAY:
        raise BonusNotDue(last + DAY)
    ledger.transfer(conn, debit=ledger.BONUS, credit=user_id, amount=amount, kind="daily",
                    key=f"daily:{user_id}:{now}", now=now)
    return ledger.balance(conn, user_id)


def refresh(conn: sqlite3.Connection, user_id: int, *, first_name: str, username: str | None,
            language_code: str | None, now: int) -> None:
    """Keep a registered player's name and language as Telegram shows them now (people rename
    themselves); called inside their game actions' own unit of work. Someone not registered
    stays unrecorded: only accepting the terms registers a person."""
    conn.execute(
        "UPDATE users SET first_name = ?, username = ?, language_code = ?, last_seen_at = ?"
        " WHERE id = ?", (first_name or "", username, language_code, now, user_id))
