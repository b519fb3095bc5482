"""`ludice lobby …`: list and cancel lobbies."""

from __future__ import annotations

from typing import Annotated

import typer

from ludice import db, games, refunds
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Json,
    Limit,
    RequiredReason,
    open_db,
    open_view,
    require_reason,
)
from ludice.cli.output import emit, table, when

lobby_app = typer.Typer(no_args_is_help=True, help="List and cancel lobbies.")


@lobby_app.command("list")
def lobby_list(
    path: DbPath = DEFAULT_DB,
    as_json: Json = False,
    all_: Annotated[bool, typer.Option("--all", help="Include settled, expired and cancelled."
                                       )] = False,
    limit: Limit = 100,
) -> None:
    """Lobbies in play (open or rolling), newest first; group lobbies name their group."""
    with open_view(path) as conn:
        rows = games.listing(conn, include_closed=all_, limit=limit)
    for row in rows:
        chat_id, title = row.pop("chat_id"), row.pop("group_title")
        row["chat"] = f"{title or 'group'} ({chat_id})" if chat_id else "private"
        row["created"], row["expires"] = when(row.pop("created_at")), when(row.pop("expires_at"))
    emit(rows, as_json, table(rows))


@lobby_app.command("cancel")
def lobby_cancel(
    lobby_id: Annotated[int, typer.Argument(metavar="ID", help="Lobby id.")],
    reason: RequiredReason = None,
    path: DbPath = DEFAULT_DB,
) -> None:
    """Cancel an open or rolling lobby and refund every stake. The players (and, for a group
    lobby, the group) are told by the running bot within seconds (or at its next start)."""
    why = require_reason(reason)
    with open_db(path) as conn, db.transaction(conn):
        lobby = refunds.cancel(conn, lobby_id, reason=why, now=db.now())
        refunded = games.players(conn, lobby.id)
        where = f" in group {games.group_title(conn, lobby.chat_id)}" if lobby.chat_id else ""
    typer.echo(f"cancelled lobby {lobby.id}{where}; refunded {lobby.bet} to each of "
               f"{len(refunded)} player(s): {', '.join(map(str, refunded))}")
