"""Ledger throughput and CLI cold start, measured. Prints a table; asserts nothing.

    python bench/ledger.py [--n N] [--runs R]

Every figure uses a fresh temp file with the pragmas ludice runs with (WAL, synchronous=FULL,
foreign keys, busy timeout) and the real schema from db.migrate:

  (a) raw sqlite3   one transfer per transaction written by hand: BEGIN IMMEDIATE; INSERT into
                    transfers (its balance trigger dropped); two UPDATEs of accounts; COMMIT
  (b) ledger sync   ledger.transfer inside db.transaction (what the CLI does)
  (c) ledger async  the same unit through Store.write, each awaited in turn (what one bot task
                    sees: one aiosqlite thread hop and one COMMIT per unit); also all N
                    gathered at once (many tasks writing: the Store may group-commit them)
  (d) cold CLI      `ludice balance show USER --db FILE` as a new process, R runs

Aims: (b) and (c) at least 50 % of (a); cold CLI under 0.3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ludice import db, ledger, users

PAYER, PAYEE = 1001, 1002


def fresh_db(directory: Path, name: str, credits: int) -> Path:
    """A migrated file with two users, the payer holding `credits`."""
    path = directory / f"{name}.db"
    conn = db.open_db(path, create=True)
    try:
        db.migrate(conn)
        with db.transaction(conn):
            for uid in (PAYER, PAYEE):
                users.upsert(conn, uid, first_name=str(uid), username=f"u{uid}",
                             language_code=None, now=db.now())
            ledger.transfer(conn, debit=ledger.BONUS, credit=PAYER, amount=credits,
                            kind="bonus", key="seed", now=db.now())
    finally:
        conn.close()
    return path


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_raw(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DROP TRIGGER transfers_apply")  # we move the balances by hand

        def work() -> None:
            for i in range(n):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "INSERT INTO transfers (debit_id, credit_id, amount, kind, reference,"
                    " idem_key, created_at) VALUES (?, ?, 1, 'gift', '', ?, ?)",
                    (PAYER, PAYEE, f"raw:{i}", i),
                )
                conn.execute("UPDATE accounts SET balance = balance - 1 WHERE id = ?", (PAYER,))
                conn.execute("UPDATE accounts SET balance = balance + 1 WHERE id = ?", (PAYEE,))
                conn.execute("COMMIT")

        return n / timed(work)
    finally:
        conn.close()


def pay(conn: sqlite3.Connection, i: int) -> ledger.Transfer:
    return ledger.transfer(conn, debit=PAYER, credit=PAYEE, amount=1, kind="gift",
                           key=f"t:{i}", now=i)


def bench_sync(path: Path, n: int) -> float:
    conn = db.open_current(path)
    try:
        def work() -> None:
            for i in range(n):
                with db.transaction(conn):
                    pay(conn, i)

        rate = n / timed(work)
        assert_clean(conn, n)
        return rate
    finally:
        conn.close()


def bench_async(path: Path, n: int, *, gathered: bool) -> float:
    async def main() -> float:
        store = await db.Store.open(path)
        try:
            start = time.perf_counter()
            if gathered:
                await asyncio.gather(*(store.write(pay, i) for i in range(n)))
            else:
                for i in range(n):
                    await store.write(pay, i)
            elapsed = time.perf_counter() - start
            await store.read(assert_clean, n)
            return n / elapsed
        finally:
            await store.close()

    return asyncio.run(main())


def assert_clean(conn: sqlite3.Connection, n: int) -> None:
    """Not an assertion of speed: a warning if the run did not do what it claims."""
    got = ledger.balance(conn, PAYEE)
    problems = ledger.audit(conn)
    if got != n or problems:
        print(f"warning: payee holds {got}, expected {n}; audit: {problems}", file=sys.stderr)


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "ludice"
    if script.exists() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("ludice")
    if found and Path(found).parent == Path(sys.executable).parent:
        return [found]
    return [sys.executable, "-m", "ludice"]


def bench_cold_cli(path: Path, runs: int) -> tuple[list[float], list[str]]:
    command = [*cli_command(), "balance", "show", f"@u{PAYER}", "--db", str(path)]
    env = {k: v for k, v in os.environ.items() if k != "LUDICE_DB"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            print(f"warning: {' '.join(command)} exited {proc.returncode}: {proc.stderr.strip()}",
                  file=sys.stderr)
    return times, command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="transfers per measurement")
    parser.add_argument("--runs", type=int, default=10, help="cold CLI runs")
    args = parser.parse_args()
    n = args.n

    with tempfile.TemporaryDirectory(prefix="ludice-bench-") as tmp:
        directory = Path(tmp)
        raw = bench_raw(fresh_db(directory, "raw", n), n)
        sync = bench_sync(fresh_db(directory, "sync", n), n)
        one_by_one = bench_async(fresh_db(directory, "async", n), n, gathered=False)
        gathered = bench_async(fresh_db(directory, "gather", n), n, gathered=True)
        cold, command = bench_cold_cli(fresh_db(directory, "cli", 10), args.runs)

    print(f"ludice ledger bench: {n} one-transfer transactions each; WAL, synchronous=FULL; "
          f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    print()
    rows = [
        ("(a) raw sqlite3, by hand", raw),
        ("(b) ledger.transfer + db.transaction", sync),
        ("(c) Store.write, awaited one by one", one_by_one),
        ("    Store.write, all N gathered at once", gathered),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measurement'.ljust(width)}  {'transfers/s':>11}  {'vs raw':>6}")
    print(f"{'-' * width}  {'-' * 11}  {'-' * 6}")
    for name, rate in rows:
        print(f"{name.ljust(width)}  {rate:>11,.0f}  {rate / raw:>6.0%}")
    print()
    shown = " ".join([Path(command[0]).name, *command[1:-2]])
    print(f"(d) cold CLI: {shown} ({len(cold)} runs)")
    print(f"    median {statistics.median(cold):.3f} s   max {max(cold):.3f} s   "
          f"min {min(cold):.3f} s")
    print()
    print("aims: (b) and (c) >= 50 % of (a); cold CLI median < 0.3 s")
    verdicts = [
        ("(b) >= 50 % of raw", sync / raw >= 0.5),
        ("(c) >= 50 % of raw", one_by_one / raw >= 0.5),
        ("cold CLI < 0.3 s", statistics.median(cold) < 0.3),
    ]
    print("      " + "; ".join(f"{name}: {'met' if good else 'NOT met'}"
                               for name, good in verdicts))


if __name__ == "__main__":
    main()
