"""Backups of a live database, automatic ones and their rotation, restore, and the checks that
prove a file sound. Never copy the live .db alone: VACUUM INTO a temp file, fsync, rename, then
check the copy. The bot takes backups on a connection of its own, on a worker thread, so its
writer goes on; files are named by the time they were taken (UTC, from the caller's clock),
which is also what rotation sorts by: no mtime, no state of our own."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ludice import db, instance, schema
from ludice.errors import StoreError
from ludice.settings import Settings


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    problems = [] if rows == ["ok"] else [f"integrity: {r}" for r in rows]
    for row in conn.execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: {row[0]} row {row[1]} points at a missing {row[2]}")
    return problems


def backup(conn: sqlite3.Connection, dest: str | os.PathLike[str]) -> Path:
    """A consistent copy of a live database: VACUUM INTO a temp file beside the target, fsync,
    rename over the target, then prove the copy opens clean."""
    dest = Path(dest).resolve()
    live = Path(conn.execute("PRAGMA database_list").fetchone()[2]).resolve()
    if dest == live or (dest.exists() and os.path.samefile(dest, live)):
        raise StoreError(f"{dest} is the live database itself; back up to another file")
    if dest.is_dir():
        raise StoreError(f"{dest} is a directory; give the backup a file name")
    if not dest.parent.is_dir():
        raise StoreError(f"folder {dest.parent} does not exist")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        conn.execute("VACUUM INTO ?", (str(tmp),))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"backup to {dest} failed: {exc}") from exc
    check = sqlite3.connect(dest)
    try:
        problems = integrity_problems(check)
    finally:
        check.close()
    if problems:
        raise StoreError(f"backup {dest} failed its integrity check: {problems[0]}")
    return dest


_NAME = re.compile(r"^ludice-(\d{8}T\d{6}Z)\.db$")
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: int


def folder(db_path: str | os.PathLike[str], settings: Settings) -> Path:
    if settings.backup_dir:
        chosen = Path(settings.backup_dir).expanduser()
        # A relative folder is taken beside the database, not wherever the bot was started.
        return chosen if chosen.is_absolute() else Path(db_path).absolute().parent / chosen
    return Path(db_path).absolute().parent / "backups"


def listing(where: Path) -> list[Backup]:
    """The automatic backups in `where`, newest first."""
    found = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in where.iterdir():
            match = _NAME.match(entry.name)
            if match:
                taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
                found.append(Backup(entry, int(taken.timestamp())))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def due(where: Path, settings: Settings, now: int) -> bool:
    if settings.backup_interval_hours == 0:
        return False
    newest = listing(where)
    return not newest or now - newest[0].taken_at >= settings.backup_interval_hours * 3600


def take(db_path: str | os.PathLike[str], where: Path, now: int, keep: int) -> Backup:
    """Back up into `where` and delete all but the newest `keep`. Opens its own connection:
    safe on any thread, and in WAL mode it never stops the writer."""
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create backup folder {where}: {exc.strerror}") from None
    name = f"ludice-{datetime.fromtimestamp(now, UTC).strftime(_STAMP)}.db"
    conn = db.open_db(db_path)
    try:
        path = backup(conn, where / name)
    finally:
        conn.close()
    rotate(where, keep)
    return Backup(path, now)


def rotate(where: Path, keep: int) -> list[Path]:
    removed = []
    for old in listing(where)[keep:]:
        with contextlib.suppress(FileNotFoundError):
            old.path.unlink()
            removed.append(old.path)
    return removed


# -- restore ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Restored:
    version: int
    migrated_from: int | None  # the backup's schema version, when it had to be migrated
    aside: Path | None  # where the replaced database was kept


def check_backup(path: Path) -> int:
    """The backup's schema version, once it proves to be a sound ludice database this ludice
    can run."""
    if not path.is_file():
        raise StoreError(f"no backup file at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open backup {path}: {exc}") from None
    try:
        problems = integrity_problems(conn)
        version = db.schema_version(conn)
        has_ledger = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from None
    finally:
        conn.close()
    if problems:
        raise StoreError(f"backup {path} failed its integrity check: {problems[0]}")
    if version == 0 or not has_ledger:
        raise StoreError(f"{path} is not a ludice database")
    latest = schema.latest_version()
    if version > latest:
        raise StoreError(f"backup {path} is at schema version {version}, newer than this "
                         f"ludice knows ({latest}); upgrade ludice first")
    return version


def restore(db_path: Path, backup_path: Path, now: int) -> Restored:
    """Replace the database with a backup, holding the instance lock throughout so no bot can
    start (or be running) meanwhile. The replaced file is kept beside, renamed."""
    check_backup(backup_path)
    with instance.hold(db_path, purpose="restore"):
        aside = _set_aside(db_path, now)
        tmp = db_path.with_name(f".{db_path.name}.restore.tmp")
        try:
            shutil.copyfile(backup_path, tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, db_path)
            _fsync_dir(db_path.parent)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if aside is not None and not db_path.exists():
                os.replace(aside, db_path)  # put the old one back rather than leave nothing
            raise StoreError(f"restore into {db_path} failed: {exc.strerror}") from None
        conn = db.open_db(db_path)
        try:
            before, after = db.migrate(conn)
        finally:
            conn.close()
    return Restored(after, before if before != after else None, aside)


def _set_aside(db_path: Path, now: int) -> Path | None:
    if not db_path.exists():
        return None
    # Fold the WAL into the main file first: the file set aside is then whole on its own.
    conn = db.open_db(db_path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    stamp = datetime.fromtimestamp(now, UTC).strftime(_STAMP)
    aside = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
    n = 1
    while aside.exists():  # two restores within a second: keep both replaced files
        n += 1
        aside = db_path.with_name(f"{db_path.name}.replaced-{stamp}-{n}")
    os.replace(db_path, aside)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return aside


def _fsync_dir(where: Path) -> None:
    fd = os.open(where, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
