"""Shared fixtures: a migrated SQLite file in a temp dir and a connection to it. Nothing here is
autouse; each test asks for what it needs."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ludice import db, ledger, users


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


CLI_NOW = 1_700_000_000  # clihelpers.NOW


@pytest.fixture
def no_ambient_db(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LUDICE_DB from the developer's shell (the CLI tests: `pytestmark`)."""
    monkeypatch.delenv("LUDICE_DB", raising=False)


@pytest.fixture
def populated(db_path: Path, conn: sqlite3.Connection, make_user: Callable[..., int]) -> Path:
    """Ann (42, @Ann_X) holding 150, Bob (43) holding 0 and banned, Cy (44, no username)."""
    make_user(conn, 42, "Ann_X", first_name="Ann", now=CLI_NOW)
    make_user(conn, 43, "bob", first_name="Bob", now=CLI_NOW + 10)
    make_user(conn, 44, None, first_name="Cy", now=CLI_NOW + 5)
    with db.transaction(conn):
        users.accept_terms(conn, 42, CLI_NOW)
        ledger.transfer(conn, debit=ledger.BONUS, credit=42, amount=100, kind="bonus",
                        key="welcome:42", now=CLI_NOW)
        ledger.adjust(conn, 42, 50, reason="goodwill", key="adj:1", now=CLI_NOW + 1)
        users.ban(conn, 43, "spam", CLI_NOW)
    return db_path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (still runs by default)")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system's Chromium for the browser tests. Missing locally: the tests skip and say
    how to get it; missing in CI (CI=true): they fail, a skip there would hide them."""
    problem = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        problem = "Playwright is not installed: pip install -e '.[test]'"
    if problem is None and not CHROMIUM.exists():
        problem = (f"no Chromium at {CHROMIUM}: apt-get install -y chromium "
                   "(Playwright's own browser download is not used)")
    if problem is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser tests cannot run in CI: {problem}")
        pytest.skip(f"browser tests need a browser: {problem}")
    return CHROMIUM
