"""The SQLite store: schema guards (STRICT, NOT NULL, CHECKs, immutable transfers),
concurrent writers (two processes, the bot's Store) and backups, against real database files
in a temp dir."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ludice import backups, db, ledger, schema
from ludice.errors import InsufficientFunds, StoreError

NOW = 1_700_000_000


def transfer_rows(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM transfers ORDER BY id")]


def balances(conn: sqlite3.Connection) -> dict[int, int]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, balance FROM accounts")}


# -- schema guards --------------------------------------------------------------------------

def test_strict_tables_reject_wrong_types(conn, make_user):
    make_user(conn, 1)
    cases = [
        "INSERT INTO accounts (id, name, balance) VALUES (77, 'x', 'lots')",
        "INSERT INTO accounts (id, name, balance) VALUES (78, 'y', 1.5)",
        "INSERT INTO transfers (debit_id, credit_id, amount, kind, idem_key, created_at)"
        " VALUES (-4, 1, 2.5, 'bonus', 'k1', 1)",
        "INSERT INTO transfers (debit_id, credit_id, amount, kind, idem_key, created_at)"
        " VALUES (-4, 1, 'ten', 'bonus', 'k2', 1)",
        "INSERT INTO users (id, first_name, created_at, last_seen_at) VALUES ('bob', '', 1, 1)",
        "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'yesterday')",
    ]
    for sql in cases:
        with pytest.raises(sqlite3.IntegrityError, match=r"cannot store|datatype mismatch"):
            conn.execute(sql)
    assert ledger.audit(conn) == []
    assert transfer_rows(conn) == []


def test_not_null_and_checks(conn, make_user):
    make_user(conn, 1)
    base = ("INSERT INTO transfers (debit_id, credit_id, amount, kind, idem_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)")
    bad = [
        (-4, 1, None, "bonus", "k1", 1),     # NULL amount (a CHECK alone would let it pass)
        (-4, 1, 0, "bonus", "k2", 1),        # amount must be positive
        (-4, 1, -3, "bonus", "k3", 1),
        (-4, -4, 5, "bonus", "k4", 1),       # debit == credit
        (-4, 1, 5, "", "k5", 1),             # empty kind
        (-4, 1, 5, "x" * 33, "k6", 1),       # kind too long
        (-4, 1, 5, "bonus", None, 1),        # no idempotency key
        (-4, 999, 5, "bonus", "k7", 1),      # no such account (foreign key)
    ]
    for row in bad:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(base, row)
    assert transfer_rows(conn) == []
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO users (id, first_name, created_at, last_seen_at, banned_at)"
                     " VALUES (9, '', 1, 1, 5)")  # banned without a reason


def test_transfers_are_immutable(conn, make_user):
    make_user(conn, 1)
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=10, kind="bonus",
                        key="k", now=NOW)
    before = transfer_rows(conn)
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        conn.execute("UPDATE transfers SET amount = 1000")
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        conn.execute("DELETE FROM transfers")
    with pytest.raises(sqlite3.DatabaseError, match="immutable"), db.transaction(conn):
        conn.execute("UPDATE transfers SET credit_id = -1 WHERE id = 1")
    assert transfer_rows(conn) == before
    assert ledger.balance(conn, 1) == 10


def test_raw_insert_cannot_take_a_user_below_zero(conn, make_user):
    make_user(conn, 1)
    make_user(conn, 2)
    conn.execute("INSERT INTO transfers (debit_id, credit_id, amount, kind, idem_key, created_at)"
                 " VALUES (-4, 1, 5, 'bonus', 'seed', 1)")
    before_rows, before_balances = transfer_rows(conn), balances(conn)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("INSERT INTO transfers (debit_id, credit_id, amount, kind, idem_key,"
                     " created_at) VALUES (1, 2, 6, 'gift', 'too-much', 1)")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("UPDATE accounts SET balance = -1 WHERE id = 1")
    assert transfer_rows(conn) == before_rows
    assert balances(conn) == before_balances
    # System accounts may go negative: that is how credits are issued.
    assert ledger.balance(conn, ledger.BONUS) == -5


# -- concurrency ----------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import os, sys, time
    from ludice import db, ledger
    path, tag, user, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    conn = db.open_current(path)
    deadline = time.monotonic() + 30
    while not os.path.exists(path + ".go") and time.monotonic() < deadline:
        time.sleep(0.001)  # start together, so the writers really overlap
    for i in range(n):
        with db.transaction(conn):
            ledger.adjust(conn, user, 1, reason="load", key=f"{tag}:{i}", now=i)
            if i % 2:
                ledger.adjust(conn, user, -1, reason="load", key=f"{tag}:{i}:back", now=i)
    conn.close()
""")


