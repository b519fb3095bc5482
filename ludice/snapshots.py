"""Reads on one moment of the database: several reads on one connection (`one`), or two
read connections on the same moment (`twin`), so that a long read (the ledger audit at a
million transfers) can run its halves on two CPUs and still see one snapshot.

In WAL mode a read transaction sees the database as of its first read. `PRAGMA data_version`
changes on a connection only when another connection committed before its new snapshot: so
when `conn` reads the same data_version on a snapshot started before the twin's and on one
started after it, nothing was committed in between and all three are the same moment."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

ATTEMPTS = 5  # a writer committing between the two reads each time: give up, read alone


@contextlib.contextmanager
def one(conn: sqlite3.Connection) -> Iterator[None]:
    """Run several reads on one snapshot of the database: a read transaction, so a writer
    committing in between (the bot, the CLI) can't make two queries see different moments.
    Inside the caller's own transaction that transaction is the snapshot already."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")  # deferred: the snapshot is taken by the first read
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing was written: this only ends the snapshot


def _begin(conn: sqlite3.Connection) -> int:
    conn.execute("BEGIN")  # deferred: the snapshot is taken by the first read, the next line
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _open_twin(conn: sqlite3.Connection) -> sqlite3.Connection | None:
    if conn.in_transaction:  # its own writes, which no other connection can see
        return None
    path = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"),
                "")
    if not path:  # in memory or a temporary database: nothing another connection can open
        return None
    busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    twin = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    twin.row_factory = conn.row_factory
    twin.execute(f"PRAGMA busy_timeout = {int(busy)}")
    twin.execute("PRAGMA query_only = ON")
    return twin


@contextlib.contextmanager
def twin(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection | None]:
    """A second, read-only connection to `conn`'s file, both inside read transactions on the
    same snapshot (ended, and the twin closed, on leaving); None when that can't be had: `conn`
    is inside a transaction of its own, the database is not a file, or writers kept
    committing in between. The twin may be used from another thread."""
    other = _open_twin(conn)
    if other is None:
        yield None
        return
    try:
        for _ in range(ATTEMPTS):
            before = _begin(conn)
            _begin(other)
            conn.execute("ROLLBACK")
            if _begin(conn) == before:
                break
            conn.execute("ROLLBACK")
            other.execute("ROLLBACK")
        else:
            other.close()
            other = None
        yield other
    finally:
        for each in (conn, other):
            if each is not None and each.in_transaction:
                each.execute("ROLLBACK")  # nothing was written: this only ends the snapshot
        if other is not None:
            other.close()
