"""The Store's reads run on read-only connections of their own: a lookup never waits behind a
unit of work or a long report, and still sees every write that was awaited before it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from ludice import db, ledger

NOW = 1_800_000_000
HELD = 10.0  # seconds a blocked unit waits at most, so a failing test cannot hang


def _grant(conn: sqlite3.Connection, user_id: int, amount: int, key: str) -> None:
    ledger.transfer(conn, debit=ledger.BONUS, credit=user_id, amount=amount, kind="bonus",
                    key=key, now=NOW)


@pytest.fixture
async def store(db_path, conn, make_user):
    make_user(conn, 1)
    opened = await db.Store.open(db_path)
    yield opened
    await opened.close()


async def test_a_lookup_does_not_wait_for_a_unit_of_work_in_progress(store):
    inside, release = threading.Event(), threading.Event()

    def slow_unit(conn: sqlite3.Connection) -> None:
        _grant(conn, 1, 5, "slow")
        inside.set()
        release.wait(HELD)

    writing = asyncio.create_task(store.write(slow_unit))
    assert await asyncio.to_thread(inside.wait, HELD)
    try:
        # The write lock is held and the writer's thread is busy: the lookup answers anyway,
        # with the last committed state.
        assert await asyncio.wait_for(store.read(ledger.balance, 1), HELD / 2) == 0
    finally:
        release.set()
    await writing
    assert await store.read(ledger.balance, 1) == 5


async def test_a_lookup_does_not_wait_for_a_long_report(store):
    inside, release = threading.Event(), threading.Event()

    def long_report(conn: sqlite3.Connection) -> list[str]:
        inside.set()
        release.wait(HELD)
        return ledger.audit(conn)

    reporting = asyncio.create_task(store.report(long_report))
    assert await asyncio.to_thread(inside.wait, HELD)
    try:
        assert await asyncio.wait_for(store.read(ledger.balance, 1), HELD / 2) == 0
        await asyncio.wait_for(store.write(_grant, 1, 7, "during"), HELD / 2)
    finally:
        release.set()
    assert await reporting == []


async def test_every_read_sees_the_writes_awaited_before_it(store):
    for i in range(50):
        await store.write(_grant, 1, 1, f"k{i}")
        assert await store.read(ledger.balance, 1) == i + 1
        assert len(await store.report(ledger.history, 1, 100)) == i + 1


async def test_a_read_cannot_write(store):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await store.read(lambda c: c.execute("DELETE FROM settings"))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await store.report(lambda c: c.execute("DELETE FROM settings"))


async def test_a_read_that_leaves_a_snapshot_open_does_not_pin_it(store):
    await store.read(lambda c: c.execute("BEGIN").execute("SELECT 1").fetchall())
    await store.write(_grant, 1, 3, "after")
    for _ in range(db.Store.READERS + 1):  # whichever connection answers
        assert await store.read(ledger.balance, 1) == 3


def test_the_cli_views_open_read_only(db_path):
    conn = db.open_current(db_path, read_only=True)
    try:
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM settings")
    finally:
        conn.close()
