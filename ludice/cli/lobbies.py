"""`ludice lobby …`: list, show and cancel lobbies."""

from __future__ import annotations

from typing import Annotated

import typer

from ludice import db, fairness, games, records, refunds
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Failure,
    Json,
    Limit,
    RequiredReason,
    open_db,
    open_view,
    require_reason,
)
from ludice.cli.output import emit, pairs, table, when

lobby_app = typer.Typer(no_args_is_help=True, help="List, show and cancel lobbies.")
LobbyId = Annotated[int, typer.Argument(metavar="ID", help="Lobby id.")]


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


@lobby_app.command("show")
def lobby_show(lobby_id: LobbyId, path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """A lobby's full record: players, stakes, every die of every round (value, who rolled
    it, its Telegram message and date), fee, payouts, the transfers, and the seed commitment
    (the seed itself once the lobby is over; server draws are recomputed from it)."""
    with open_view(path) as conn:
        record = records.load(conn, lobby_id)
    if record is None:
        raise Failure(f"no lobby {lobby_id}")
    emit(record.to_dict(), as_json, _human(record))


def _human(record: records.Record) -> str:
    lobby = record.lobby
    chat = f"{record.group} ({lobby.chat_id})" if record.group is not None else "private"
    hidden = "(revealed when the lobby is over)" if lobby.status in games.IN_PLAY else "-"
    head = pairs({
        "lobby": lobby.id, "game": lobby.game, "status": lobby.status
        + (f" ({lobby.cancel_reason})" if lobby.cancel_reason else ""), "chat": chat,
        "bet": lobby.bet, "pot": record.pot,
        "fee": f"{lobby.fee} ({lobby.fee_percent if lobby.fee_percent is not None else '-'}%)",
        "tie rounds": lobby.tie_rounds, "created": when(lobby.created_at),
        "resolved": when(lobby.resolved_at), "commitment": record.commitment,
        "seed": record.seed or hidden})
    players = table([{"seat": s.seat, "user": s.user_id, "name": s.name, "stake": s.stake,
                      "payout": s.payout} for s in record.players])
    dice = table([{"round": d.round, "player": d.name, "value": d.value, "rolled by": d.roller,
                   "chat": d.chat_id, "message": d.message_id, "sent": when(d.sent_at),
                   "check": d.checked} for d in record.dice])
    moves = table([{"id": t.id, "kind": t.kind, "from": record.account(t.debit_id),
                    "to": record.account(t.credit_id), "amount": t.amount, "key": t.idem_key,
                    "at": when(t.created_at)} for t in record.transfers])
    parts = [head, "", "players", players, "", "dice", dice, "", "transfers", moves]
    if record.server_draws:
        parts += ["", f"server draws: HMAC-SHA256(seed, \"{lobby.id}:ROUND:USER\"), bytes >="
                  f" {fairness.byte_limit(record.faces)} skipped, value = byte %"
                  f" {record.faces} + 1 (README: Checking a result); check = recomputed and"
                  " equal"]
    return "\n".join(parts)


@lobby_app.command("cancel")
def lobby_cancel(
    lobby_id: LobbyId,
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
