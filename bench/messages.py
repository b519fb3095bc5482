"""Issue 13's message and lean-at-rest rows, measured on the real `ludice run` process
against the Bot API emulator. Prints figures; asserts nothing.

    python bench/messages.py [--duels 120] [--rate 3] [--lobbies 10000]
    python bench/versions.py -- python bench/messages.py      (side by side with the baseline)

- sends per private duel (typed /dice): Bot API calls that post a message (sendMessage,
  sendDice, forwardMessage(s), copyMessage) from the first /dice to the last result, and the
  messages they carried (forwardMessages carries several);
- posts into a group per group duel (bot-rolled, two players): the same, into the group;
- CPU per settled duel: the bot process's user+system CPU over `--duels` duels (`--pairs`
  pairs, starting `--rate` duels a second in all: below Telegram's 30 messages a second, so
  no pacer queues), divided by the duels; split into the event loop's thread and the
  others (the database's writer and read lanes), with the Bot API calls a duel makes there
  (getUpdates included: a duel's cost is mostly its calls);
- GC: the longest full (generation 2) collection in the bot process during those duels, and
  how many there were;
- database bytes per settled private duel at rest, with everything a retention rule may drop
  dropped (as a week later) and VACUUMed: the bytes the rows and their indexes use (SQLite's
  dbstat: page size minus unused bytes, over every page) after the duels minus before. The
  file's own growth is printed too (`db_file_bytes_…`), but a run of a few hundred duels
  takes 30-odd tables and indexes from one page to two or three, each page 4 KiB: that
  step, not the duels, is most of the file's growth at this size (372-993 bytes a duel from
  run to run, the same code);
- start -> first getUpdates with `--lobbies` open lobbies, and the bare import of the bot's
  code in a fresh interpreter, for "import time + 0.5 s".

The bot's code is the version under test (bench/versions.py puts it first on PYTHONPATH and
names it in LUDICE_BENCH_SRC); the emulator and the test helpers come from the same tree."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(os.environ.get("LUDICE_BENCH_SRC", Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(SRC / "tests"))
sys.path.insert(0, str(SRC))

BET = 10
GROUP = -1001234567890
SENDS = {"sendmessage", "senddice", "forwardmessage", "forwardmessages", "copymessage"}
WEEK_LATER = 8 * 86_400


def _report(figures: dict[str, float]) -> None:
    print("FIGURES " + json.dumps(figures), flush=True)


# --- the bot process -----------------------------------------------------------------------

def _bot_process(stats_path: str, argv: list[str]) -> None:
    """`ludice run` with every full collection noted (when it ended, on the system-wide
    monotonic clock, and how long it took) and the moment the bot's code was imported,
    written out at exit."""
    pauses: list[tuple[float, float]] = []
    began: list[float] = []

    def watch(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            began[:] = [time.monotonic()]
        elif began:
            pauses.append((time.monotonic(), time.monotonic() - began[0]))

    gc.callbacks.append(watch)
    _undo(os.environ.get("LUDICE_BENCH_UNDO", ""))
    import ludice.bot.app  # noqa: F401  (what "import time" means: the bot's code loaded)
    from ludice.cli import main

    imported_at = time.monotonic()
    sys.argv = ["ludice", *argv]
    profile = os.environ.get("LUDICE_BENCH_PROFILE")  # a file for cProfile's stats
    try:
        if profile:
            import cProfile

            cProfile.runctx("main()", globals(), {"main": main}, profile)
        else:
            main()
    except SystemExit:
        pass
    finally:
        Path(stats_path).write_text(json.dumps({"pauses": pauses, "imported_at": imported_at}))


def _undo(what: str) -> None:
    """Switch off issue 13's framework measures one by one (to measure each): "freeze",
    "hold" (the Response models), "filters" (magic filters on the loop), "session" (aiogram's
    AiohttpSession instead of ludice's JsonSession)."""
    if "freeze" in what:
        gc.freeze = lambda: None
    if "hold" in what:
        try:
            from ludice.bot.transport import models
        except ImportError:  # since JsonSession, the session holds them
            from aiogram.methods.base import Response

            from ludice.bot.transport.session import JsonSession

            JsonSession.response_model = lambda self, method: Response[method.__returning__]
        else:
            async def through(self, make_request, bot, method):
                return await make_request(bot, method)

            models.HoldResponseModels.__call__ = through
    if "session" in what:
        from aiogram.client.session.aiohttp import AiohttpSession

        from ludice.bot import app as bot_app

        bot_app.JsonSession = AiohttpSession
    if "filters" in what:
        from ludice.bot import app

        app.magic_on_loop = lambda root: 0


def _cpu_seconds(pid: int, task: int | None = None) -> float:
    """User+system CPU of process `pid`, or of its thread `task` alone."""
    stat = f"/proc/{pid}/stat" if task is None else f"/proc/{pid}/task/{task}/stat"
    fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _seed(path: Path, n_users: int, settings: dict[str, str]) -> None:
    from ludice import db, ledger, users
    from ludice import settings as game_settings

    conn = db.open_db(path, create=True)
    db.migrate(conn)
    with db.transaction(conn):
        for key, value in settings.items():
            game_settings.set_value(conn, key, value, 0)
        for uid in range(1, n_users + 1):
            users.register(conn, uid, first_name=f"P{uid}", username=None, language_code="en",
                           welcome_bonus=0, now=0)
            ledger.transfer(conn, debit=ledger.ADJUST, credit=uid, amount=1_000_000,
                            kind="adjust", key=f"seed:{uid}", now=0, reference="bench")
    conn.close()


def _vacuumed_size(path: Path, *, prune: bool) -> tuple[int, int]:
    """(bytes the pages use, the file's size) once compacted; with `prune`, after what a
    week's retention drops."""
    from ludice import db, outbox, redelivery

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        src = sqlite3.connect(path)
        src.execute(f"VACUUM INTO '{copy}'")
        src.close()
        conn = db.open_db(copy)
        if prune:
            later = int(time.time()) + WEEK_LATER
            with db.transaction(conn):
                redelivery.prune(conn, now=later)
                if hasattr(outbox, "prune"):  # retention exists from issue 13 on
                    outbox.prune(conn, now=later, keep_days=7)
        conn.execute("VACUUM")
        used = conn.execute("SELECT sum(pgsize - unused) FROM dbstat").fetchone()[0]
        conn.close()
        return used, copy.stat().st_size


class _Counter:
    """Counts result messages as they arrive without rescanning every call on each poll."""

    def __init__(self, fake) -> None:
        self.fake, self.seen, self.count = fake, 0, 0
        self.per_chat: dict[int, int] = {}

    def __call__(self, chat_id: int | None = None) -> int:
        calls = self.fake.calls
        for call in calls[self.seen:]:
            text = call.params.get("text", "") if call.method == "sendMessage" else ""
            if "You win" in text or "wins the pot" in text or "split" in text:
                self.count += 1
                chat = int(call.params["chat_id"])
                self.per_chat[chat] = self.per_chat.get(chat, 0) + 1
        self.seen = len(calls)
        return self.count if chat_id is None else self.per_chat.get(chat_id, 0)


def _sends(calls, chats: set[int]) -> tuple[int, int, int]:
    """(posting calls, messages they carried, edits) into `chats`."""
    posts = messages = edits = 0
    for call in calls:
        if call.answered_error or int(call.params.get("chat_id", 0)) not in chats:
            continue
        method = call.method.lower()
        if method in SENDS:
            posts += 1
            ids = call.params.get("message_ids")
            messages += len(ids) if isinstance(ids, list) else 1
        elif method.startswith("edit"):
            edits += 1
    return posts, messages, edits


async def _quiet(fake, seconds: float = 0.5) -> None:
    """Wait until the bot has made no call for `seconds`."""
    while True:
        seen = len(fake.calls)
        await asyncio.sleep(seconds)
        if len(fake.calls) == seen:
            return


async def _group_duel(fake, creator: int, joiner: int) -> tuple:
    from botharness import find_button

    fake.group(GROUP, "Bench club")
    fake.set_member(GROUP, creator, "administrator")
    fake.set_member(GROUP, joiner, "member")
    fake.bot_status(GROUP, "member", by=creator)
    fake.send_text(creator, "/ludice on", chat_id=GROUP, chat_type="supergroup")
    await fake.wait_for(lambda: any("Play is on" in t for t in fake.texts(GROUP)), 30)
    await _quiet(fake)
    start = len(fake.calls)
    fake.send_text(creator, f"/duel {BET}", chat_id=GROUP, chat_type="supergroup")
    card_id, data = await fake.wait_for(lambda: find_button(fake, GROUP, "gj:"), 30)
    fake.script_dice(5, 2)
    fake.press(joiner, data, message_id=card_id, chat_id=GROUP)
    await fake.wait_for(lambda: any(" wins " in t or "split the pot" in t
                                    for t in fake.texts(GROUP)), 30)
    await _quiet(fake)
    return _sends(fake.calls[start:], {GROUP})


async def _duels(n_duels: int, pairs: int, rate: float) -> dict[str, float]:
    from botharness import FakeTelegram

    out: dict[str, float] = {}
    users = 2 * pairs + 6
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        _seed(path, users, {"reveal_delay_seconds": "0", "throttle_seconds": "0",
                            "welcome_bonus": "0"})
        empty = _vacuumed_size(path, prune=True)
        empty_unpruned = _vacuumed_size(path, prune=False)
        stats = Path(tmp) / "gc.json"
        async with FakeTelegram() as fake:
            results = _Counter(fake)
            bot = subprocess.Popen(
                [sys.executable, __file__, "--bot-process", str(stats), "--", "run", "--db",
                 str(path), "--token", fake.token, "--api-url", fake.base_url,
                 "--log-level", "WARNING"], stdout=subprocess.DEVNULL)
            try:
                # Warm-up: pydantic builds its validators on first use, seconds of CPU.
                for uid in (users - 1, users):
                    fake.send_text(uid, f"/dice {BET}")
                await fake.wait_for(lambda: results() >= 2, timeout=120)
                await _quiet(fake)

                a, b = users - 3, users - 2
                fake.script_dice(5, 2)  # no tie: a tie-break adds its own messages
                start = len(fake.calls)
                fake.send_text(a, f"/dice {BET + 1}")
                await fake.wait_for(lambda: any("Waiting" in t for t in fake.texts(a)), 30)
                fake.send_text(b, f"/dice {BET + 1}")
                await fake.wait_for(lambda: results() >= 4, timeout=30)
                await _quiet(fake)
                posts, carried, edits = _sends(fake.calls[start:], {a, b})
                out |= {"private_sends": posts, "private_messages": carried,
                        "private_edits": edits}
                posts, carried, edits = await _group_duel(fake, users - 5, users - 4)
                out |= {"group_posts": posts, "group_messages": carried, "group_edits": edits}

                done = results()
                cpu, window = _cpu_seconds(bot.pid), time.monotonic()
                loop_cpu, calls_before = _cpu_seconds(bot.pid, bot.pid), len(fake.calls)
                per_pair = max(1, n_duels // pairs)
                gap = pairs / rate  # each pair starts a duel this often: `rate` duels/s

                async def pair(x: int, y: int, offset: float) -> None:
                    await asyncio.sleep(offset)
                    for played in range(1, per_pair + 1):
                        began = time.monotonic()
                        fake.send_text(x, f"/dice {BET + x}")
                        fake.send_text(y, f"/dice {BET + x}")
                        await fake.wait_for(lambda n=played: results(x) >= n <= results(y),
                                            timeout=600)
                        await asyncio.sleep(max(0.0, gap - (time.monotonic() - began)))

                # Duels start at `rate` a second, below what Telegram lets a bot send (30
                # messages/s), so both versions run the same wall time and the figure is CPU
                # per duel, not a pacer's queue; each pair plays its duels one after another.
                await asyncio.gather(*(pair(2 * i + 1, 2 * i + 2, i / rate)
                                       for i in range(pairs)))
                await fake.wait_for(lambda: results() >= done + 2 * pairs * per_pair, 600)
                await _quiet(fake)
                played = pairs * per_pair
                out["cpu_ms_per_duel"] = 1000 * (_cpu_seconds(bot.pid) - cpu) / played
                # The event loop's thread (the main one) against the database threads (the
                # writer's and the read lanes'), and every Bot API call in the window.
                loop_ms = 1000 * (_cpu_seconds(bot.pid, bot.pid) - loop_cpu) / played
                out["cpu_ms_per_duel_loop"] = loop_ms
                out["cpu_ms_per_duel_other_threads"] = out["cpu_ms_per_duel"] - loop_ms
                out["bot_api_calls_per_duel"] = (len(fake.calls) - calls_before) / played
            finally:
                bot.send_signal(signal.SIGTERM)
                bot.wait(60)
        noted = json.loads(stats.read_text())["pauses"] if stats.exists() else []
        pauses = [took for ended, took in noted if ended >= window]  # during the duels
        out["gc_full_collections"] = len(pauses)
        out["gc_max_pause_ms"] = 1000 * max(pauses, default=0.0)
        settled = sqlite3.connect(path).execute(
            "SELECT count(*) FROM lobbies WHERE status = 'settled' AND chat_id IS NULL"
        ).fetchone()[0]
        for suffix, grown, before in (("", _vacuumed_size(path, prune=True), empty),
                                      ("_unpruned", _vacuumed_size(path, prune=False),
                                       empty_unpruned)):
            out[f"db_bytes_per_private_duel{suffix}"] = (grown[0] - before[0]) / settled
            out[f"db_file_bytes_per_private_duel{suffix}"] = (grown[1] - before[1]) / settled
    return out


def _open_lobbies(path: Path, n: int) -> None:
    from ludice import db, games
    from ludice import settings as game_settings

    _seed(path, n, {"lobby_ttl_seconds": str(7 * 86_400), "max_bet": str(10**6),
                    "welcome_bonus": "0"})
    conn = db.open_db(path)
    current = game_settings.load(conn)
    now = int(time.time())
    with db.transaction(conn):
        for uid in range(1, n + 1):  # a bet each, so nobody is matched
            games.enter(conn, uid, "dice", BET + uid, settings=current, now=now)
    conn.close()


async def _startup(n_lobbies: int) -> dict[str, float]:
    from botharness import FakeTelegram

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lobbies.db"
        stats = Path(tmp) / "stats.json"
        _open_lobbies(path, n_lobbies)
        async with FakeTelegram() as fake:
            began = time.monotonic()
            bot = subprocess.Popen(
                [sys.executable, __file__, "--bot-process", str(stats), "--", "run", "--db",
                 str(path), "--token", fake.token, "--api-url", fake.base_url,
                 "--log-level", "INFO"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                first = await fake.wait_for(lambda: next(
                    (c for c in fake.calls if c.method.lower() == "getupdates"), None), 120)
            finally:
                bot.send_signal(signal.SIGTERM)
                _out, err = bot.communicate(timeout=60)
        imported_at = json.loads(stats.read_text())["imported_at"]
    return {"startup_s": first.at - began, "import_s": imported_at - began,
            "startup_minus_import_s": first.at - imported_at,
            "startup_log_lines": len(err.splitlines())}


def main() -> None:
    if sys.argv[1:2] == ["--bot-process"]:
        _bot_process(sys.argv[2], sys.argv[4:])
        return
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--duels", type=int, default=120)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--rate", type=float, default=3.0, help="duels started per second")
    parser.add_argument("--lobbies", type=int, default=10_000)
    args = parser.parse_args()
    figures = asyncio.run(_duels(args.duels, args.pairs, args.rate))
    if args.lobbies:
        figures |= asyncio.run(_startup(args.lobbies))
    _report(figures)


if __name__ == "__main__":
    main()
