"""Accounts and transfers: the only code that changes a balance.

Double-entry: every credit that enters, moves or leaves is one immutable transfer row, and a
trigger moves both balances in the same statement that inserts it (see migrations.sql). User
balances can never go below zero; source accounts (stars, bonus, adjust) go negative as they
issue, so all balances always sum to zero."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from ludice import snapshots
from ludice.errors import IdempotencyConflict, InsufficientFunds, LudiceError

HOUSE = -1
ESCROW = -2
STARS = -3
BONUS = -4
ADJUST = -5
SYSTEM_ACCOUNTS = {"house": HOUSE, "escrow": ESCROW, "stars": STARS, "bonus": BONUS,
                   "adjust": ADJUST}


@dataclass(frozen=True)
class Transfer:
    id: int
    debit_id: int
    credit_id: int
    amount: int
    kind: str
    reference: str
    idem_key: str
    created_at: int
    replayed: bool = False  # True when the key was seen before and nothing changed


_COLUMNS = "id, debit_id, credit_id, amount, kind, reference, idem_key, created_at"


def _row_to_transfer(row: sqlite3.Row | tuple, replayed: bool = False) -> Transfer:
    return Transfer(*tuple(row), replayed=replayed)


def open_account(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute(
        "INSERT INTO accounts (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
        (user_id, f"user:{user_id}"),
    )


def balance(conn: sqlite3.Connection, account_id: int) -> int:
    row = conn.execute("SELECT balance FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return row[0] if row else 0


def transfer(
    conn: sqlite3.Connection,
    *,
    debit: int,
    credit: int,
    amount: int,
    kind: str,
    key: str,
    now: int,
    reference: str = "",
) -> Transfer:
    """Move `amount` from `debit` to `credit`. A key seen before returns the first transfer
    unchanged (replayed=True); the same key with different terms is a bug and raises."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise LudiceError(f"a transfer amount must be a positive whole number, not {amount!r}")
    if debit == credit:
        raise LudiceError("a transfer needs two different accounts")
    try:
        row = conn.execute(
            f"INSERT INTO transfers (debit_id, credit_id, amount, kind, reference, idem_key,"
            f" created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (idem_key) DO NOTHING RETURNING {_COLUMNS}",
            (debit, credit, amount, kind, reference, key, now),
        ).fetchone()
    except sqlite3.IntegrityError as exc:
        message = str(exc)
        if "CHECK constraint failed" in message and "balance" in message:
            raise InsufficientFunds(
                f"account {debit} holds {balance(conn, debit)}, cannot pay {amount}"
            ) from exc
        if "FOREIGN KEY" in message:
            raise LudiceError(f"no account {debit} or {credit}") from exc
        raise
    if row is not None:
        return _row_to_transfer(row)
    first = conn.execute(f"SELECT {_COLUMNS} FROM transfers WHERE idem_key = ?",
                         (key,)).fetchone()
    if (first["debit_id"], first["credit_id"], first["amount"], first["kind"]) != (
        debit, credit, amount, kind
    ):
        raise IdempotencyConflict(f"key {key!r} was already used for a different transfer")
    return _row_to_transfer(first, replayed=True)


def history(
    conn: sqlite3.Connection, account_id: int | None = None, limit: int = 20
) -> list[Transfer]:
    if account_id is None:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM transfers ORDER BY id DESC LIMIT ?", (limit,)
        )
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM transfers WHERE debit_id = ?1"
            f" UNION ALL SELECT {_COLUMNS} FROM transfers WHERE credit_id = ?1"
            f" ORDER BY id DESC LIMIT ?2",
            (account_id, limit),
        )
    return [_row_to_transfer(r) for r in rows]


