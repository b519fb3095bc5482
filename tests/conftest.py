"""Shared fixtures: a migrated SQLite file in a temp dir and a connection to it. Nothing here is
autouse; each test asks for what it needs."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ludice import db, users


def add_user(
    conn: sqlite3.Connection,
    user_id: int,
    username: str | None = None,
    *,
    first_name: str = "",
    language_code: str | None = "en",
    now: int = 1_700_000_000,
) -> int:
    """Register a user (and open their ledger account) in its own transaction."""
    with db.transaction(conn):
        users.upsert(conn, user_id, first_name=first_name or f"user{user_id}",
                     username=username, language_code=language_code, now=now)
    return user_id


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file migrated to the latest schema (no connection left open)."""
    path = tmp_path / "ludice.db"
    conn = db.open_db(path, create=True)
    try:
        db.migrate(conn)
    finally:
        conn.close()
    return path


@pytest.fixture
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    connection = db.open_current(db_path)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="session")
def make_user() -> Callable[..., int]:
    """`make_user(conn, user_id, username=None, ...)`: register a user in one transaction."""
    return add_user


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (still runs by default)")
