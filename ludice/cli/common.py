"""What every `ludice` command shares: the --db/--json options, opening the database, and
the one-line user error."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from ludice import db

DbPath = Annotated[Path, typer.Option("--db", envvar="LUDICE_DB", help="SQLite database file.",
                                      dir_okay=False)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
UserRef = Annotated[str, typer.Argument(metavar="USER", help="Telegram id or @username.")]
Reason = Annotated[str, typer.Option("--reason", help="Why; recorded with the change.")]
# Where --reason is always needed. Left optional for Typer, so that leaving it out is the same
# one-line error as an empty one; --help says it is required.
RequiredReason = Annotated[str | None, typer.Option(
    "--reason", help="Required: why; recorded with the change.", show_default=False)]
Limit = Annotated[int, typer.Option(min=1, help="At most this many.")]
# The bot's admins: `ludice run` gives them the admin commands, `ludice user show` marks them.
# Parsed by ludice.config.parse_admins.
Admins = Annotated[str | None, typer.Option(envvar="LUDICE_ADMINS",
                                            help="Comma-separated Telegram ids of admins.")]
DEFAULT_DB = Path("ludice.db")


class Failure(Exception):
    """A user error found by the CLI itself; `main()` prints it as one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@contextlib.contextmanager
def open_db(path: Path) -> Iterator[sqlite3.Connection]:
    conn = db.open_current(path)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def open_view(path: Path) -> Iterator[sqlite3.Connection]:
    """For commands that only look: a read-only connection, which takes no lock the bot's
    writes could wait for and cannot change anything by mistake."""
    conn = db.open_current(path, read_only=True)
    try:
        yield conn
    finally:
        conn.close()


def require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise Failure("--reason is required and cannot be empty")
    return reason.strip()
