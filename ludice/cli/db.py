"""`ludice db …` and `ludice audit`: create, check and back up the database; the ledger audit.
`ludice.backups` is imported by the commands that use it: a cold `ludice audit` (this module)
has no use for it (~10 ms)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ludice import db, ledger
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Json,
    open_db,
    open_view,
)
from ludice.cli.output import emit

db_app = typer.Typer(no_args_is_help=True, help="Create, check and back up the database.")


@db_app.command("migrate")
def db_migrate(path: DbPath = DEFAULT_DB) -> None:
    """Create the database or bring it to the current schema."""
    conn = db.open_db(path, create=True)
    try:
        before, after = db.migrate(conn)
    finally:
        conn.close()
    if before == after:
        typer.echo(f"{path}: schema is current (version {after})")
    else:
        typer.echo(f"{path}: migrated schema from version {before} to {after}")


@db_app.command("backup")
def db_backup(dest: Annotated[Path, typer.Argument(metavar="PATH", help="Backup file.")],
              path: DbPath = DEFAULT_DB) -> None:
    """Write a consistent, checked copy of the live database to PATH."""
    from ludice import backups

    with open_db(path) as conn:
        written = backups.backup(conn, dest)
    typer.echo(f"backed up {path} to {written} (integrity ok)")


@db_app.command("restore")
def db_restore(backup: Annotated[Path, typer.Argument(metavar="BACKUP", help="Backup file.",
                                                      dir_okay=False)],
               path: DbPath = DEFAULT_DB) -> None:
    """Replace the database with BACKUP (refused while a bot serves it). The backup's
    integrity and schema version are checked first; the replaced file is kept beside."""
    from ludice import backups

    done = backups.restore(path, backup, db.now())
    kept = (f"the replaced database is kept as {done.aside}" if done.aside
            else "there was no database to replace")
    migrated = (f", migrated from schema version {done.migrated_from}"
                if done.migrated_from is not None else "")
    typer.echo(f"restored {path} from {backup} (integrity ok, schema version {done.version}"
               f"{migrated}); {kept}")


@db_app.command("check")
def db_check(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Integrity check plus the ledger audit; exit 1 on any problem."""
    from ludice import backups

    with open_view(path) as conn:
        problems = backups.integrity_problems(conn) + ledger.audit(conn, parallel=True)
    _report_problems(problems, as_json, f"{path}: integrity ok, ledger balanced")


def _report_problems(problems: list[str], as_json: bool, ok_line: str) -> None:
    emit({"ok": not problems, "problems": problems}, as_json,
         ok_line if not problems else "\n".join(f"problem: {p}" for p in problems))
    if problems:
        raise typer.Exit(1)


def audit(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Check the ledger invariants; exit 0 when clean, 1 listing each violation."""
    with open_view(path) as conn:
        problems = ledger.audit(conn, parallel=True)  # a process of its own: both CPUs
    _report_problems(problems, as_json, "ledger balanced: no violations")
