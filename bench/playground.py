"""The playground's figures. Prints them; asserts nothing.

    python bench/playground.py [--bots 0,25,50,100,200] [--seconds 30] [--pace 1.0]

1. start: `ludice playground --no-browser` as a person runs it (a new process, aiogram's
   import included) until a page holds its first WebSocket snapshot; that process's RSS.
2. load: for each N (0 is the baseline), a fresh process runs the playground with N simulated
   players at a human pace (a pause of 4-12 s between moves, times --pace) for --seconds,
   after --warmup seconds in which they all arrive and accept the terms.
   Printed side by side: update -> reply p50/p99 of a probe (Carol sends /help in her private
   chat every 0.25 s and waits for the answer), the same for the players' own moves, Bot API
   calls/s, settled duels, and RSS at the end.

Update -> reply is measured in-process from the moment the emulator queues the update to
the moment the bot's next Bot API call into that chat arrives."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAROL = 1003


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def start_figures() -> tuple[float, float]:
    import aiohttp

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "ludice", "playground", "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env, cwd=tempfile.gettempdir())
    try:
        line = ""
        while not line.startswith("ludice playground: "):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise SystemExit("the playground did not start")
        url = line.split()[2]

        async def snapshot() -> None:
            async with aiohttp.ClientSession() as session, session.ws_connect(url + "ws") as ws:
                assert json.loads((await ws.receive()).data)["type"] == "snapshot"

        asyncio.run(snapshot())
        ready = time.monotonic() - started
        return ready, rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


async def one_load(bots: int, seconds: float, pace: float, warmup: float) -> dict:
    sys.path.insert(0, str(ROOT))
    from ludice.playground.server import Playground, PlaygroundOptions

    folder = Path(tempfile.mkdtemp(prefix="ludice-bench-"))
    playground = Playground(PlaygroundOptions(
        db_path=folder / "bench.db", bots=bots, bot_pace=pace, polling_timeout=10))
    await playground.start()
    em = playground.emulator
    probe: list[float] = []
    waiting: dict[str, float] = {}

    def observe(event: dict) -> None:
        if event["type"] == "call" and event["params"].get("chat_id") == CAROL and "at" in waiting:
            probe.append(time.monotonic() - waiting.pop("at"))

    em.subscribe(observe)
    try:
        em.say(CAROL, CAROL, "/start")
        await asyncio.sleep(warmup)  # every player arrives (and accepts the terms) at once
        if playground.players:
            playground.players.latencies.clear()
        calls_before, ends = len(em.calls), time.monotonic() + seconds
        while time.monotonic() < ends:
            waiting["at"] = time.monotonic()
            em.say(CAROL, CAROL, "/help")
            await asyncio.sleep(0.25)
        calls = len(em.calls) - calls_before
        players = playground.players.latencies if playground.players else []
    finally:
        await playground.stop()
    conn = sqlite3.connect(folder / "bench.db")
    settled = conn.execute("SELECT count(*) FROM lobbies WHERE status = 'settled'").fetchone()[0]
    conn.close()
    return {"bots": bots, "probe_p50": pct(probe, 0.5), "probe_p99": pct(probe, 0.99),
            "probe_n": len(probe), "players_p50": pct(players, 0.5),
            "players_p99": pct(players, 0.99), "players_n": len(players),
            "calls_per_s": calls / seconds, "settled": settled, "rss_mb": rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", default="0,25,50,100,200")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--pace", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds before measuring: every player arrives at once")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(asyncio.run(one_load(args.one, args.seconds, args.pace,
                                              args.warmup))))
        return

    ready, rss = start_figures()
    print(f"start: `ludice playground` to a page's first snapshot {ready:.2f} s, "
          f"RSS {rss:.0f} MB")
    print(f"load: {args.seconds:.0f} s each after {args.warmup:.0f} s of warm-up, human pace "
          f"x{args.pace}; times in ms")
    print(f"{'bots':>5} {'probe p50':>10} {'probe p99':>10} {'moves p50':>10} "
          f"{'moves p99':>10} {'moves':>6} {'calls/s':>8} {'duels':>6} {'RSS MB':>7}")
    for bots in (int(n) for n in args.bots.split(",")):
        done = subprocess.run([sys.executable, __file__, "--one", str(bots), "--seconds",
                               str(args.seconds), "--pace", str(args.pace), "--warmup",
                               str(args.warmup)],
                              capture_output=True, text=True, env={**os.environ,
                                                                   "PYTHONPATH": str(ROOT)})
        if done.returncode != 0:
            print(f"{bots:>5} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{r['bots']:>5} {r['probe_p50']:>10.1f} {r['probe_p99']:>10.1f} "
              f"{r['players_p50']:>10.1f} {r['players_p99']:>10.1f} {r['players_n']:>6} "
              f"{r['calls_per_s']:>8.1f} {r['settled']:>6} {r['rss_mb']:>7.0f}")


if __name__ == "__main__":
    main()
