"""One bot per database: a second bot is refused with one line naming the first, and allowed
once the first stops or dies; `ludice run` at a bad path says what is wrong in one line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from botharness import FakeTelegram, prepare_db, start_bot

from ludice import instance
from ludice.bot.app import Application
from ludice.config import Config


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUDICE_")}
    env.update(extra)
    return env


async def _ludice(*args: str, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ludice", *args, env=_env(**env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


def _errors(stderr: bytes) -> list[str]:
    text = stderr.decode()
    assert "Traceback" not in text, text
    return [line for line in text.splitlines() if line.startswith("error:")]


def test_the_lock_names_its_holder_and_goes_with_it(tmp_path):
    db_path = tmp_path / "x.db"
    assert instance.holder(db_path) is None
    with instance.hold(db_path, api_url="http://api") as me:
        assert instance.lock_path(db_path) == tmp_path / "x.db.lock"
        seen = instance.holder(db_path)
        assert seen is not None and (seen.pid, seen.api_url) == (os.getpid(), "http://api")
        with pytest.raises(instance.InstanceError) as refused, instance.hold(db_path):
            pass
        assert f"pid {me.pid}, started " in str(refused.value)
        assert str(refused.value).endswith("UTC); one bot per database")
    assert instance.holder(db_path) is None  # the file stays; the lock does not
    with instance.hold(db_path):
        pass


async def test_a_second_application_is_refused_until_the_first_stops(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path)
        second = Application(Config(token=fake.token, db_path=db_path, api_url=fake.base_url))
        with pytest.raises(instance.InstanceError, match=f"pid {os.getpid()}"):
            await second.setup()
        assert second.store is None and second.bot is None  # nothing opened, nothing to close
        await first.stop()
        third = await start_bot(fake, db_path)
        await third.stop()


async def test_a_second_ludice_run_is_refused_and_a_killed_one_leaves_no_lock(tmp_path):
    db_path = tmp_path / "bot.db"
    args = ("run", "--db", str(db_path))
    async with FakeTelegram() as fake:
        env = {"LUDICE_TOKEN": fake.token, "LUDICE_API_URL": fake.base_url}
        first = await _ludice(*args, **env)
        procs = [first]
        try:
            await fake.wait_for(lambda: fake.sent(method="getUpdates"), timeout=20)
            second = await _ludice(*args, **env)
            procs.append(second)
            _, err = await asyncio.wait_for(second.communicate(), 20)
            assert second.returncode == 1
            [line] = _errors(err)
            assert line.startswith(f"error: database {db_path} is already served by ludice "
                                   f"(pid {first.pid}, started 20")
            assert "UTC); one bot per database" in line

            first.kill()  # SIGKILL: no clean-up runs; the kernel drops the lock
            await first.wait()
            # A long poll is recorded only when answered: count the polls begun instead.
            polls = fake.updates.polls
            third = await _ludice(*args, **env)
            procs.append(third)
            await fake.wait_for(lambda: fake.updates.polls > polls, timeout=20)
            assert third.returncode is None
            third.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(third.communicate(), 10)
            assert third.returncode == 0 and _errors(err) == []
        finally:
            for proc in procs:
                if proc.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    await proc.wait()


def _run_at(db: str, *prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "ludice", "run", "--token", "1:x",
                           "--api-url", "http://127.0.0.1:9", "--db", db],
                          env=_env(PYTHONPATH=os.getcwd()), capture_output=True, text=True,
                          timeout=60)


def test_run_at_a_missing_folder_is_one_line(tmp_path):
    db = str(tmp_path / "no" / "such" / "x.db")
    proc = _run_at(db)
    assert proc.returncode == 1
    assert _errors(proc.stderr.encode()) == [
        f"error: cannot use database {db}: folder {tmp_path / 'no' / 'such'} does not exist"]
    assert proc.stderr.count("\n") == 1


def _in_mount(tmp_path: Path, options: str, db_name: str) -> subprocess.CompletedProcess[str]:
    """`ludice run` with its folder on a tmpfs of its own (`options`), in a private mount
    namespace: a real read-only or full file system without touching the machine's."""
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("user and mount namespaces are not available here (unshare -rm)")
    folder = tmp_path / "mnt"
    folder.mkdir()
    db = folder / db_name
    script = (f"mount -t tmpfs -o {options} tmpfs {folder} && exec \"$@\"")
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", sys.executable, "-m", "ludice", "run",
         "--token", "1:x", "--api-url", "http://127.0.0.1:9", "--db", str(db)],
        env=_env(PYTHONPATH=str(Path(__file__).resolve().parent.parent)),
        capture_output=True, text=True, timeout=60)


def test_run_in_a_read_only_folder_is_one_line(tmp_path):
    proc = _in_mount(tmp_path, "ro,size=64k", "x.db")
    assert proc.returncode == 1
    folder = tmp_path / "mnt"
    assert _errors(proc.stderr.encode()) == [
        f"error: cannot use database {folder / 'x.db'}: folder {folder} is not writable"]


def test_run_on_a_full_disk_is_one_line(tmp_path):
    proc = _in_mount(tmp_path, "size=48k", "x.db")
    assert proc.returncode == 1
    assert _errors(proc.stderr.encode()) == [
        f"error: cannot use database {tmp_path / 'mnt' / 'x.db'}: database or disk is full"]
