"""`ludice user …`: look up, ban and unban players."""

from __future__ import annotations

import sqlite3

import typer

from ludice import db, ledger, users
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Json,
    Limit,
    RequiredReason,
    UserRef,
    open_db,
    open_view,
    require_reason,
)
from ludice.cli.output import emit, pairs, table, when

user_app = typer.Typer(no_args_is_help=True, help="Look up, ban and unban players.")


def _user_row(conn: sqlite3.Connection, user: users.User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "language": user.language_code,
        "balance": ledger.balance(conn, user.id),
        "terms_accepted": when(user.terms_accepted_at) if user.terms_accepted_at else None,
        "banned": when(user.banned_at) if user.banned_at else None,
        "ban_reason": user.ban_reason,
        "created": when(user.created_at),
        "last_seen": when(user.last_seen_at),
    }



@user_app.command("list")
def user_list(path: DbPath = DEFAULT_DB, as_json: Json = False,
              limit: Limit = 100) -> None:
    """Players, most recently seen first."""
    with open_view(path) as conn:
        rows = users.listing(conn, limit)
    for row in rows:
        row["last_seen"] = when(row.pop("last_seen_at"))
        row["accepted"], row["banned"] = bool(row["accepted"]), bool(row["banned"])
    emit(rows, as_json, table(rows))


@user_app.command("show")
def user_show(user: UserRef, path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """One player's profile and balance."""
    with open_view(path) as conn:
        row = _user_row(conn, users.resolve(conn, user))
    emit(row, as_json, pairs(row))


@user_app.command("ban")
def user_ban(user: UserRef, reason: RequiredReason = None, path: DbPath = DEFAULT_DB) -> None:
    """Stop a player from playing (their balance stays theirs)."""
    why = require_reason(reason)
    with open_db(path) as conn, db.transaction(conn):
        target = users.resolve(conn, user)
        changed = users.ban(conn, target.id, why, db.now())
    typer.echo(f"banned {target.label} ({target.id})" if changed
               else f"{target.label} ({target.id}) was already banned; nothing changed")


@user_app.command("unban")
def user_unban(user: UserRef, path: DbPath = DEFAULT_DB) -> None:
    """Let a banned player play again."""
    with open_db(path) as conn, db.transaction(conn):
        target = users.resolve(conn, user)
        changed = users.unban(conn, target.id)
    typer.echo(f"unbanned {target.label} ({target.id})" if changed
               else f"{target.label} ({target.id}) was not banned; nothing changed")
