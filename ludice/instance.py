"""One bot per database: an OS lock on `<db>.lock` beside the database. The kernel drops an
flock when its holder dies, even by SIGKILL, so there is never a stale lock to clean up; the
file only carries who holds it (pid, start time, version, API server) for the refusal message
and `ludice status`. `ludice run`, the playground (both through Application.setup) and
`ludice db restore` take it."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from ludice import __version__
from ludice.errors import LudiceError


class InstanceError(LudiceError):
    """The database is served by another process, or its folder cannot take a lock file."""


@dataclass(frozen=True)
class Holder:
    pid: int
    started_at: float
    version: str = ""
    api_url: str | None = None
    purpose: str = "bot"

    def describe(self) -> str:
        since = datetime.fromtimestamp(self.started_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"pid {self.pid}, started {since}"


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    db_path = Path(db_path).absolute()
    return db_path.with_name(db_path.name + ".lock")


def check_folder(db_path: str | os.PathLike[str]) -> None:
    """One clear line for a database whose folder is missing or not writable, before SQLite or
    the lock file produce something vaguer."""
    folder = Path(db_path).absolute().parent
    if not folder.is_dir():
        raise InstanceError(f"cannot use database {db_path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InstanceError(f"cannot use database {db_path}: folder {folder} is not writable")


@contextlib.contextmanager
def hold(db_path: str | os.PathLike[str], *, api_url: str | None = None,
         purpose: str = "bot") -> Iterator[Holder]:
    """Hold the database for this process, or raise InstanceError naming who holds it."""
    check_folder(db_path)
    path = lock_path(db_path)
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise InstanceError(f"cannot create lock file {path}: {exc.strerror}") from None
    try:
        _lock(handle, db_path, path, purpose)
        me = Holder(pid=os.getpid(), started_at=time.time(), version=__version__,
                    api_url=api_url, purpose=purpose)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(me.__dict__))
            handle.flush()
        except OSError as exc:
            raise InstanceError(f"cannot write lock file {path}: {exc.strerror}") from None
        yield me
    finally:
        handle.close()  # closing the descriptor releases the lock


def _lock(handle: IO[str], db_path: str | os.PathLike[str], path: Path, purpose: str) -> None:
    # A `ludice status` probing the lock holds it shared for a moment: try a few times before
    # calling the database taken.
    for attempt in range(5):
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise InstanceError(f"cannot lock {path}: {exc.strerror}") from None
            if attempt < 4:
                time.sleep(0.05)
    holder = _read(path)
    who = holder.describe() if holder else "another process"
    advice = "stop it before restoring" if purpose == "restore" else "one bot per database"
    raise InstanceError(f"database {db_path} is already served by ludice ({who}); {advice}")


def holder(db_path: str | os.PathLike[str]) -> Holder | None:
    """Who holds the database now, or None when nobody does."""
    path = lock_path(db_path)
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read(path) or Holder(pid=0, started_at=0)
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None


def _read(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(**data)
    except (OSError, ValueError, TypeError):
        return None  # being written this very moment, or from another version
