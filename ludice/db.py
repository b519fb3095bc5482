"""The SQLite store: open with the pragmas the ledger relies on, migrate (the steps of
migrations.sql: ludice.schema), run units of work. Domain functions take a
`sqlite3.Connection` and never commit; `transaction()` (sync, for the CLI) and `Store.write()`
(async, for the bot) own the transaction. Backups and integrity checks: ludice.backups."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ludice import schema
from ludice.errors import StoreError

if TYPE_CHECKING:
    import asyncio

    import aiosqlite

    from ludice.commits import GroupCommit, Unit

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


def now() -> int:
    return int(time.time())


def open_db(path: str | os.PathLike[str], *, create: bool = False) -> sqlite3.Connection:
    """Open `path` with WAL, synchronous=FULL, foreign keys and a busy timeout, and check the
    pragmas took: on some file systems WAL silently stays off."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"no database at {path} (create it with: ludice db migrate --db {path})")
    try:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, sqlite3 must not add its own.
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        configure(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    return conn


def open_reader(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection that can only read (`query_only`): the bot's read lanes and the CLI's
    views. It takes no lock a writer waits for and cannot write by mistake."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"no database at {path} (create it with: ludice db migrate --db {path})")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # is it SQLite at all
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read database {path}: {exc}") from None
    return conn


def configure(conn: sqlite3.Connection) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    got = {
        "journal_mode": mode,
        "synchronous": conn.execute("PRAGMA synchronous").fetchone()[0],
        "foreign_keys": conn.execute("PRAGMA foreign_keys").fetchone()[0],
        "busy_timeout": conn.execute("PRAGMA busy_timeout").fetchone()[0],
    }
    want = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
            "busy_timeout": BUSY_TIMEOUT_MS}
    if got != want:
        raise StoreError(f"SQLite refused the required pragmas: wanted {want}, got {got}")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One unit of work. BEGIN IMMEDIATE takes the database write lock up front, so writers in
    other processes (the CLI while the bot runs) queue on busy_timeout instead of failing
    half-way with SQLITE_BUSY on their first write."""
    if conn.in_transaction:
        raise StoreError("a transaction is already open on this connection")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StoreError(
            f"the database stayed locked for {BUSY_TIMEOUT_MS // 1000} s: {exc}"
        ) from exc
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # some errors (disk full, I/O) already rolled it back
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def run_write(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with transaction(conn):
        return fn(conn, *args, **kwargs)


def run_batch(conn: sqlite3.Connection, units: list[Unit]) -> list[tuple[bool, Any]]:
    """Group commit: several units of work in one transaction, each inside its own savepoint,
    so a unit that raises leaves no trace while the others still commit. One fsync then pays
    for the whole batch. Returns (ok, result or exception) per unit, in order."""
    if len(units) == 1:  # the common, unloaded case: no savepoint needed
        fn, args, kwargs = units[0]
        try:
            with transaction(conn):
                return [(True, fn(conn, *args, **kwargs))]
        except Exception as exc:
            return [(False, exc)]
    outcomes: list[tuple[bool, Any]] = []
    with transaction(conn):
        for fn, args, kwargs in units:
            conn.execute("SAVEPOINT unit")
            try:
                value = fn(conn, *args, **kwargs)
            except Exception as exc:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE unit")
                outcomes.append((True, value))
    return outcomes


# -- migrations -----------------------------------------------------------------------------

def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> tuple[int, int]:
    """Apply the pending steps; returns (version before, version after)."""
    steps = schema.parse_steps(schema.migrations_text())
    before = schema_version(conn)
    if before > len(steps):
        raise StoreError(
            f"the database is at schema version {before}, newer than this ludice knows "
            f"({len(steps)}); upgrade ludice instead of running an older one against it"
        )
    for number, sql in steps[before:]:
        _apply_step(conn, number, sql)
    return before, len(steps)


def _apply_step(conn: sqlite3.Connection, number: int, sql: str) -> None:
    """One step and its version bump in one transaction. The version is read again under the
    write lock, so two processes migrating a fresh file at once apply each step once."""
    with transaction(conn):
        if schema_version(conn) >= number:
            return
        for statement in schema.statements(sql):
            try:
                conn.execute(statement)
            except sqlite3.Error as exc:
                raise StoreError(f"migration step {number} failed: {exc}") from exc
        conn.execute(f"PRAGMA user_version = {number}")


def require_current(conn: sqlite3.Connection) -> None:
    version, latest = schema_version(conn), schema.latest_version()
    if version < latest:
        raise StoreError(
            f"the database is at schema version {version}, this ludice needs {latest}: "
            "run `ludice db migrate`"
        )
    if version > latest:
        raise StoreError(
            f"the database is at schema version {version}, newer than this ludice knows "
            f"({latest}); upgrade ludice"
        )


def open_current(path: str | os.PathLike[str], *, read_only: bool = False
                 ) -> sqlite3.Connection:
    conn = open_reader(path) if read_only else open_db(path)
    try:
        require_current(conn)
    except StoreError:
        conn.close()
        raise
    return conn


# -- the async face the bot uses --------------------------------------------------------------

class Store:
    """The bot's database. Units of work run whole on the one writer connection, on
    aiosqlite's worker thread (one thread hop per batch, not one per statement), so two
    asyncio tasks can never interleave statements inside one transaction; BEGIN IMMEDIATE +
    busy_timeout serialize us against other processes. Writes that arrive while a batch is
    being written are grouped into the next one (group commit: ludice.commits): under load
    many units share one COMMIT and its fsync, and a caller still hears back only after its
    unit is durable; a unit that may wait a moment (`write_soon`) rides with the next batch.

    Reads never touch the writer: `read` (lookups that stay small: a balance, a lobby, the
    player's context) and `report` (reads that grow with history: leaderboards, profile,
    history, status, the audit) each have read-only connections and threads of their own, so
    neither a long report nor a burst of writes keeps a player's lookup waiting. A read after
    an awaited write sees it: each read starts its snapshot after that COMMIT."""

    # One lookup connection keeps lookups in the order they were asked for, as the writer
    # keeps units of work: two players' updates reach their writes first come, first served
    # (matchmaking pairs the earlier one first). Reports may overlap: two connections.
    READERS, REPORTERS = 1, 2
    # How long a unit that may wait (write_soon) waits for a batch to ride with at most.
    RIDE_SECONDS = 0.1
    # asyncio, aiosqlite and the read threads are imported in the methods: the CLI starts
    # faster without them.
    def __init__(self, aconn: aiosqlite.Connection, path: Path) -> None:
        from ludice.commits import GroupCommit
        from ludice.readers import Readers

        self._aconn = aconn
        self.commits: GroupCommit = GroupCommit(lambda units: self._call(run_batch, units),
                                                self.RIDE_SECONDS)
        self._lookups = Readers(lambda: open_reader(path), self.READERS, "read")
        self._reports = Readers(lambda: open_reader(path), self.REPORTERS, "report")

    @classmethod
    async def open(cls, path: str | os.PathLike[str]) -> Store:
        import aiosqlite

        try:
            aconn = await aiosqlite.connect(Path(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        try:
            await aconn._execute(configure, aconn._conn)
            await aconn._execute(migrate, aconn._conn)
            return cls(aconn, Path(path))  # readers open once the schema is current
        except BaseException as exc:
            await aconn.close()
            if isinstance(exc, sqlite3.Error):  # a read-only file, a full disk, not SQLite
                raise StoreError(f"cannot use database {path}: {exc}") from None
            raise

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # aiosqlite has no public "run this callable on the connection thread"; _execute is
        # what its own methods use and has been stable across releases (pinned to 0.22.x).
        return await self._aconn._execute(fn, self._aconn._conn, *args, **kwargs)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.commits.write(fn, *args, **kwargs)

    def write_soon(self, fn: Callable[..., Any], *args: Any, **kwargs: Any
                   ) -> asyncio.Future[Any]:
        """A unit that may wait a moment (ludice.commits: it rides with the next batch)."""
        return self.commits.ride(fn, *args, **kwargs)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._lookups.run(fn, *args, **kwargs)

    async def report(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._reports.run(fn, *args, **kwargs)

    async def close(self) -> None:
        import asyncio

        await self.commits.close()
        await asyncio.to_thread(self._lookups.close)
        await asyncio.to_thread(self._reports.close)
        await self._aconn.close()
