"""Backups of a live database and the checks that prove a file sound. Never copy the live
.db alone: VACUUM INTO a temp file, fsync, rename, then check the copy."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ludice.errors import StoreError


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

