"""The ledger audit on two connections at once (`ludice audit`): the same findings as the
audit on one, on one snapshot of the database (ludice.snapshots)."""

from __future__ import annotations

import sqlite3

import pytest

from ludice import db, ledger, snapshots

NOW = 1_700_000_000


@pytest.fixture
def two(conn, make_user):
    """Users 1 and 2; user 1 holds 100 bonus credits."""
    make_user(conn, 1, "one")
    make_user(conn, 2, "two")
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=100, kind="bonus",
                        key="seed", now=NOW)
    return conn


def _break_everything(conn: sqlite3.Connection) -> None:
    """A balance moved without a transfer, and a lobby in play whose stake never reached
    escrow: account checks and lobby checks each find something."""
    conn.execute("UPDATE accounts SET balance = balance + 7 WHERE id = 2")
    conn.execute("INSERT INTO lobbies (id, game, bet, seats, creator_id, created_at, expires_at)"
                 " VALUES (1, 'dice', 10, 2, 1, 1, 2)")
    conn.execute("INSERT INTO lobby_players (lobby_id, user_id, seat, stake, joined_at)"
                 " VALUES (1, 1, 1, 10, 1)")


def test_the_parallel_audit_finds_what_the_serial_one_finds(two):
    conn = two
    assert ledger.audit(conn, parallel=True) == []
    _break_everything(conn)
    expected = ["balances sum to 7, not 0",
                "account user:2 holds 7 but its transfers add up to 0",
                "escrow holds 0 but stakes in play add up to 10"]
    assert ledger.audit(conn) == expected
    assert ledger.audit(conn, parallel=True) == expected
    assert not conn.in_transaction  # both snapshots end with the audit


def test_inside_a_transaction_the_parallel_audit_sees_the_callers_own_writes(two):
    conn = two
    expected = ["balances sum to 7, not 0", "account user:2 holds 7 but its transfers add up to 0"]
    with db.transaction(conn):  # not committed yet: no other connection could see it
        conn.execute("UPDATE accounts SET balance = balance + 7 WHERE id = 2")
        assert ledger.audit(conn, parallel=True) == expected
        assert conn.in_transaction
    assert ledger.audit(conn, parallel=True) == expected  # committed: both connections see it


def test_the_twin_reads_the_same_moment_when_a_writer_commits_in_between(two, db_path,
                                                                        monkeypatch):
    conn = two
    writer = db.open_current(db_path)
    begin, commits = snapshots._begin, []

    def begin_after_a_commit(connection: sqlite3.Connection) -> int:
        if connection is not conn and len(commits) < 2:  # just before the twin's snapshot
            with db.transaction(writer):
                ledger.transfer(writer, debit=ledger.BONUS, credit=2, amount=1, kind="bonus",
                                key=f"between:{len(commits)}", now=NOW)
            commits.append(1)
        return begin(connection)

    monkeypatch.setattr(snapshots, "_begin", begin_after_a_commit)
    try:
        with snapshots.twin(conn) as other:
            assert other is not None and len(commits) == 2  # two moments refused, one taken
            counts = [c.execute("SELECT count(*), sum(balance) FROM accounts WHERE id = 2"
                                ).fetchone()[:] for c in (conn, other)]
            assert counts[0] == counts[1] == (1, 2)
        assert not conn.in_transaction
    finally:
        writer.close()


def test_no_twin_when_writers_never_stop_committing(two, db_path, monkeypatch):
    conn = two
    writer = db.open_current(db_path)
    begin, commits = snapshots._begin, []

    def begin_after_a_commit(connection: sqlite3.Connection) -> int:
        if connection is not conn:
            with db.transaction(writer):
                ledger.transfer(writer, debit=ledger.BONUS, credit=2, amount=1, kind="bonus",
                                key=f"between:{len(commits)}", now=NOW)
            commits.append(1)
        return begin(connection)

    monkeypatch.setattr(snapshots, "_begin", begin_after_a_commit)
    try:
        with snapshots.twin(conn) as other:
            assert other is None and len(commits) == snapshots.ATTEMPTS
            assert not conn.in_transaction
        # and the audit then reads alone, on one snapshot, with the same answer
        assert ledger.audit(conn, parallel=True) == []
    finally:
        writer.close()


def test_no_twin_for_a_database_in_memory_or_inside_a_transaction(two):
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        with snapshots.twin(memory) as other:
            assert other is None
    finally:
        memory.close()
    with db.transaction(two):
        with snapshots.twin(two) as other:
            assert other is None
        assert two.in_transaction  # the caller's transaction is left alone
