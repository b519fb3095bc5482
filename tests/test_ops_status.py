"""`ludice status` against a running and a stopped bot, /status for admins only, and settings
that the running bot follows (intervals of its periodic jobs)."""

from __future__ import annotations

import json
import os
import re
import sqlite3

from botharness import FakeClock, FakeTelegram, accept_terms, prepare_db, settle, start_bot
from typer.testing import CliRunner

from ludice import cli, db, status
from ludice import settings as game_settings


def _status(db_path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["status", "--db", str(db_path), *extra])
    return result.exit_code, result.stdout


async def test_status_of_a_running_then_stopped_bot(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    async with FakeTelegram() as fake:
        bot = await start_bot(fake, db_path)
        try:
            await accept_terms(fake, 1, "Alice")
            fake.send_text(1, "/dice 30")
            await fake.wait_text(1, "Waiting for an opponent")
            await settle(bot)
            await bot.app.jobs.tick()  # the heartbeat the scheduler writes every few seconds
            code, out = _status(db_path, "--json")
            figures = json.loads(out)
            assert code == 0, out
            assert figures["running"] is True and figures["ok"] is True
            assert figures["pid"] == os.getpid() and figures["api_server"] == fake.base_url
            assert figures["updates_last_hour"] == 3  # /start, the Accept button, /dice 30
            assert figures["errors_last_hour"] == 0
            assert figures["last_update_id"] is not None
            assert figures["lobbies_open"] == 1 and figures["lobbies_rolling"] == 0
            assert figures["outbox_waiting"] == 0 and figures["refunds_pending"] == 0
            assert figures["audit_problems"] == 0 and figures["last_backup"] is None
            code, out = _status(db_path)
            assert code == 0
            lines = dict(line.split(None, 1) for line in out.splitlines())
            assert lines["running"] == f"yes, pid {os.getpid()}"
            # the CLI is another process reading the wall clock: a busy machine adds seconds
            assert re.search(r"UTC \(\d+ s ago\)$", lines["heartbeat"]), lines["heartbeat"]
            assert lines["last_audit"].startswith("clean at 20")
            assert lines["status"] == "ok"
        finally:
            await bot.stop()
    code, out = _status(db_path, "--json")
    figures = json.loads(out)
    assert code == 1
    assert figures["running"] is False and figures["pid"] == os.getpid()
    assert figures["problems"] == ["no bot is running on this database"]
    assert figures["updates_last_hour"] == 3  # what the last run saw
    code, out = _status(db_path)
    assert code == 1 and out.splitlines()[-1].endswith("no bot is running on this database")


def test_a_stale_heartbeat_and_a_failed_audit_are_problems(tmp_path, db_path):
    conn = db.open_current(db_path)
    vitals = status.Vitals(lambda: 1_800_000_000)
    with db.transaction(conn):
        status.started(conn, status.instance.Holder(pid=4242, started_at=1_800_000_000), 0)
        status.beat(conn, vitals, 1_800_000_000)
        status.audited(conn, ["balances sum to 3, not 0"], 1_800_000_000)
    with status.instance.hold(db_path):  # as if that bot held it
        report = status.report(conn, db_path, 1_800_000_000 + status.STALE_AFTER + 1)
    conn.close()
    assert report["ok"] is False
    assert report["problems"] == [
        f"the bot (pid {os.getpid()}) has written no heartbeat for {status.STALE_AFTER + 1} s",
        "the last ledger audit found 1 problem(s): balances sum to 3, not 0"]


def test_vitals_count_the_last_hour_only():
    clock = FakeClock()
    vitals = status.Vitals(clock)
    for update_id in range(5):
        vitals.update(update_id)
    clock.advance(1800)
    vitals.update(9)
    vitals.emit(None)  # an ERROR line
    assert vitals.last_hour() == (6, 1)
    assert (vitals.last_update_id, vitals.last_update_at) == (9, int(clock.now))
    clock.advance(1860)
    assert vitals.last_hour() == (1, 1)
    clock.advance(3600)
    assert vitals.last_hour() == (0, 0)


async def test_status_in_telegram_answers_admins_only(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    async with FakeTelegram() as fake:
        bot = await start_bot(fake, db_path, admins=frozenset({1}))
        try:
            await accept_terms(fake, 1, "Alice")
            await accept_terms(fake, 2, "Боб", lang="ru")
            fake.send_text(1, "/status")
            text = await fake.wait_text(1, "ludice is healthy")
            assert f"Bot: pid {os.getpid()}, version " in text
            assert "Updates in the last hour: " in text and "Last audit: clean, " in text
            assert "Last backup: never" in text
            fake.send_text(2, "/status")
            assert await fake.wait_text(2, "Не понял") == (
                "Не понял. Воспользуйтесь меню ниже или /help.")
            assert not any("ludice" in t for t in fake.texts(2)[-1:])
        finally:
            await bot.stop()


async def test_interval_settings_are_followed_while_the_bot_runs(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    async with FakeTelegram() as fake:
        bot = await start_bot(fake, db_path)
        try:
            scheduler = bot.app.jobs.scheduler

            def every(job_id: str) -> float:
                return scheduler.get_job(job_id).trigger.interval.total_seconds()

            assert (every("sweep"), every("reconcile")) == (30, 3600)
            raw = db.open_current(db_path)  # what `ludice settings set` does
            with db.transaction(raw):
                game_settings.set_value(raw, "sweep_interval_seconds", "7", 0)
                game_settings.set_value(raw, "reconcile_interval_seconds", "120", 0)
            raw.close()
            await bot.app.jobs.tick()
            assert (every("sweep"), every("reconcile")) == (7, 120)
        finally:
            await bot.stop()


def test_the_heartbeat_table_keeps_one_row(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute("INSERT INTO heartbeat (id, pid, version, started_at, beat_at)"
                " VALUES (1, 1, 'x', 0, 0)")
    try:
        raw.execute("INSERT INTO heartbeat (id, pid, version, started_at, beat_at)"
                    " VALUES (2, 1, 'x', 0, 0)")
    except sqlite3.IntegrityError:
        pass
    else:
        raise AssertionError("a second heartbeat row was accepted")
    finally:
        raw.close()
