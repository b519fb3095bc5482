"""Duel throughput and latency. Prints figures; asserts nothing.

    python bench/duels.py [--duels 2000] [--pairs 200]

1. domain: settled duels/s through the domain functions alone (enter, enter, two rolls,
   advance: five write transactions per duel, as the bot runs them), sync and through the
   async Store.
2. end to end: the real bot (ludice.bot.app.Application) against the Bot API emulator
   (ludice.playground.emulator, with the tests' waiting helpers), reveal delay 0, throttle
   0: duels/s with all pairs at once; then p50/p99 time from a player's update to the
   bot's first reply at a paced 100 updates/s.
3. peak RSS of the end-to-end run vs a bare aiogram echo bot doing the same number of updates,
   each in its own process so the figures do not mix.

Aims (issue 3): >= 1,000 duels/s in the domain, >= 100 duels/s end to end, p99 < 50 ms at
100 updates/s, RSS within 30 MB of the bare echo bot."""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ludice import db, duels, games, ledger, users  # noqa: E402
from ludice import settings as game_settings  # noqa: E402

BET = 10


def _seed(conn, n_users: int) -> None:
    with db.transaction(conn):
        for key, value in {"reveal_delay_seconds": "0", "throttle_seconds": "0",
                           "welcome_bonus": "0"}.items():
            game_settings.set_value(conn, key, value, 0)
        for uid in range(1, n_users + 1):
            users.register(conn, uid, first_name=f"P{uid}", username=None, language_code="en",
                           welcome_bonus=0, now=0)
            ledger.transfer(conn, debit=ledger.ADJUST, credit=uid, amount=1_000_000,
                            kind="adjust", key=f"seed:{uid}", now=0, reference="bench")


def _one_duel(run, a: int, b: int, settings, now: int) -> None:
    run(games.enter, a, "dice", BET, settings=settings, now=now)
    lobby = run(games.enter, b, "dice", BET, settings=settings, now=now).lobby
    run(duels.record_roll, lobby.id, 1, a, 6, now=now)
    run(duels.record_roll, lobby.id, 1, b, 1, now=now)
    run(duels.advance, lobby.id, settings=settings, now=now)


def bench_domain(n: int) -> dict[str, float]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        conn = db.open_db(Path(tmp) / "d.db", create=True)
        db.migrate(conn)
        _seed(conn, 100)
        settings = game_settings.load(conn)

        def run(fn, *args, **kw):
            return db.run_write(conn, fn, *args, **kw)

        start = time.perf_counter()
        for _ in range(n):
            _one_duel(run, 1, 2, settings, 1)
        out["domain_sync_duels_per_s"] = n / (time.perf_counter() - start)
        assert not ledger.audit(conn)
        conn.close()

        async def via_store(pairs: int) -> float:
            # `pairs` pairs of players duel at the same time, as players do in the bot; each
            # pair plays its duels one after another. Units from different pairs share commits.
            store = await db.Store.open(Path(tmp) / "d.db")

            async def pair_plays(a: int, b: int, count: int) -> None:
                bet = BET + a  # a bet of its own, so matchmaking pairs a with b
                for _ in range(count):
                    await store.write(games.enter, a, "dice", bet, settings=settings, now=1)
                    lobby = (await store.write(games.enter, b, "dice", bet, settings=settings,
                                               now=1)).lobby
                    await store.write(duels.record_roll, lobby.id, 1, a, 6, now=1)
                    await store.write(duels.record_roll, lobby.id, 1, b, 1, now=1)
                    await store.write(duels.advance, lobby.id, settings=settings, now=1)

            per_pair = max(1, n // pairs)
            start = time.perf_counter()
            try:
                await asyncio.gather(*(pair_plays(2 * i + 1, 2 * i + 2, per_pair)
                                       for i in range(pairs)))
            finally:
                elapsed = time.perf_counter() - start
                await store.close()
            return pairs * per_pair / elapsed

        out["domain_store_duels_per_s"] = asyncio.run(via_store(1))
        out["domain_store_concurrent_duels_per_s"] = asyncio.run(via_store(50))
    return out


class _Results:
    """Counts result messages as they arrive without rescanning every call on each poll
    (the bench polls every few ms; a rescan would cost the fake more than the bot)."""

    def __init__(self, fake) -> None:
        self.fake, self.seen, self.count = fake, 0, 0

    def __call__(self) -> int:
        calls = self.fake.calls
        for call in calls[self.seen:]:
            text = call.params.get("text", "") if call.method == "sendMessage" else ""
            if "You win" in text or "wins the pot" in text or "split" in text:
                self.count += 1
        self.seen = len(calls)
        return self.count


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.wait(), 30)