def account_names(conn: sqlite3.Connection) -> dict[int, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, name FROM accounts")}


@contextlib.contextmanager
def one_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Run several reads on one snapshot of the database: a read transaction, so a writer
    committing in between (the bot, the CLI) can't make two queries see different moments.
    Inside the caller's own transaction that transaction is the snapshot already."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")  # deferred: the snapshot is taken by the first read
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing was written: this only ends the snapshot


def audit(conn: sqlite3.Connection, *, parallel: bool = False) -> list[str]:
    """Every violated ledger invariant, in words; an empty list means the books balance.
    All invariants are checked on one snapshot: checked one query at a time beside a busy
    writer, escrow and the stakes in play were read at different moments and disagreed.

    `parallel`: the lobby and payment checks run on a thread of their own, on a second
    connection reading the same snapshot (ludice.snapshots), beside the account checks: at
    1M transfers ~40 % of the time, ~0.4 s of CPU either way. For `ludice audit`, a process of
    its own; the bot's periodic audit stays on one CPU so play keeps the other."""
    if parallel:
        with snapshots.twin(conn) as other:
            if other is not None:
                return _in_parallel(conn, other)
    with one_snapshot(conn):
        return _account_problems(conn) + _lobby_problems(conn)


def _in_parallel(conn: sqlite3.Connection, other: sqlite3.Connection) -> list[str]:
    found: list[list[str] | BaseException] = []

    def lobby_side() -> None:
        try:
            found.append(_lobby_problems(other))
        except BaseException as exc:  # re-raised on the caller's thread below
            found.append(exc)

    thread = threading.Thread(target=lobby_side, name="ludice-audit", daemon=True)
    thread.start()  # SQLite runs without the GIL: the two queries use two CPUs
    try:
        problems = _account_problems(conn)
    finally:
        thread.join()
    if isinstance(found[0], BaseException):
        raise found[0]
    return problems + found[0]


def _lobby_problems(conn: sqlite3.Connection) -> list[str]:
    return _escrow_problems(conn) + _payment_problems(conn)


def _account_problems(conn: sqlite3.Connection) -> list[str]:
    problems: list[str] = []
    total = conn.execute("SELECT coalesce(sum(balance), 0) FROM accounts").fetchone()[0]
    if total != 0:
        problems.append(f"balances sum to {total}, not 0")
    # Each account's sums come from the transfers indexes alone (they hold `amount`), and
    # only the accounts that disagree come back to Python.
    for row in conn.execute(
        """
        SELECT name, balance, expected FROM (
            SELECT a.name, a.balance,
                   coalesce((SELECT sum(amount) FROM transfers WHERE credit_id = a.id), 0)
                 - coalesce((SELECT sum(amount) FROM transfers WHERE debit_id = a.id), 0)
                   AS expected
            FROM accounts a)
        WHERE balance <> expected
        """
    ):
        problems.append(
            f"account {row['name']} holds {row['balance']} but its transfers add up to "
            f"{row['expected']}"
        )
    for row in conn.execute("SELECT name, balance FROM accounts WHERE id > 0 AND balance < 0"):
        problems.append(f"account {row['name']} is negative: {row['balance']}")
    return problems


def _payment_problems(conn: sqlite3.Connection) -> list[str]:
    # Every credit issued from `stars` is a payment of ours, less what refunds took back.
    owed = conn.execute(
        "SELECT coalesce(sum(credits - coalesce(refund_taken, 0)), 0) FROM payments"
    ).fetchone()[0]
    issued = -balance(conn, STARS)
    if issued != owed:
        return [f"the stars account issued {issued} credits but payments account for {owed}"]
    return []


def _escrow_problems(conn: sqlite3.Connection) -> list[str]:
    problems = []
    in_play = conn.execute(
        "SELECT coalesce(sum(p.stake), 0) FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id"
        " WHERE l.status IN ('open', 'rolling')"
    ).fetchone()[0]
    escrow = balance(conn, ESCROW)
    if escrow != in_play:
        problems.append(f"escrow holds {escrow} but stakes in play add up to {in_play}")
    for row in conn.execute(
        """
        SELECT l.id, l.status, l.fee, sum(p.stake) AS staked, sum(coalesce(p.payout, 0)) AS paid
        FROM lobbies l JOIN lobby_players p ON p.lobby_id = l.id
        WHERE l.status NOT IN ('open', 'rolling')
        GROUP BY l.id HAVING paid + l.fee <> staked
        """
    ):
        problems.append(
            f"lobby {row['id']} ({row['status']}) took {row['staked']} in stakes but paid out "
            f"{row['paid']} plus {row['fee']} fee"
        )
    return problems


class BadAmount(LudiceError):
    """An adjustment typed by an admin that is not a non-zero whole number."""

    def __init__(self, text: str, zero: bool) -> None:
        super().__init__("the amount cannot be 0" if zero else
                         f"the amount must be a whole number like 50 or -50, not {text!r}")
        self.text, self.zero = text, zero


def parse_amount(text: str) -> int:
    """An adjustment as admins type it: 50, +50 or -50 (ASCII digits only)."""
    stripped = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", stripped):
        raise BadAmount(text, zero=False)
    if int(stripped) == 0:
        raise BadAmount(text, zero=True)
    return int(stripped)


def adjust(
    conn: sqlite3.Connection, user_id: int, amount: int, *, reason: str, key: str, now: int
) -> Transfer:
    """An admin correction: positive amounts come from the `adjust` account, negative ones go
    back to it. Refuses to take a user below zero."""
    reason = reason.strip()
    if not reason:
        raise LudiceError("an adjustment needs a reason")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise LudiceError(f"the amount must be a non-zero whole number, not {amount!r}")
    if amount > 0:
        return transfer(conn, debit=ADJUST, credit=user_id, amount=amount, kind="adjust",
                        key=key, now=now, reference=reason)
    # The balance CHECK refuses an overdraw; a retry of an applied key replays before it.
    try:
        return transfer(conn, debit=user_id, credit=ADJUST, amount=-amount, kind="adjust",
                        key=key, now=now, reference=reason)
    except InsufficientFunds:
        raise InsufficientFunds(
            f"user {user_id} holds {balance(conn, user_id)}; cannot take {-amount}"
        ) from None
