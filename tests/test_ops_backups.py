"""Automatic backups (taken when due by the bot's clock, rotated, never blocking play) and
`ludice db restore` (refused while a bot serves the database; checks what it restores; keeps
the replaced file; brings a game back)."""

from __future__ import annotations

import sqlite3

import pytest
from botharness import FakeClock, FakeTelegram, accept_terms, prepare_db, settle, start_bot
from typer.testing import CliRunner

from ludice import backups, cli, db, schema
from ludice import settings as game_settings
from ludice.errors import StoreError

DAY = 86400


def _set(path, **values: str) -> None:
    conn = db.open_current(path)
    try:
        with db.transaction(conn):
            for key, value in values.items():
                game_settings.set_value(conn, key, value, 0)
    finally:
        conn.close()


def _cli(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    return result.exit_code, result.output + (str(result.exception or "") if
                                              result.exit_code else "")


async def test_backups_are_taken_when_due_and_rotated_by_the_bots_clock(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"backup_keep": "3"})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        bot = await start_bot(fake, db_path, clock)
        try:
            jobs, folder = bot.app.jobs, tmp_path / "backups"
            first = await jobs.backup_if_due()
            assert first is not None and first.path.parent == folder
            assert first.taken_at == int(clock.now)
            assert await jobs.backup_if_due() is None  # not due again yet
            clock.advance(DAY - 1)
            assert await jobs.backup_if_due() is None
            taken = [first.path.name]
            for _ in range(4):
                clock.advance(DAY)
                backup = await jobs.backup_if_due()
                assert backup is not None
                taken.append(backup.path.name)
            kept = backups.listing(folder)
            assert [b.path.name for b in kept] == taken[:-4:-1]  # the newest three
            assert kept[0].taken_at == int(clock.now)
            assert sorted(p.name for p in folder.iterdir()) == sorted(taken[-3:])

            _set(db_path, backup_interval_hours="0")  # followed at once: off
            clock.advance(30 * DAY)
            assert await jobs.backup_if_due() is None
            _set(db_path, backup_interval_hours="1", backup_dir="elsewhere", backup_keep="1")
            moved = await jobs.backup_if_due()
            assert moved is not None and moved.path.parent == tmp_path / "elsewhere"
            check = sqlite3.connect(moved.path)
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            check.close()
        finally:
            await bot.stop()


async def test_a_failed_backup_is_reported_and_retried_later(tmp_path):
    db_path = tmp_path / "ludice.db"
    (tmp_path / "a-file").write_text("not a folder")
    prepare_db(db_path, {"backup_dir": str(tmp_path / "a-file")})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        bot = await start_bot(fake, db_path, clock)
        try:
            assert await bot.app.jobs.backup_if_due() is None
            [[error]] = bot.sql("SELECT backup_error FROM heartbeat")
            assert "cannot create backup folder" in error and "a-file" in error
            _set(db_path, backup_dir="")
            assert await bot.app.jobs.backup_if_due() is None  # not before the retry time
            clock.advance(3600)
            assert await bot.app.jobs.backup_if_due() is not None
            assert bot.sql("SELECT backup_error FROM heartbeat") == [(None,)]
        finally:
            await bot.stop()


async def test_restore_is_refused_while_a_bot_runs_and_brings_a_game_back(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        bot = await start_bot(fake, db_path, clock)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        backup = await bot.app.jobs.backup_if_due()
        assert backup is not None

        code, out = _cli("db", "restore", backup.path, "--db", db_path)
        assert code == 1 and "already served by ludice" in out and "stop it before" in out

        code, out = _cli("lobby", "cancel", "1", "--reason", "oops", "--db", db_path)
        assert code == 0, out
        await fake.wait_text(1, "was cancelled")
        await settle(bot)
        await bot.stop()
        assert bot.sql("SELECT status FROM lobbies") == [("cancelled",)]

        code, out = _cli("db", "restore", backup.path, "--db", db_path)
        assert code == 0, out
        [aside] = tmp_path.glob("ludice.db.replaced-*")
        assert out.strip() == (f"restored {db_path} from {backup.path} (integrity ok, schema "
                               f"version {schema.latest_version()}); the replaced database is kept "
                               f"as {aside}")
        kept = sqlite3.connect(aside)
        assert kept.execute("SELECT status FROM lobbies").fetchall() == [("cancelled",)]
        kept.close()

        again = await start_bot(fake, db_path, clock)
        try:
            assert again.sql("SELECT status FROM lobbies") == [("open",)]
            assert again.balance(1) == 70
            fake.script_dice(6, 2)
            fake.send_text(2, "/dice 30")
            await fake.wait_text(1, "You win")
            await settle(again)
            assert again.sql("SELECT status FROM lobbies") == [("settled",)]
            assert again.balance(1) == 130 and again.balance(2) == 70
            assert again.audit() == []
        finally:
            await again.stop()


def test_restore_checks_the_backup_first(tmp_path, db_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x01" * 2000)
    not_ludice = tmp_path / "other.db"
    sqlite3.connect(not_ludice).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    conn = db.open_current(db_path)
    backups.backup(conn, newer)
    conn.close()
    raw = sqlite3.connect(newer)
    raw.execute(f"PRAGMA user_version = {schema.latest_version() + 1}")
    raw.close()
    for backup, message in [(tmp_path / "missing.db", "no backup file at"),
                            (bad, "is not a usable SQLite database"),
                            (not_ludice, "is not a ludice database"),
                            (newer, "newer than this ludice knows")]:
        with pytest.raises(StoreError, match=message):
            backups.restore(db_path, backup, 1_800_000_000)
    assert list(tmp_path.glob("*.replaced-*")) == []  # nothing was touched


def test_restore_migrates_an_older_backup(tmp_path):
    old = tmp_path / "old.db"
    conn = db.open_db(old, create=True)
    steps = schema.parse_steps(schema.migrations_text())
    for number, sql in steps[:3]:
        db._apply_step(conn, number, sql)
    conn.close()
    target = tmp_path / "fresh.db"
    done = backups.restore(target, old, 1_800_000_000)
    assert (done.version, done.migrated_from, done.aside) == (len(steps), 3, None)
    conn = db.open_current(target)
    conn.close()
