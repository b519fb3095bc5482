"""How long an automatic backup takes on a big database, and how long play waits meanwhile.
Prints figures; asserts nothing.

    python bench/backup.py [--transfers N] [--keep DIR]

Seeds a database with N transfers (default 1,000,000) through ledger.transfer in batches
(the real schema, triggers and indexes), then runs what the bot's backup job runs
(`backups.take` on a worker thread) while one task keeps writing small transfers through
`Store.write`, one awaited after the other, as players would. Reported: the backup's wall
time and size, and the write latencies (median, p99, max) during the backup against the same
writes without one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ludice import backups, db, ledger, users

PAYER, PAYEE = 1001, 1002


def seed(path: Path, n: int) -> None:
    conn = db.open_db(path, create=True)
    db.migrate(conn)
    now = db.now()
    with db.transaction(conn):
        for uid in (PAYER, PAYEE):
            users.upsert(conn, uid, first_name=str(uid), username=f"u{uid}",
                         language_code=None, now=now)
        ledger.transfer(conn, debit=ledger.BONUS, credit=PAYER, amount=10**12, kind="bonus",
                        key="seed", now=now)
    batch, started = 20_000, time.perf_counter()
    for start in range(0, n, batch):
        with db.transaction(conn):
            for i in range(start, min(n, start + batch)):
                ledger.transfer(conn, debit=PAYER, credit=PAYEE, amount=1, kind="bench",
                                key=f"seed:{i}", now=now, reference=f"lobby {i}")
        print(f"\r  seeded {min(n, start + batch):,} transfers "
              f"({time.perf_counter() - started:.0f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    conn.close()


def _pay(conn, i: int) -> None:
    ledger.transfer(conn, debit=PAYER, credit=PAYEE, amount=1, kind="bench", key=f"play:{i}",
                    now=db.now())


async def play(store: db.Store, done: asyncio.Event, first: int) -> list[float]:
    """Writes one after the other until `done`; the latency of each, in seconds."""
    latencies, i = [], first
    while not done.is_set():
        started = time.perf_counter()
        await store.write(_pay, i)
        latencies.append(time.perf_counter() - started)
        i += 1
    return latencies


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99)]
    return (f"{len(ordered):,} writes, median {statistics.median(ordered) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms")


async def measure(path: Path, where: Path) -> None:
    store = await db.Store.open(path)
    try:
        done = asyncio.Event()
        writer = asyncio.create_task(play(store, done, 0))
        await asyncio.sleep(5)
        done.set()
        baseline = await writer

        done = asyncio.Event()
        writer = asyncio.create_task(play(store, done, 10**9))
        started = time.perf_counter()
        taken = await asyncio.to_thread(backups.take, path, where, db.now(), 7)
        took = time.perf_counter() - started
        done.set()
        during = await writer
    finally:
        await store.close()
    size = taken.path.stat().st_size / 2**20
    print(f"backup: {took:.1f} s for {size:.0f} MiB (VACUUM INTO + fsync + rename + "
          "integrity_check), on a worker thread")
    print(f"writes without a backup: {summary(baseline)}")
    print(f"writes during the backup: {summary(during)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="seed here (reused if present) and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bench.db"
        if not path.exists():
            seed(path, args.transfers)
        asyncio.run(measure(path, Path(tmp) / "backups"))


if __name__ == "__main__":
    main()
