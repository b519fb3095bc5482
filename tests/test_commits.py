"""Group commit (ludice.commits) on a real database file: a unit that may wait (`write_soon`)
rides with the next batch of writes, after the units already waiting, goes alone when nothing
comes, and is written before the store closes."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from ludice import db

HOUR = 3600.0


def _note(conn: sqlite3.Connection, text: str) -> str:
    conn.execute("INSERT INTO notes (text) VALUES (?)", (text,))
    return text


def _notes(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM notes ORDER BY rowid")]
    finally:
        conn.close()


@pytest.fixture
async def store(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE notes (text TEXT NOT NULL) STRICT")
    raw.close()
    opened = await db.Store.open(db_path)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_rider_commits_with_the_next_write_after_the_units_waiting(store, db_path):
    store.commits.ride_seconds = HOUR  # only another write can take it along
    mark = store.write_soon(_note, "rider")
    await asyncio.sleep(0)
    assert not mark.done() and _notes(db_path) == []
    assert await store.write(_note, "player") == "player"
    assert mark.done() and mark.result() == "rider"  # durable when the write was
    assert _notes(db_path) == ["player", "rider"]  # the player's unit went first


async def test_a_rider_goes_alone_when_no_write_comes(store, db_path):
    store.commits.ride_seconds = 0.01
    assert await asyncio.wait_for(store.write_soon(_note, "alone"), 10) == "alone"
    assert _notes(db_path) == ["alone"]


async def test_a_failing_rider_fails_alone(store, db_path):
    store.commits.ride_seconds = HOUR

    def broken(conn: sqlite3.Connection) -> None:
        _note(conn, "half")
        raise ValueError("no")

    mark = store.write_soon(broken)
    await store.write(_note, "player")
    with pytest.raises(ValueError, match="no"):
        mark.result()
    assert _notes(db_path) == ["player"]  # nothing of the broken rider


async def test_closing_writes_the_riders(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE notes (text TEXT NOT NULL) STRICT")
    raw.close()
    store = await db.Store.open(db_path)
    store.commits.ride_seconds = HOUR
    marks = [store.write_soon(_note, f"m{i}") for i in range(3)]
    await store.close()
    assert all(mark.done() for mark in marks)
    assert _notes(db_path) == ["m0", "m1", "m2"]
