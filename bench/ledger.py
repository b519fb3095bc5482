"""Ledger throughput and CLI cold start, measured. Prints a table; asserts nothing.

    python bench/ledger.py [--n N] [--rounds 3] [--runs R]

Every figure uses a fresh temp file with the pragmas ludice runs with (WAL, synchronous=FULL,
foreign keys, busy timeout) and the real schema from db.migrate:

  (a) raw sqlite3   one transfer per transaction written by hand: BEGIN IMMEDIATE; INSERT into
                    transfers (its balance trigger dropped); two UPDATEs of accounts; COMMIT
  (b) ledger sync   ledger.transfer inside db.transaction (what the CLI does)
  (c) ledger async  the same unit through Store.write, each awaited in turn (what one bot task
                    sees: one aiosqlite thread hop and one COMMIT per unit); also all N
                    gathered at once (many tasks writing: the Store may group-commit them)
  (d) cold CLI      `ludice balance show USER --db FILE` as a new process, R runs

The measurements are interleaved: each round runs (a), (b), (c) one after the other on fresh
files, `--rounds` times, so a machine getting busier or quieter (other work on a shared
machine) tilts them alike. Each ledger figure is reported against the raw run of its own round
(the median of those per-round ratios), besides min/median/max of the rates.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from versions import report

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


MEASUREMENTS: list[tuple[str, str, Callable[[Path, int], float]]] = [
    ("raw", "(a) raw sqlite3, by hand", bench_raw),
    ("sync", "(b) ledger.transfer + db.transaction", bench_sync),
    ("async", "(c) Store.write, awaited one by one",
     lambda path, n: bench_async(path, n, gathered=False)),
    ("gathered", "    Store.write, all N gathered at once",
     lambda path, n: bench_async(path, n, gathered=True)),
]


def interleaved(n: int, rounds: int) -> dict[str, list[float]]:
    """name -> transfers/s of each round, the measurements alternating within a round."""
    rates: dict[str, list[float]] = {name: [] for name, _, _ in MEASUREMENTS}
    with tempfile.TemporaryDirectory(prefix="ludice-bench-") as tmp:
        for r in range(rounds):
            for name, _, run in MEASUREMENTS:
                rates[name].append(run(fresh_db(Path(tmp), f"{name}{r}", n), n))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="transfers per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--runs", type=int, default=10, help="cold CLI runs")
    args = parser.parse_args()
    n = args.n
    rates = interleaved(n, args.rounds)
    with tempfile.TemporaryDirectory(prefix="ludice-bench-") as tmp:
        cold, command = bench_cold_cli(fresh_db(Path(tmp), "cli", 10), args.runs)

    print(f"ludice ledger bench: {n} one-transfer transactions each, {args.rounds} interleaved "
          f"rounds; WAL, synchronous=FULL; SQLite {sqlite3.sqlite_version}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    width = max(len(label) for _, label, _ in MEASUREMENTS)
    print(f"{'measurement'.ljust(width)}  {'transfers/s min/median/max':>28}  {'vs raw':>6}")
    print(f"{'-' * width}  {'-' * 28}  {'-' * 6}")
    ratios = {}
    for name, label, _ in MEASUREMENTS:
        got = rates[name]
        ratios[name] = statistics.median(a / b for a, b in zip(got, rates["raw"], strict=True))
        spread = f"{min(got):,.0f}/{statistics.median(got):,.0f}/{max(got):,.0f}"
        print(f"{label.ljust(width)}  {spread:>28}  {ratios[name]:>6.0%}")
    print()
    shown = " ".join([Path(command[0]).name, *command[1:-2]])
    print(f"(d) cold CLI: {shown} ({len(cold)} runs)")
    print(f"    median {statistics.median(cold):.3f} s   max {max(cold):.3f} s   "
          f"min {min(cold):.3f} s")
    print()
    print("aims: (b) and (c) >= 50 % of (a); cold CLI median < 0.3 s")
    verdicts = [
        ("(b) >= 50 % of raw", ratios["sync"] >= 0.5),
        ("(c) >= 50 % of raw", ratios["async"] >= 0.5),
        ("cold CLI < 0.3 s", statistics.median(cold) < 0.3),
    ]
    print("      " + "; ".join(f"{name}: {'met' if good else 'NOT met'}"
                               for name, good in verdicts))
    report({**{f"{name}_per_s": statistics.median(r) for name, r in rates.items()},
            **{f"{name}_vs_raw": ratios[name] for name in ratios if name != "raw"},
            "cold_cli_s": statistics.median(cold)})


if __name__ == "__main__":
    main()
