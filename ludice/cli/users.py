"""`ludice user …`: look up, ban and unban players."""

from __future__ import annotations

import typer

from ludice import config, db, users
from ludice.cli.common import (
    DEFAULT_DB,
    Admins,
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


TIMES = ("terms_accepted", "banned", "created", "last_seen")



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
def user_show(user: UserRef, path: DbPath = DEFAULT_DB, as_json: Json = False,
              admins: Admins = None) -> None:
    """One player's profile and balance; `admin` says whether the bot takes them for one."""
    with open_view(path) as conn:
        row = users.card(conn, users.resolve(conn, user), config.parse_admins(admins))
    row.update({key: when(row[key]) if row[key] else None for key in TIMES})
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
