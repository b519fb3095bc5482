"""End to end: stopping and starting. Duels caught mid-way are finished, lobbies that expired
while the bot was down are refunded, a failed duel is picked up again, and `ludice run` starts
and stops like a well-behaved process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

from botharness import (
    FakeClock,
    FakeTelegram,
    Gate,
    accept_terms,
    prepare_db,
    running_bot,
    settle,
    start_bot,
)

from ludice import db, ledger


def _audit(path: Path) -> list[str]:
    conn = db.open_db(path)
    try:
        return ledger.audit(conn)
    finally:
        conn.close()


async def _players_in_a_duel(bot) -> None:
    fake = bot.fake
    await accept_terms(fake, 1, "Alice")
    await accept_terms(fake, 2, "Bob")
    fake.send_text(1, "/dice 30")
    await fake.wait_text(1, "Waiting for an opponent")
    fake.send_text(2, "/dice 30")


async def test_a_duel_cut_off_by_a_stop_is_finished_at_the_next_start(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock, drain_seconds=0.2)
        fake.script_dice(5, 3)
        # both dice land in Bob's chat and are recorded; showing them to Alice hangs, and
        # the bot stops before the result (a die asked for and never recorded calls the
        # duel off instead: tests/test_crash_dice.py)
        gate = Gate(fake, "forwardMessages")
        await _players_in_a_duel(first)
        await asyncio.wait_for(gate.reached.wait(), 5)
        await first.stop()  # the drain gives up on the hanging roll: a stop mid-duel
        assert first.sql("SELECT status, round FROM lobbies") == [("rolling", 1)]
        assert first.sql("SELECT user_id, value FROM rolls ORDER BY user_id") == [(1, 5), (2, 3)]
        assert first.balance(-2) == 60 and _audit(db_path) == []
        gate.fail("Bad Gateway", 502)  # the cut-off request dies with the old process
        gate.close()
        starts = sum("Duel #1" in t for t in fake.texts(1))
        results = len(fake.texts(1)), len(fake.texts(2))

        second = await start_bot(fake, db_path, clock)
        try:
            win = await fake.wait_text(1, "You win")
            await fake.wait_text(2, "wins the pot")
            await settle(second)
            assert "Alice 5 vs Bob 3" in win
            assert second.sql("SELECT user_id, value FROM rolls ORDER BY user_id") == [
                (1, 5), (2, 3)]  # the recorded rolls kept, none rolled again
            assert second.sql("SELECT status FROM lobbies") == [("settled",)]
            assert second.balance(1) == 130 and second.balance(2) == 70
            assert second.balance(-2) == 0
            assert len(fake.sent(2, "sendDice")) == 2  # no die rolled a second time
            assert sum("Duel #1" in t for t in fake.texts(1)) == starts  # not announced again
            assert len(fake.texts(1)) == results[0] + 1 and len(fake.texts(2)) == results[1] + 1
        finally:
            await second.stop()
    assert _audit(db_path) == []


async def test_a_lobby_that_expired_while_the_bot_was_down_is_refunded_at_start(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"lobby_ttl_seconds": "60"})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        await settle(first)
        await first.stop()
        clock.advance(3600)
        second = await start_bot(fake, db_path, clock)
        try:
            text = await fake.wait_text(1, "Nobody joined lobby #1")
            assert "Balance: 100" in text
            await settle(second)
            assert second.sql("SELECT status FROM lobbies") == [("expired",)]
            assert second.balance(1) == 100 and second.balance(-2) == 0
        finally:
            await second.stop()
    assert _audit(db_path) == []


async def test_a_lobby_still_open_at_restart_gets_its_expiry_job_back(tmp_path):
    clock = FakeClock()
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"lobby_ttl_seconds": "60"})
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        await first.stop()
        second = await start_bot(fake, db_path, clock)
        try:
            job = second.app.jobs.scheduler.get_job("expiry")
            assert job is not None and job.misfire_grace_time is None
            assert job.next_run_time.timestamp() == clock.now + 60
            assert second.sql("SELECT status FROM lobbies") == [("open",)]
        finally:
            await second.stop()


async def test_a_die_lost_to_a_server_error_calls_the_duel_off(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.script_dice(2, 4)
        gate = Gate(fake, "sendDice", skip=1)
        await _players_in_a_duel(bot)
        await asyncio.wait_for(gate.reached.wait(), 5)
        # Telegram may have rolled Bob's die before the 500: rolling again would show him a
        # second die. The duel is called off instead, every stake back.
        gate.fail()
        for user_id in (1, 2):
            told = await fake.wait_text(user_id, "Duel #1 was called off")
            assert "nobody can be sure which die counts" in told and "30 credits are back" in told
        gate.close()
        await bot.app.jobs.sweep()  # nothing left to resume
        await settle(bot)
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [
            ("cancelled", "telegram_error")]
        assert bot.sql("SELECT user_id FROM rolls") == [(1,)]
        assert [c.params["chat_id"] for c in fake.calls if c.method == "sendDice"] == [
            2, 2]  # Bob's die was never asked for a second time
        # Alice's die, rolled in Bob's chat, still reached her
        assert len(fake.sent(1, "forwardMessages")) == 1
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0


# --- `ludice run` as a real process --------------------------------------------------------

def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUDICE_")}
    env.update(extra)
    return env


async def _ludice(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ludice", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_ludice_run_serves_and_stops_on_sigterm(tmp_path):
    db_path = tmp_path / "bot.db"
    async with FakeTelegram() as fake:
        proc = await _ludice("run", "--token", fake.token, "--db", str(db_path),
                             "--api-url", fake.base_url,
                             env=_env(LUDICE_LOG_FORMAT="json", LUDICE_LOG_LEVEL="INFO"))
        try:
            await fake.wait_for(lambda: fake.sent(method="getUpdates"), timeout=20)
            menus = fake.sent(method="setMyCommands")
            # English (default) and Russian, each for private chats and for groups
            assert len(menus) == 4
            private = [m for m in menus if "scope" not in m.params]
            groups = [m for m in menus if m.params.get("scope") == {"type": "all_group_chats"}]
            commands = [c["command"] for c in private[0].params["commands"]]
            assert commands == ["start", "play", "house", "profile", "topup", "bonus",
                                "history", "leave", "top", "limits", "help", "privacy",
                                "paysupport",
                                "game"]
            assert private[1].params["language_code"] == "ru"
            assert [c["command"] for c in groups[0].params["commands"]] == [
                "duel", "top", "ludice", "help"]
            assert groups[1].params["language_code"] == "ru"
            fake.send_text(1, "/start")
            await fake.wait_text(1, "Before you play, please accept the terms")
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 5)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, err.decode()
    lines = err.decode().splitlines()
    assert "Traceback" not in err.decode()
    assert lines[0].startswith("ludice: database")
    records = [json.loads(line) for line in lines[1:]]  # --log-format json: one object a line
    assert any("running as @ludice_test_bot" in r["message"] for r in records)
    assert _audit(db_path) == []


async def test_ludice_run_with_a_rejected_token_says_so_in_one_line(tmp_path):
    async with FakeTelegram() as fake:
        proc = await _ludice("run", "--db", str(tmp_path / "bot.db"),
                             env=_env(LUDICE_TOKEN="999:WRONG", LUDICE_API_URL=fake.base_url))
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 20)
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
    assert proc.returncode == 1
    text = err.decode()
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert errors == ["error: Telegram rejected the bot token (check LUDICE_TOKEN)"]
    assert [c.method for c in fake.calls] == ["getMe"]


async def test_ludice_run_without_a_token(tmp_path):
    proc = await _ludice("run", "--db", str(tmp_path / "bot.db"), env=_env())
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 1
    assert err.decode().strip().splitlines() == [
        "error: no bot token: pass --token or set LUDICE_TOKEN (ask @BotFather for one)"]
    assert not (tmp_path / "bot.db").exists()
