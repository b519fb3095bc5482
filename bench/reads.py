"""Reads at 1M transfers: what players wait for while history-long reads run. Prints its
figures (bench/versions.py compares two versions); asserts nothing.

    python bench/reads.py [--users 100000] [--transfers 1000000] [--seed 1] [--phase 6]
    python bench/versions.py -- python bench/reads.py        # baseline vs current, 3 times

On a copy of the bench/bigdb.py database (migrated by the ludice under test; `migrate_s`):

  top_private_ms, top_group_ms   a private /top (a player of the busy group) and a group /top
                                 of the busy group (this week + all time), the domain calls the
                                 handlers make, on a connection of their own; median of 5
  audit_s                        ledger.audit, the same way; audit_parallel_s: on two
                                 connections (ledger.audit(parallel=True), what the CLI runs);
                                 audit_cli_s: `ludice audit` as a new process (cold start
                                 included)
  settings_show_s                cold `ludice settings show`, median of 7 processes
  reply_*_ms                     the real bot (in this process, against the Bot API emulator)
                                 answering other players' /play at 20 a second: p50 and p99
                                 from the update to the reply, idle, while one player runs
                                 private /top back to back, and while the audit runs back to
                                 back (the periodic job's own call, jobs.audit)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SRC = Path(os.environ.get("LUDICE_BENCH_SRC") or BENCH.parent)
sys.path[:0] = [str(BENCH), str(SRC / "tests")]

import bigdb  # noqa: E402
from versions import report  # noqa: E402

from ludice import db, leaderboard, ledger  # noqa: E402

BIG_GROUP_PLAYERS = (7, 70, 700)  # all of them played in the busy group
PACE = 20  # other players' updates per second


def timed_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def domain_figures(path: Path) -> dict[str, float]:
    conn = db.open_db(path)  # a connection of its own, as a read lane has
    try:
        now = int(time.time())
        figures = {
            "top_private_ms": timed_ms(lambda: [leaderboard.player_ranks(conn, uid)
                                                for uid in BIG_GROUP_PLAYERS]) / 3,
            "top_group_ms": timed_ms(lambda: (
                leaderboard.group_top(conn, bigdb.BIG_GROUP, since=leaderboard.week_start(now)),
                leaderboard.group_top(conn, bigdb.BIG_GROUP))),
        }
        start = time.perf_counter()
        problems = ledger.audit(conn)
        figures["audit_s"] = time.perf_counter() - start
        if problems:
            print(f"warning: audit: {problems[:3]}", file=sys.stderr)
        start = time.perf_counter()
        try:
            ledger.audit(conn, parallel=True)  # what `ludice audit` runs, where it exists
            figures["audit_parallel_s"] = time.perf_counter() - start
        except TypeError:  # a version before the two-connection audit
            pass
        return figures
    finally:
        conn.close()


def cold(args: list[str], runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("LUDICE_DB", None)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        # cwd: `python -m` puts it first on sys.path, before PYTHONPATH
        done = subprocess.run([sys.executable, "-m", "ludice", *args], env=env, cwd=SRC,
                              capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            print(f"warning: ludice {' '.join(args)}: {done.stderr.strip()}", file=sys.stderr)
    return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def replies(fake, users: list[int], seconds: float) -> list[float]:
    """Other players' /play at PACE a second for `seconds`: ms from update to first reply."""
    pushed: dict[int, float] = {}
    for uid in users[: int(seconds * PACE)]:
        pushed[uid] = time.monotonic()
        fake.send_text(uid, "/play")
        await asyncio.sleep(1 / PACE)

    def answered() -> list[float] | None:
        out = []
        for uid, at in pushed.items():
            sent = [c.at for c in fake.sent(uid, "sendMessage") if c.at >= at]
            if not sent:
                return None
            out.append((min(sent) - at) * 1000)
        return out

    return await fake.wait_for(answered, timeout=120)


async def busy(make_call, stop: asyncio.Event) -> int:
    count = 0
    while not stop.is_set():
        await make_call()
        count += 1
    return count


async def bot_figures(path: Path, phase: float, users_n: int) -> dict[str, float]:
    from botharness import FakeTelegram, start_bot

    crowd = iter(range(users_n // 2, users_n * 9 // 10))  # players with no lobby open
    figures: dict[str, float] = {}
    async with FakeTelegram() as fake:
        start = time.perf_counter()
        bot = await start_bot(fake, path, drain_seconds=1)
        figures["bot_start_s"] = time.perf_counter() - start
        await replies(fake, [next(crowd) for _ in range(20)], 1)  # warm-up
        topper = BIG_GROUP_PLAYERS[0]

        async def private_top() -> None:
            before = len(fake.sent(topper, "sendMessage"))
            fake.send_text(topper, "/top")
            await fake.wait_for(lambda: len(fake.sent(topper, "sendMessage")) > before, 60)

        for name, heavy in (("idle", None), ("top", private_top), ("audit", bot.app.jobs.audit)):
            stop = asyncio.Event()
            runner = asyncio.create_task(busy(heavy, stop)) if heavy else None
            users = [next(crowd) for _ in range(int(phase * PACE))]
            latencies = await replies(fake, users, phase)
            stop.set()
            if runner is not None:
                figures[f"{name}_runs"] = await runner
            figures[f"reply_{name}_p50_ms"] = statistics.median(latencies)
            figures[f"reply_{name}_p99_ms"] = percentile(latencies, 0.99)
        await bot.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phase", type=float, default=6.0, help="seconds per latency phase")
    args = parser.parse_args()
    source = bigdb.ensure(args.users, args.transfers, args.seed)
    with tempfile.TemporaryDirectory(prefix="ludice-reads-") as tmp:
        path = Path(tmp) / "ludice.db"
        shutil.copyfile(source, path)
        start = time.perf_counter()
        conn = db.open_db(path)
        db.migrate(conn)
        conn.close()
        figures = {"migrate_s": time.perf_counter() - start}
        figures.update(domain_figures(path))
        figures["audit_cli_s"] = cold(["audit", "--db", str(path)], 1)
        figures["settings_show_s"] = cold(["settings", "show", "--db", str(path)], 7)
        figures.update(asyncio.run(bot_figures(path, args.phase, args.users)))
    for name, value in figures.items():
        print(f"{name:24} {value:10.3f}")
    report(figures)


if __name__ == "__main__":
    main()
