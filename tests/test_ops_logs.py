"""Log lines: UTC ISO-8601 times, JSON with every extra field, no line per update or per
scheduler run at INFO, settled duels with their ids, and a 409 Conflict said once."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from datetime import datetime

import pytest
from botharness import FakeTelegram, accept_terms, prepare_db, running_bot, settle

from ludice.bot.app import Application
from ludice.config import Config
from ludice.logs import configure_logging


@pytest.fixture
def logged():
    """configure_logging into a buffer; the root logger is put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()

    def setup(level: str, fmt: str) -> io.StringIO:
        configure_logging(level, fmt, stream=buffer)
        return buffer

    yield setup
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_text_lines_carry_a_utc_time_level_logger_and_message(logged):
    out = logged("INFO", "text")
    logging.getLogger("ludice.scheduler").info("lobby %s expired", 7, extra={"lobby_id": 7})
    line = out.getvalue().rstrip("\n")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ludice\.scheduler: "
                        r"lobby 7 expired", line), line


def test_json_lines_carry_iso_utc_times_and_every_extra_field(logged):
    out = logged("INFO", "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("ludice").error("update %s failed", 5, exc_info=True,
                                          extra={"update_id": 5, "user_id": 1, "ids": [1, 2]})
    entry = json.loads(out.getvalue())
    assert entry["level"] == "ERROR" and entry["logger"] == "ludice"
    assert entry["message"] == "update 5 failed"
    assert (entry["update_id"], entry["user_id"], entry["ids"]) == (5, 1, [1, 2])
    assert entry["time"].endswith("Z")
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_per_update_and_per_job_lines_are_debug(logged, level, shown):
    out = logged(level, "text")
    logging.getLogger("aiogram.event").info("Update id=1 is handled.")
    logging.getLogger("apscheduler.executors.default").info('Running job "sweep"')
    logging.getLogger("aiogram.dispatcher").info("Start polling")
    lines = out.getvalue().splitlines()
    assert any("Start polling" in line for line in lines)
    chatty = [line for line in lines if "Update id=1" in line or "Running job" in line]
    assert len(chatty) == (2 if shown else 0)
    assert all(" DEBUG " in line for line in chatty)


async def test_a_settled_duel_is_one_info_line_with_its_ids(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(6, 1)
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(2, "/dice 30")
        await fake.wait_text(1, "You win")
        await settle(bot)
    [settled] = [r for r in caplog.records if r.name == "ludice.duels"]
    assert settled.levelno == logging.INFO
    assert settled.getMessage() == "lobby 1 settled: dice pot 60, won by 1, house fee 0"
    assert (settled.lobby_id, settled.winners, settled.pot) == (1, [1], 60)
    per_update = [r for r in caplog.records if r.name == "aiogram.event"]
    assert per_update  # aiogram logs every update at INFO: our handler makes them DEBUG


async def test_a_409_conflict_is_said_once_and_polling_goes_on(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    async with FakeTelegram() as fake:
        fake.fail_next("getUpdates", error_code=409, times=4)
        app = Application(Config(token=fake.token, db_path=db_path, api_url=fake.base_url,
                                 polling_timeout=1), conflict_wait=0.01)
        await app.setup()
        task = asyncio.create_task(app.serve(handle_signals=False))
        try:
            fake.send_text(1, "/start")
            await fake.wait_text(1, "Before you play")
        finally:
            await app.stop()
            await asyncio.wait_for(task, 10)
    conflicts = [r for r in caplog.records
                 if r.name.startswith("ludice") and "409 Conflict" in r.getMessage()]
    said = [r for r in conflicts if r.levelno >= logging.INFO]
    assert len(said) == 1 and said[0].levelno == logging.ERROR
    assert "another process is polling this bot token" in said[0].getMessage()
    assert len(conflicts) == 4  # the other three at DEBUG
    assert not [r for r in caplog.records if r.name == "aiogram.dispatcher"
                and "Failed to fetch updates" in r.getMessage()]
    assert any("polling again" in r.getMessage() for r in caplog.records)
