"""The SQLite store: pragmas, opening, migrations and units of work, against real database
files in a temp dir (schema guards, concurrency and backups: test_db_guards.py)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from ludice import db, ledger, schema
from ludice.errors import InsufficientFunds, StoreError

NOW = 1_700_000_000


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def schema_sql(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")]


def transfer_rows(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM transfers ORDER BY id")]


def balances(conn: sqlite3.Connection) -> dict[int, int]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, balance FROM accounts")}

# -- opening --------------------------------------------------------------------------------

def test_pragmas_read_back(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    assert db.BUSY_TIMEOUT_MS >= 1000
    assert conn.isolation_level is None  # we own BEGIN/COMMIT
    assert not conn.in_transaction


def test_open_missing_file_refused_and_not_created(tmp_path):
    path = tmp_path / "nope.db"
    with pytest.raises(StoreError, match="no database at"):
        db.open_db(path)
    with pytest.raises(StoreError, match="no database at"):
        db.open_current(path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_open_garbage_file_is_a_store_error(tmp_path):
    path = tmp_path / "not-a.db"
    path.write_bytes(b"this is not an sqlite database, not at all. " * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        db.open_db(path)


def test_open_current_refuses_unmigrated(tmp_path):
    path = tmp_path / "fresh.db"
    db.open_db(path, create=True).close()
    with pytest.raises(StoreError, match="ludice db migrate"):
        db.open_current(path)


# -- migrations -----------------------------------------------------------------------------

def test_migrate_from_zero_then_noop(tmp_path):
    latest = schema.latest_version()
    assert latest >= 2
    conn = db.open_db(tmp_path / "m.db", create=True)
    try:
        assert db.schema_version(conn) == 0
        assert db.migrate(conn) == (0, latest)
        assert db.schema_version(conn) == latest
        assert {"users", "accounts", "transfers", "settings", "meta", "lobbies",
                "lobby_players", "rolls"} <= table_names(conn)
        before = schema_sql(conn)
        assert db.migrate(conn) == (latest, latest)
        assert db.migrate(conn) == (latest, latest)
        assert schema_sql(conn) == before
        assert not conn.in_transaction
        db.require_current(conn)
        # The system accounts are seeded exactly once.
        assert {r[0] for r in conn.execute("SELECT id FROM accounts")} == {
            ledger.HOUSE, ledger.ESCROW, ledger.STARS, ledger.BONUS, ledger.ADJUST}
    finally:
        conn.close()


def test_newer_schema_is_refused(db_path):
    latest = schema.latest_version()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {latest + 1}")
    raw.close()
    conn = db.open_db(db_path)
    try:
        before = schema_sql(conn)
        with pytest.raises(StoreError, match=r"newer than this ludice knows.*upgrade ludice"):
            db.migrate(conn)
        assert db.schema_version(conn) == latest + 1
        assert schema_sql(conn) == before
        with pytest.raises(StoreError, match="newer than this ludice knows"):
            db.require_current(conn)
    finally:
        conn.close()
    with pytest.raises(StoreError, match=f"schema version {latest + 1}.*upgrade ludice"):
        db.open_current(db_path)


def test_failing_step_leaves_version_and_schema_unchanged(db_path, monkeypatch):
    latest = schema.latest_version()
    real = schema.migrations_text()
    bad_step = (
        f"\n-- step {latest + 1}: a step that breaks half-way\n"
        "CREATE TABLE half_done (x INTEGER) STRICT;\n"
        "INSERT INTO accounts (id, name) VALUES (-99, 'half');\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    monkeypatch.setattr(schema, "migrations_text", lambda: real + bad_step)
    assert schema.latest_version() == latest + 1
    conn = db.open_db(db_path)
    try:
        before_schema, before_balances = schema_sql(conn), balances(conn)
        with pytest.raises(StoreError, match=f"migration step {latest + 1} failed.*no_such_table"):
            db.migrate(conn)
        assert not conn.in_transaction
        assert db.schema_version(conn) == latest
        assert "half_done" not in table_names(conn)
        assert schema_sql(conn) == before_schema
        assert balances(conn) == before_balances
    finally:
        conn.close()
    # Another connection sees the same: nothing of the step was committed.
    fresh = sqlite3.connect(db_path)
    assert fresh.execute("PRAGMA user_version").fetchone()[0] == latest
    assert "half_done" not in table_names(fresh)
    fresh.close()


def test_failing_step_from_zero_keeps_the_good_steps(tmp_path, monkeypatch):
    text = (
        "-- step 1: good\nCREATE TABLE one (x INTEGER) STRICT;\n"
        "-- step 2: bad\nCREATE TABLE two (x INTEGER) STRICT;\nSELECT * FROM nowhere;\n"
    )
    monkeypatch.setattr(schema, "migrations_text", lambda: text)
    conn = db.open_db(tmp_path / "z.db", create=True)
    try:
        with pytest.raises(StoreError, match="migration step 2 failed"):
            db.migrate(conn)
        assert db.schema_version(conn) == 1
        assert table_names(conn) == {"one"}
    finally:
        conn.close()


def test_parse_steps_demands_numbered_steps():
    assert schema.parse_steps("-- step 1: a\nSELECT 1;\n-- step 2\nSELECT 2;\n") == [
        (1, "\nSELECT 1;\n"), (2, "\nSELECT 2;\n")]
    with pytest.raises(StoreError, match=r"numbered 1\.\.n"):
        schema.parse_steps("-- step 1\nSELECT 1;\n-- step 3\nSELECT 3;\n")
    with pytest.raises(StoreError, match=r"numbered 1\.\.n"):
        schema.parse_steps("-- step 2\nSELECT 1;\n")


def test_packaged_or_source_migrations_are_the_repo_file():
    repo_file = Path(__file__).resolve().parent.parent / "migrations.sql"
    assert schema.migrations_text() == repo_file.read_text(encoding="utf-8")


def test_concurrent_migrations_on_a_fresh_file(tmp_path):
    path = tmp_path / "race.db"
    db.open_db(path, create=True).close()
    holder = db.open_db(path)
    holder.execute("BEGIN IMMEDIATE")  # both migrators read version 0, then queue here
    errors: list[BaseException] = []

    def run() -> None:
        conn = db.open_db(path)
        try:
            db.migrate(conn)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    holder.execute("COMMIT")
    holder.close()
    for t in threads:
        t.join()
    assert errors == []


# -- units of work --------------------------------------------------------------------------

def test_transaction_rolls_back_the_whole_unit(conn, make_user):
    make_user(conn, 1)
    make_user(conn, 2)
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=100, kind="bonus",
                        key="seed", now=NOW)
    before_rows, before_balances = transfer_rows(conn), balances(conn)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=2, amount=30, kind="gift", key="a", now=NOW)
        assert ledger.balance(conn, 2) == 30  # visible inside the unit
        raise Boom
    assert not conn.in_transaction
    assert transfer_rows(conn) == before_rows
    assert balances(conn) == before_balances
    assert ledger.audit(conn) == []
    # The key of the rolled-back transfer was never recorded: it can be used for real now.
    with db.transaction(conn):
        t = ledger.transfer(conn, debit=1, credit=2, amount=30, kind="gift", key="a", now=NOW)
    assert not t.replayed
    assert ledger.balance(conn, 2) == 30


def test_failed_second_transfer_undoes_the_first(conn, make_user):
    make_user(conn, 1)
    make_user(conn, 2)
    before_rows, before_balances = transfer_rows(conn), balances(conn)
    with pytest.raises(InsufficientFunds), db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=10, kind="bonus",
                        key="b", now=NOW)
        ledger.transfer(conn, debit=1, credit=2, amount=11, kind="gift", key="g", now=NOW)
    assert transfer_rows(conn) == before_rows
    assert balances(conn) == before_balances


def test_transaction_refuses_nesting(conn):
    with db.transaction(conn):
        with pytest.raises(StoreError, match="already open"), db.transaction(conn):
            pass
        assert conn.in_transaction  # the outer unit is untouched by the refused inner one
    assert not conn.in_transaction


def test_run_write_commits_and_returns(conn, make_user):
    make_user(conn, 5)
    t = db.run_write(conn, ledger.adjust, 5, 7, reason="r", key="k", now=NOW)
    assert t.amount == 7
    assert not conn.in_transaction
    assert ledger.balance(conn, 5) == 7


def test_transaction_waits_for_another_writer(db_path):
    """BEGIN IMMEDIATE queues on busy_timeout instead of failing while another connection
    holds the write lock."""
    holder = db.open_current(db_path)
    waiter = db.open_current(db_path)
    try:
        holder.execute("BEGIN IMMEDIATE")
        released = threading.Timer(0.2, lambda: holder.execute("COMMIT"))
        released.start()
        start = time.monotonic()
        with db.transaction(waiter):
            waiter.execute("INSERT INTO meta (key, value) VALUES ('w', 'x')")
        assert time.monotonic() - start >= 0.1
        released.join()
    finally:
        holder.close()
        waiter.close()
