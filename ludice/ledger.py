"""Accounts and transfers: the only code that changes a balance.

Double-entry: every credit that enters, moves or leaves is one immutable transfer row, and a
trigger moves both balances in the same statement that inserts it (see migrations.sql). User
balances can never go below zero; source accounts (stars, bonus, adjust) go negative as they
issue, so all balances always sum to zero."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
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


def audit(conn: sqlite3.Connection, *, parallel: bool = False) -> list[str]:
    """Every violated ledger invariant, in words; an empty list means the books balance.
    All invariants are checked on one snapshot: checked one query at a time beside a busy
    writer, escrow and the stakes in play were read at different moments and disagreed.

    `parallel`: half of the checks run on a thread of their own, on a second connection
    reading the same snapshot (ludice.snapshots): the same findings in the same order, at 1M
    transfers in ~60 % of the time on two idle CPUs (~0.4 s of CPU either way). For `ludice
    audit`, a process of its own; the bot's periodic audit stays on one CPU for play."""
    if parallel:
        with snapshots.twin(conn) as other:
            if other is not None:
                return _in_parallel(conn, other)
    with snapshots.one(conn):
        return _in_order(_run(conn))


def _in_parallel(conn: sqlite3.Connection, other: sqlite3.Connection) -> list[str]:
    found: list[dict[int, list[str]] | BaseException] = []

    def second_half() -> None:
        try:
            found.append(_run(other, lane=1))
        except BaseException as exc:  # re-raised on the caller's thread below
            found.append(exc)

    thread = threading.Thread(target=second_half, name="ludice-audit", daemon=True)
    thread.start()  # SQLite runs without the GIL: the two lanes use two CPUs
    try:
        done = _run(conn, lane=0)
    finally:
        thread.join()
    if isinstance(found[0], BaseException):
        raise found[0]
    return _in_order(done | found[0])


def _run(conn: sqlite3.Connection, lane: int | None = None) -> dict[int, list[str]]:
    return {i: check(conn) for i, (at, check) in enumerate(_CHECKS) if lane in (None, at)}


def _in_order(found: dict[int, list[str]]) -> list[str]:
    return [problem for i in sorted(found) for problem in found[i]]


def _total_problems(conn: sqlite3.Connection) -> list[str]:
    total = conn.execute("SELECT coalesce(sum(balance), 0) FROM accounts").fetchone()[0]
    return [f"balances sum to {total}, not 0"] if total != 0 else []


def _mismatches(conn: sqlite3.Connection, accounts: str) -> list[str]:
    # Each account's sums come from the transfers indexes alone (they hold `amount`), and
    # only the accounts that disagree come back to Python.
    rows = conn.execute(
        f"""
        SELECT name, balance, expected FROM (
            SELECT a.name, a.balance,
                   coalesce((SELECT sum(amount) FROM transfers WHERE credit_id = a.id), 0)
                 - coalesce((SELECT sum(amount) FROM transfers WHERE debit_id = a.id), 0)
                   AS expected
            FROM accounts a WHERE {accounts})
        WHERE balance <> expected
        """
    )
    return [f"account {row['name']} holds {row['balance']} but its transfers add up to "
            f"{row['expected']}" for row in rows]


def _negative_problems(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name, balance FROM accounts WHERE id > 0 AND balance < 0")
    return [f"account {row['name']} is negative: {row['balance']}" for row in rows]


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
    in_play = conn.execute(
        "SELECT coalesce(sum(p.stake), 0) FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id"
        " WHERE l.status IN ('open', 'rolling')"
    ).fetchone()[0]
    escrow = balance(conn, ESCROW)
    if escrow != in_play:
        return [f"escrow holds {escrow} but stakes in play add up to {in_play}"]
    return []


def _closed_lobby_problems(conn: sqlite3.Connection, lobbies: str) -> list[str]:
    rows = conn.execute(
        f"""
        SELECT l.id, l.status, l.fee, sum(p.stake) AS staked, sum(coalesce(p.payout, 0)) AS paid
        FROM lobbies l JOIN lobby_players p ON p.lobby_id = l.id
        WHERE l.status NOT IN ('open', 'rolling') AND {lobbies}
        GROUP BY l.id HAVING paid + l.fee <> staked
        """
    )
    return [f"lobby {row['id']} ({row['status']}) took {row['staked']} in stakes but paid out "
            f"{row['paid']} plus {row['fee']} fee" for row in rows]


# The checks in the order their findings are listed, each with its lane when the audit runs
# on two connections. Measured at 1M transfers (CPU s): users' accounts 0.13, the system
# accounts (escrow, house, bonus: half of all transfers on five accounts) 0.085, closed
# lobbies 0.14; so one lane takes the users, the other the system accounts and two thirds of
# the lobbies by id (the same cut on both: one snapshot), ~0.18 s each.
_CUT = "(SELECT max(id) * 2 / 3 FROM lobbies)"
_CHECKS: list[tuple[int, Callable[[sqlite3.Connection], list[str]]]] = [
    (0, _total_problems),
    (1, lambda conn: _mismatches(conn, "a.id < 0")),
    (0, lambda conn: _mismatches(conn, "a.id >= 0")),
    (0, _negative_problems),
    (1, _escrow_problems),
    (1, lambda conn: _closed_lobby_problems(conn, f"l.id <= {_CUT}")),
    (0, lambda conn: _closed_lobby_problems(conn, f"l.id > {_CUT}")),
    (1, _payment_problems),
]

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
