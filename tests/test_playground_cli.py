"""`ludice playground` as a person runs it: a real process that prints its URL, opens the
browser, serves the page, and stops cleanly on Ctrl-C; and a kept database that brings the
same world back after a restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from ludice.playground.cast import GROUP_ID
from ludice.playground.server import Playground, PlaygroundOptions

ALICE = 1001
FAST = {"reveal_delay_seconds": "0.05", "throttle_seconds": "0"}


def start_cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None
              ) -> subprocess.Popen:
    full_env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1",
                "LUDICE_LOG_LEVEL": "WARNING", **(env or {})}
    full_env.pop("LUDICE_DB", None)
    return subprocess.Popen([sys.executable, "-m", "ludice", "playground", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env, cwd=tmp_path)


def read_url(process: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("ludice playground: "):
            return line.split()[2]
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"no URL printed; stderr: {process.stderr.read()}")


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out, err


def test_importing_the_cli_loads_neither_aiogram_nor_aiohttp():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, ludice.cli; print(sorted({m.split('.')[0] for m in"
         " sys.modules} & {'aiogram', 'aiohttp', 'ludice.playground'}))"],
        capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


@pytest.mark.slow
async def test_the_command_serves_the_page_opens_the_browser_and_stops_on_ctrl_c(tmp_path):
    opened = tmp_path / "opened.txt"
    # webbrowser runs $BROWSER with the URL in place of %s
    process = start_cli(tmp_path, env={"BROWSER": f"sh -c 'echo %s > {opened}'"})
    url = read_url(process)
    assert url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as page:
            assert page.status == 200 and "ludice playground" in await page.text()
        async with session.ws_connect(url + "ws") as ws:
            snapshot = json.loads((await ws.receive()).data)
            assert [p["name"] for p in snapshot["personas"]] == ["Alice", "Boris", "Carol"]
            await ws.send_str(json.dumps({"type": "send_text", "persona": ALICE,
                                          "chat": ALICE, "text": "/start"}))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                event = json.loads((await ws.receive()).data)
                if event["type"] == "message" and event["message"]["from"]["is_bot"] and (
                        event["message"]["chat_id"] == ALICE):
                    break
            assert "accept the terms" in event["message"]["text"]
    for _ in range(100):
        if opened.exists():
            break
        time.sleep(0.05)
    assert opened.read_text().strip() == url
    temp_dirs = list(tmp_path.glob("ludice-playground-*"))
    assert len(temp_dirs) == 1 and (temp_dirs[0] / "ludice.db").exists()
    out, err = stop(process)
    assert "ludice playground stopped" in out
    assert "Traceback" not in err
    assert list(tmp_path.glob("ludice-playground-*")) == []  # the temporary database is gone


@pytest.mark.slow
def test_any_other_host_is_warned_about(tmp_path):
    process = start_cli(tmp_path, "--host", "0.0.0.0", "--no-browser", "--db",
                        str(tmp_path / "kept.db"))
    read_url(process)
    _, err = stop(process)
    assert "the page has no login" in err
    assert (tmp_path / "kept.db").exists()  # --db is kept


def test_bad_options_are_one_line_errors(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ludice", "playground", "--log-level", "LOUD",
                           "--no-browser"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: unknown log level 'LOUD'; use DEBUG, INFO, WARNING " \
                                  "or ERROR"


async def _say_and_wait(playground: Playground, user_id: int, chat_id: int, text: str,
                        contains: str) -> None:
    em = playground.emulator
    before = len(em.texts(chat_id))
    em.say(user_id, chat_id, text)
    for _ in range(500):
        if any(contains in t for t in em.texts(chat_id)[before:]):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {contains!r} in {em.texts(chat_id)[before:]}")


async def test_a_kept_database_brings_the_same_world_back(tmp_path):
    options = PlaygroundOptions(db_path=tmp_path / "kept.db", settings=FAST, polling_timeout=1,
                                drain_seconds=3)
    first = Playground(options)
    await first.start()
    try:
        await first.cast.add_persona("Dmitri", "ru")
        dmitri = max(first.cast.personas)
        for user_id in (ALICE, dmitri):
            first.emulator.say(user_id, user_id, "/start")
            await _wait(lambda u=user_id: _button(first, u, "terms"))
            chat, message_id = _button(first, user_id, "terms")
            first.emulator.press_button(user_id, chat, message_id, "terms")
            await _wait(lambda u=user_id: first.cast.accounts.get(u, {}).get("registered"))
        await _say_and_wait(first, dmitri, GROUP_ID, "/duel 20", "challenge #1")
        card_id = max(m for (c, m) in first.emulator.messages if c == GROUP_ID)
    finally:
        await first.stop()

    second = Playground(options)
    await second.start()
    try:
        cast = second.cast
        assert [(p.name, p.lang) for p in cast.personas.values()] == [
            ("Alice", "en"), ("Boris", "ru"), ("Carol", "en"), ("Dmitri", "ru")]
        assert second.emulator.in_chat(GROUP_ID, dmitri)
        await _wait(lambda: cast.accounts.get(dmitri))
        assert cast.accounts[dmitri]["credits"] == 80  # 20 in the open challenge
        assert cast.accounts[ALICE]["credits"] == 100
        # the bot knows it is in the group with play on: no second greeting, no "/ludice on"
        await _say_and_wait(second, ALICE, GROUP_ID, "/help", "/duel")
        texts = [m.get("text", "") for m in second.emulator.chat_messages(GROUP_ID)]
        assert not any("I stay quiet" in t for t in texts) and "/ludice on" not in texts
        assert not any("my_chat_member" in u for u in second.emulator.pushed)
        # the bot may write to the players who wrote to it before the restart
        sent = await second.emulator.call("sendMessage", {"chat_id": dmitri, "text": "hi"})
        assert sent["ok"], sent
        # new messages never reuse the id of the card the database remembers
        assert min(m for (c, m) in second.emulator.messages if c == GROUP_ID) > card_id
    finally:
        await second.stop()


def _button(playground: Playground, chat_id: int, data: str) -> tuple[int, int] | None:
    for (chat, message_id), message in sorted(playground.emulator.messages.items()):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if chat == chat_id and any(b.get("callback_data") == data for r in rows for b in r):
            return chat, message_id
    return None


async def _wait(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
    return value
