"""The `ludice` command: thin Typer commands over the domain functions. Nothing here imports
aiogram except `ludice run`, so admin commands start in a blink."""

from __future__ import annotations

import re
import sqlite3
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer

from ludice import config as run_config
from ludice import db, games, ledger, reports, users
from ludice import settings as game_settings
from ludice.cli_common import (
    DEFAULT_DB,
    DbPath,
    Failure,
    Json,
    Limit,
    Reason,
    UserRef,
    open_db,
    require_reason,
)
from ludice.cli_groups import group_app
from ludice.cli_payments import payment_app
from ludice.errors import LudiceError
from ludice.output import emit, pairs, table, when

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="ludice: a Telegram dice game for small communities, and its admin tool.")
db_app = typer.Typer(no_args_is_help=True, help="Create, check and back up the database.")
user_app = typer.Typer(no_args_is_help=True, help="Look up, ban and unban players.")
balance_app = typer.Typer(no_args_is_help=True, help="Show and correct balances.")
settings_app = typer.Typer(no_args_is_help=True, help="Show and change game settings.")
lobby_app = typer.Typer(no_args_is_help=True, help="List and cancel lobbies.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(balance_app, name="balance")
app.add_typer(settings_app, name="settings")
app.add_typer(lobby_app, name="lobby")
app.add_typer(payment_app, name="payment")
app.add_typer(group_app, name="group")

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


# -- db ---------------------------------------------------------------------------------------

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
    with open_db(path) as conn:
        written = db.backup(conn, dest)
    typer.echo(f"backed up {path} to {written} (integrity ok)")


@db_app.command("check")
def db_check(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Integrity check plus the ledger audit; exit 1 on any problem."""
    with open_db(path) as conn:
        problems = db.integrity_problems(conn) + ledger.audit(conn)
    _report_problems(problems, as_json, f"{path}: integrity ok, ledger balanced")


def _report_problems(problems: list[str], as_json: bool, ok_line: str) -> None:
    emit({"ok": not problems, "problems": problems}, as_json,
         ok_line if not problems else "\n".join(f"problem: {p}" for p in problems))
    if problems:
        raise typer.Exit(1)


@app.command("audit")
def audit(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Check the ledger invariants; exit 0 when clean, 1 listing each violation."""
    with open_db(path) as conn:
        problems = ledger.audit(conn)
    _report_problems(problems, as_json, "ledger balanced: no violations")


# -- users ------------------------------------------------------------------------------------

@user_app.command("list")
def user_list(path: DbPath = DEFAULT_DB, as_json: Json = False,
              limit: Limit = 100) -> None:
    """Players, most recently seen first."""
    with open_db(path) as conn:
        rows = users.listing(conn, limit)
    for row in rows:
        row["last_seen"] = when(row.pop("last_seen_at"))
        row["accepted"], row["banned"] = bool(row["accepted"]), bool(row["banned"])
    emit(rows, as_json, table(rows))


@user_app.command("show")
def user_show(user: UserRef, path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """One player's profile and balance."""
    with open_db(path) as conn:
        row = _user_row(conn, users.resolve(conn, user))
    emit(row, as_json, pairs(row))


@user_app.command("ban")
def user_ban(user: UserRef, reason: Reason = None, path: DbPath = DEFAULT_DB) -> None:
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


# -- balances and the ledger ------------------------------------------------------------------

@balance_app.command("show")
def balance_show(user: UserRef, path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """A player's balance."""
    with open_db(path) as conn:
        target = users.resolve(conn, user)
        amount = ledger.balance(conn, target.id)
    emit({"user": target.id, "username": target.username, "balance": amount}, as_json,
         f"{target.label} ({target.id}): {amount} credits")


@balance_app.command("adjust", context_settings={"ignore_unknown_options": True})
def balance_adjust(
    user: UserRef,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT",
                                          help="Credits to add; negative to take away.")],
    reason: Reason = None,
    path: DbPath = DEFAULT_DB,
    key: Annotated[str | None, typer.Option(help="Idempotency key: a retry with the same key "
                                                  "changes nothing.")] = None,
) -> None:
    """Correct a balance through the ledger (a transfer with the `adjust` account)."""
    text = amount.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise Failure(f"AMOUNT must be a whole number like 50 or -50, not {amount!r}")
    credits = int(text)
    if credits == 0:
        raise Failure("AMOUNT cannot be 0")
    why = require_reason(reason)
    with open_db(path) as conn, db.transaction(conn):
        target = users.resolve(conn, user)
        moved = ledger.adjust(conn, target.id, credits, reason=why, now=db.now(),
                              key=f"adjust:{key or uuid.uuid4().hex}")
        now_holds = ledger.balance(conn, target.id)
    verb = "already applied" if moved.replayed else "adjusted"
    typer.echo(f"{verb}: {target.label} ({target.id}) {credits:+d}, balance now {now_holds}")


@app.command("ledger")
def ledger_show(
    user: Annotated[str | None, typer.Argument(metavar="[USER]",
                                               help="Only this player's entries.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 20,
    path: DbPath = DEFAULT_DB,
    as_json: Json = False,
) -> None:
    """The latest transfers, newest first."""
    with open_db(path) as conn:
        account = users.resolve(conn, user).id if user else None
        entries = ledger.history(conn, account, limit)
        names = ledger.account_names(conn)
    rows = [{"id": t.id, "time": when(t.created_at), "from": names.get(t.debit_id, t.debit_id),
             "to": names.get(t.credit_id, t.credit_id), "amount": t.amount, "kind": t.kind,
             "reference": t.reference} for t in entries]
    emit(rows, as_json, table(rows))


# -- settings and stats -----------------------------------------------------------------------

@settings_app.command("show")
def settings_show(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Every setting with its current value."""
    with open_db(path) as conn:
        current = game_settings.load(conn)
    rows = [{"key": k, "value": game_settings.render(getattr(current, k)),
             "default": game_settings.render(s.default), "meaning": s.help}
            for k, s in game_settings.SPECS.items()]
    emit({r["key"]: getattr(current, r["key"]) for r in rows}, as_json, table(rows))


@settings_app.command("set")
def settings_set(key: Annotated[str, typer.Argument(metavar="KEY")],
                 value: Annotated[str, typer.Argument(metavar="VALUE")],
                 path: DbPath = DEFAULT_DB) -> None:
    """Change a setting (validated; the running bot picks it up at its next action)."""
    with open_db(path) as conn, db.transaction(conn):
        stored = game_settings.set_value(conn, key, value, db.now())
    typer.echo(f"{key} = {game_settings.render(stored)}")


@app.command("stats")
def stats(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Players, money in circulation, lobbies."""
    with open_db(path) as conn:
        figures = reports.stats(conn)
    emit(figures, as_json, pairs(figures))


# -- lobbies ----------------------------------------------------------------------------------

@lobby_app.command("list")
def lobby_list(
    path: DbPath = DEFAULT_DB,
    as_json: Json = False,
    all_: Annotated[bool, typer.Option("--all", help="Include settled, expired and cancelled."
                                       )] = False,
    limit: Limit = 100,
) -> None:
    """Lobbies in play (open or rolling), newest first; group lobbies name their group."""
    with open_db(path) as conn:
        rows = games.listing(conn, include_closed=all_, limit=limit)
    for row in rows:
        chat_id, title = row.pop("chat_id"), row.pop("group_title")
        row["chat"] = f"{title or 'group'} ({chat_id})" if chat_id else "private"
        row["created"], row["expires"] = when(row.pop("created_at")), when(row.pop("expires_at"))
    emit(rows, as_json, table(rows))


@lobby_app.command("cancel")
def lobby_cancel(
    lobby_id: Annotated[int, typer.Argument(metavar="ID", help="Lobby id.")],
    reason: Reason = None,
    path: DbPath = DEFAULT_DB,
) -> None:
    """Cancel an open or rolling lobby and refund every stake. The players (and, for a group
    lobby, the group) are told by the running bot within seconds (or at its next start)."""
    why = require_reason(reason)
    with open_db(path) as conn, db.transaction(conn):
        lobby = games.cancel(conn, lobby_id, reason=why, now=db.now())
        refunded = games.players(conn, lobby.id)
        where = f" in group {games.group_title(conn, lobby.chat_id)}" if lobby.chat_id else ""
    typer.echo(f"cancelled lobby {lobby.id}{where}; refunded {lobby.bet} to each of "
               f"{len(refunded)} player(s): {', '.join(map(str, refunded))}")


# -- the bot ----------------------------------------------------------------------------------

@app.command("run")
def run(
    token: Annotated[str | None, typer.Option(envvar="LUDICE_TOKEN", show_default=False,
                                              help="Bot token from @BotFather.")] = None,
    path: DbPath = DEFAULT_DB,
    api_url: Annotated[str | None, typer.Option("--api-url", envvar="LUDICE_API_URL",
                                                help="Base URL of another Bot API server.")
                       ] = None,
    admins: Annotated[str | None, typer.Option(envvar="LUDICE_ADMINS",
                                               help="Comma-separated Telegram ids of admins.")
                      ] = None,
    log_level: Annotated[str, typer.Option(envvar="LUDICE_LOG_LEVEL")] = "INFO",
    log_format: Annotated[str, typer.Option(envvar="LUDICE_LOG_FORMAT",
                                            help="text or json.")] = "text",
) -> None:
    """Run the bot (long polling) until Ctrl-C or SIGTERM. Migrates the database first."""
    import asyncio

    config = run_config.build(token=token, db_path=path, api_url=api_url, admins=admins,
                              log_level=log_level, log_format=log_format)
    from ludice.bot import app as bot_app  # aiogram takes seconds to import: only here

    bot_app.configure_logging(config.log_level, config.log_format)
    typer.echo(f"ludice: database {path.resolve()}", err=True)
    asyncio.run(bot_app.run(config))


def main() -> None:
    try:
        app()
    except (Failure, LudiceError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(getattr(exc, "code", 1))
    except OverflowError:
        typer.echo("error: a number is too large (ids and amounts fit in 64 bits)", err=True)
        sys.exit(1)
    except sqlite3.Error as exc:
        typer.echo(f"error: database: {exc}", err=True)
        sys.exit(1)