async def _e2e(pairs: int, paced: int) -> dict[str, float]:
    """The real `ludice run` process against the fake Bot API, which runs here with the
    simulated players: the bot has its own process, as it would in production."""
    from botharness import FakeTelegram

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.db"
        conn = db.open_db(path, create=True)
        db.migrate(conn)
        warm = 2 * max(pairs, paced)
        _seed(conn, warm + 2)
        conn.close()
        async with FakeTelegram() as fake:
            results = _Results(fake)
            bot = await _spawn(sys.executable, "-m", "ludice", "run", "--db", str(path),
                               "--token", fake.token, "--api-url", fake.base_url,
                               "--log-level", "WARNING")
            # Warm-up: aiogram's pydantic models build their validators on first use (seconds
            # of CPU), a one-off start-up cost that would otherwise land in the first figures.
            for uid in (warm + 1, warm + 2):
                fake.send_text(uid, f"/dice {BET}")
            await fake.wait_for(lambda: results() >= 2, timeout=120)
            start = time.perf_counter()
            for uid in range(1, 2 * pairs + 1):
                fake.send_text(uid, f"/dice {BET}")
            await fake.wait_for(lambda: results() >= 2 + 2 * pairs, timeout=600)
            elapsed = time.perf_counter() - start
            out = {"e2e_duels": pairs, "e2e_duels_per_s": pairs / elapsed}

            # paced: 100 updates/s, each a /dice from a player acting once; latency from the
            # update being queued to the bot's first reply in that chat
            pushed: dict[int, float] = {}
            for i in range(paced * 2):
                uid = 1 + i
                pushed[uid] = time.monotonic()
                fake.send_text(uid, f"/dice {BET}")
                await asyncio.sleep(0.01)
            await fake.wait_for(lambda: results() >= 2 + 2 * pairs + 2 * paced, timeout=600)
            latencies = sorted(
                (min(c.at for c in fake.sent(uid, "sendMessage") if c.at >= at) - at) * 1000
                for uid, at in pushed.items())
            out["paced_updates"] = len(pushed)
            out["p50_ms"] = statistics.median(latencies)
            out["p99_ms"] = latencies[max(0, int(len(latencies) * 0.99) - 1)]
            out["peak_rss_mb"] = _peak_rss_mb(bot.pid)
            out["updates"] = len(fake.pushed)
            await _stop(bot)
            check = db.open_db(path)
            problems = ledger.audit(check)
            check.close()
            assert not problems, problems

            echo = await _spawn(sys.executable, __file__, "--echo-bot", fake.base_url,
                                fake.token)
            sent_before = len(fake.sent(method="sendMessage"))
            for uid in range(1, 3):  # warm-up, as for ludice
                fake.send_text(uid, "hello")
            await fake.wait_for(lambda: len(fake.sent(method="sendMessage")) >= sent_before + 2,
                                timeout=120)
            start = time.perf_counter()
            for uid in range(1, out["updates"] + 1):
                fake.send_text(uid, "hello")
            await fake.wait_for(lambda: len(fake.sent(method="sendMessage"))
                                >= sent_before + 2 + out["updates"], timeout=600)
            out["echo_updates_per_s"] = out["updates"] / (time.perf_counter() - start)
            out["echo_peak_rss_mb"] = _peak_rss_mb(echo.pid)
            await _stop(echo)
    return out


def _echo_bot(api_url: str, token: str) -> None:
    """A bare aiogram echo bot, the yardstick for ludice's own cost."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    asyncio.run(dp.start_polling(bot, polling_timeout=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duels", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--echo-bot", nargs=2, metavar=("API_URL", "TOKEN"))
    args = parser.parse_args()
    if args.echo_bot:
        _echo_bot(*args.echo_bot)
        return
    figures = bench_domain(args.duels)
    e2e = asyncio.run(_e2e(args.pairs, 50))
    rows = [
        ("domain duels/s (sync, 5 tx each)", f"{figures['domain_sync_duels_per_s']:.0f}", ""),
        ("domain duels/s (async Store, one pair)", f"{figures['domain_store_duels_per_s']:.0f}",
         ""),
        ("domain duels/s (async Store, 50 pairs at once)",
         f"{figures['domain_store_concurrent_duels_per_s']:.0f}", ">= 1000"),
        (f"end-to-end duels/s ({e2e['e2e_duels']} at once, `ludice run` process)",
         f"{e2e['e2e_duels_per_s']:.0f}", ">= 100"),
        (f"update->reply p50 ms ({e2e['paced_updates']} updates at 100/s)",
         f"{e2e['p50_ms']:.1f}", ""),
        ("update->reply p99 ms", f"{e2e['p99_ms']:.1f}", "< 50"),
        ("peak RSS ludice run MB", f"{e2e['peak_rss_mb']:.0f}", ""),
        (f"peak RSS bare aiogram echo bot MB ({e2e['updates']} updates)",
         f"{e2e['echo_peak_rss_mb']:.0f}", ""),
        ("RSS difference MB", f"{e2e['peak_rss_mb'] - e2e['echo_peak_rss_mb']:.0f}", "<= 30"),
        ("bare echo bot updates/s", f"{e2e['echo_updates_per_s']:.0f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, aim in rows:
        print(f"{name.ljust(width)}  {value:>8}  {aim}")


if __name__ == "__main__":
    main()