def test_two_processes_write_at_once(db_path, conn, make_user):
    make_user(conn, 1)
    make_user(conn, 2)
    n = 200
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), tag, str(user), str(n)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for tag, user in (("p1", 1), ("p2", 2))
    ]
    Path(f"{db_path}.go").touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    count = conn.execute("SELECT count(*) FROM transfers").fetchone()[0]
    assert count == 2 * (n + n // 2)
    assert ledger.balance(conn, 1) == n - n // 2
    assert ledger.balance(conn, 2) == n - n // 2
    assert ledger.audit(conn) == []
    assert backups.integrity_problems(conn) == []


async def test_store_serializes_concurrent_units(db_path, conn, make_user):
    make_user(conn, 1)
    make_user(conn, 2)
    n = 200

    def unit(c: sqlite3.Connection, i: int) -> int:
        ledger.transfer(c, debit=ledger.BONUS, credit=1, amount=3, kind="bonus",
                        key=f"bonus:{i}", now=NOW)
        ledger.transfer(c, debit=1, credit=2, amount=2, kind="gift", key=f"gift:{i}", now=NOW)
        return i

    store = await db.Store.open(db_path)
    try:
        results = await asyncio.gather(*(store.write(unit, i) for i in range(n)))
        assert sorted(results) == list(range(n))
        assert await store.read(ledger.balance, 1) == n
        assert await store.read(ledger.balance, 2) == 2 * n
        assert await store.read(ledger.audit) == []
    finally:
        await store.close()
    assert conn.execute("SELECT count(*) FROM transfers").fetchone()[0] == 2 * n
    assert ledger.audit(conn) == []


async def test_store_failed_unit_rolls_back_and_others_land(db_path, conn, make_user):
    make_user(conn, 1)
    make_user(conn, 2)

    def unit(c: sqlite3.Connection, i: int) -> None:
        ledger.transfer(c, debit=ledger.BONUS, credit=1, amount=5, kind="bonus",
                        key=f"bonus:{i}", now=NOW)
        # Every third unit tries to move more than user 1 holds: the bonus must go too.
        amount = 10_000 if i % 3 == 0 else 5
        ledger.transfer(c, debit=1, credit=2, amount=amount, kind="gift", key=f"gift:{i}",
                        now=NOW)

    store = await db.Store.open(db_path)
    try:
        results = await asyncio.gather(*(store.write(unit, i) for i in range(60)),
                                       return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        assert len(failed) == 20
        assert all(isinstance(r, InsufficientFunds) for r in failed)
        await store.write(lambda c: None)  # the writer is free: no transaction left open
    finally:
        await store.close()
    assert ledger.balance(conn, 1) == 0
    assert ledger.balance(conn, 2) == 40 * 5
    assert conn.execute("SELECT count(*) FROM transfers").fetchone()[0] == 80
    assert ledger.audit(conn) == []


async def test_store_open_creates_and_migrates(tmp_path):
    path = tmp_path / "bot.db"
    store = await db.Store.open(path)
    try:
        assert await store.read(db.schema_version) == schema.latest_version()
        assert await store.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    finally:
        await store.close()


async def test_store_open_refuses_newer_schema(db_path):
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {schema.latest_version() + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer than this ludice knows"):
        await db.Store.open(db_path)


# -- backup ---------------------------------------------------------------------------------

def test_backup_is_a_checked_copy(tmp_path, conn, make_user):
    make_user(conn, 1)
    for i in range(5):
        with db.transaction(conn):
            ledger.adjust(conn, 1, 10 + i, reason="r", key=f"k{i}", now=NOW)
    dest_dir = tmp_path / "backups"
    dest_dir.mkdir()
    dest = dest_dir / "copy.db"
    written = backups.backup(conn, dest)
    assert written == dest.resolve()
    copy = db.open_current(dest)
    try:
        assert transfer_rows(copy) == transfer_rows(conn)
        assert balances(copy) == balances(conn)
        assert backups.integrity_problems(copy) == []
        assert ledger.audit(copy) == []
    finally:
        copy.close()
    # Only the backup itself is left behind: no temp file, no stray journal.
    assert sorted(p.name for p in dest_dir.iterdir()) == ["copy.db"]

    # A second backup replaces the first one and carries the newer transfers.
    with db.transaction(conn):
        ledger.adjust(conn, 1, 1, reason="r", key="later", now=NOW)
    backups.backup(conn, dest)
    copy = db.open_current(dest)
    try:
        assert transfer_rows(copy) == transfer_rows(conn)
    finally:
        copy.close()
    assert sorted(p.name for p in dest_dir.iterdir()) == ["copy.db"]


def test_backup_refuses_a_directory_or_missing_folder(tmp_path, conn):
    target_dir = tmp_path / "somedir"
    target_dir.mkdir()
    with pytest.raises(StoreError, match="is a directory"):
        backups.backup(conn, target_dir)
    assert list(target_dir.iterdir()) == []
    missing = tmp_path / "missing" / "copy.db"
    with pytest.raises(StoreError, match="does not exist"):
        backups.backup(conn, missing)
    assert not missing.parent.exists()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


def test_backup_refuses_the_live_database(db_path, conn, make_user):
    make_user(conn, 1)
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # as a busy bot would: frames still in WAL
    for i in range(5):
        with db.transaction(conn):
            ledger.adjust(conn, 1, 5, reason="r", key=f"k{i}", now=NOW)
    try:
        backups.backup(conn, db_path)
    except StoreError:
        refused = True
    else:
        refused = False
    check = sqlite3.connect(db_path)
    try:
        intact = backups.integrity_problems(check) == [] and ledger.balance(check, 1) == 25
    finally:
        check.close()
    assert refused and intact
