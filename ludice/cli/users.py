"""`ludice user …`: look up, ban and unban players; their limits, and unexclude."""

from __future__ import annotations

import sqlite3

import typer

from ludice import config, db, limits, users
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

user_app = typer.Typer(no_args_is_help=True,
                       help="Look up, ban and unban players; their limits and exclusions.")


TIMES = ("terms_accepted", "banned", "created", "last_seen")


def _limits_row(conn: sqlite3.Connection, user_id: int) -> dict:
    """What a player set in /limits: limits in force with what the window holds, looser
    values still waiting their 24 hours, reality checks, a time-out or exclusion."""
    view = limits.overview(conn, user_id, db.now())
    return {
        "limits": {r.item: {"limit": r.limit, "used": r.used}
                   for r in view.limits if r.limit is not None} or None,
        "pending": {r.item: {"value": r.waiting.pending_value, "from": when(r.waiting.pending_at)}
                    for r in view.limits if r.waiting is not None} or None,
        "reality_check_minutes": view.reminder or None,
        "exclusion": {"kind": view.exclusion.kind, "until": when(view.exclusion.ends_at)}
                     if view.exclusion else None,
    }


def _flat(row: dict) -> dict:
    """`user show` for people: the nested limits on one line each."""
    shown = dict(row)
    if row["limits"]:
        shown["limits"] = ", ".join(f"{item} {v['limit']} ({v['used']} used)"
                                    for item, v in row["limits"].items())
    if row["pending"]:
        shown["pending"] = ", ".join(f"{item} -> {v['value'] or 'none'} from {v['from']}"
                                     for item, v in row["pending"].items())
    if row["exclusion"]:
        shown["exclusion"] = f"{row['exclusion']['kind']} until {row['exclusion']['until']}"
    return shown


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
        target = users.resolve(conn, user)
        row = users.card(conn, target, config.parse_admins(admins))
        row.update(_limits_row(conn, target.id))
    row.update({key: when(row[key]) if row[key] else None for key in TIMES})
    emit(row, as_json, pairs(_flat(row)))


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


@user_app.command("limits")
def user_limits(user: UserRef, path: DbPath = DEFAULT_DB, as_json: Json = False,
                limit: Limit = 100) -> None:
    """A player's limits history (newest first) and every time-out or exclusion."""
    with open_view(path) as conn:
        target = users.resolve(conn, user)
        changes = limits.history(conn, target.id, limit)
        pauses = limits.exclusions(conn, target.id)
    for row in changes:
        row["created_at"], row["effective_at"] = when(row["created_at"]), when(row["effective_at"])
    for row in pauses:
        for key in ("started_at", "ends_at", "lifted_at"):
            row[key] = when(row[key]) if row[key] else None
    emit({"changes": changes, "exclusions": pauses}, as_json,
         f"changes:\n{table(changes)}\n\ntime-outs and exclusions:\n{table(pauses)}")


@user_app.command("unexclude")
def user_unexclude(user: UserRef, reason: RequiredReason = None,
                   path: DbPath = DEFAULT_DB) -> None:
    """End a player's time-out or self-exclusion early. Only for a mistake or a legal
    request: players can't do this and group admins can't either; the reason is recorded."""
    why = require_reason(reason)
    with open_db(path) as conn, db.transaction(conn):
        target = users.resolve(conn, user)
        ended = limits.unexclude(conn, target.id, why, db.now())
    typer.echo(f"ended {ended} time-out(s)/exclusion(s) of {target.label} ({target.id})"
               if ended else f"{target.label} ({target.id}) has no time-out or exclusion;"
               " nothing changed")
