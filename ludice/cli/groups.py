"""`ludice group ...`: the groups the bot plays in, for admins. Read-only: a group's own
admins change its settings in the group with /ludice."""

from __future__ import annotations

from typing import Annotated

import typer

from ludice import challenges, groups, leaderboard
from ludice import settings as game_settings
from ludice.cli.common import DEFAULT_DB, DbPath, Json, open_view
from ludice.cli.output import emit, pairs, table, when

group_app = typer.Typer(no_args_is_help=True, help="Groups the bot plays in.")

Chat = Annotated[str, typer.Argument(metavar="CHAT",
                                     help="Chat id (like -1001234567890) or part of the title.")]


def _mode(throw_mode: bool, turn_seconds: int | None = None) -> str:
    return f"throw ({turn_seconds} s)" if throw_mode and turn_seconds else (
        "throw" if throw_mode else "bot rolls")


@group_app.command("list")
def group_list(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Every group the bot has been in: play on or off, settings, lobbies."""
    with open_view(path) as conn:
        rows = groups.listing(conn)
    for row in rows:
        row["bot_in_group"], row["play"] = bool(row.pop("present")), bool(row.pop("enabled"))
        row["mode"] = _mode(bool(row.pop("throw_mode")))
        row["updated"] = when(row.pop("updated_at"))
    emit(rows, as_json, table(rows, ["chat_id", "title", "bot_in_group", "play", "games",
                                     "seats", "mode", "in_play", "settled", "updated"]))


@group_app.command("show", context_settings={"ignore_unknown_options": True})
def group_show(chat: Chat, path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """One group: its settings, its lobbies in play and its best players (all time)."""
    with open_view(path) as conn:
        group = groups.resolve(conn, chat)
        low, high = group.bet_limits(game_settings.load(conn))
        lobbies = challenges.in_play(conn, group.chat_id)
        best = leaderboard.group_top(conn, group.chat_id, limit=10)
    info = {"chat_id": group.chat_id, "title": group.title, "bot_in_group": group.present,
            "play": group.enabled, "language": group.lang, "games": ",".join(group.games),
            "bets": f"{low}-{high}", "seats": group.seats,
            "mode": _mode(group.throw_mode, group.turn_seconds),
            "topic": "any" if group.topic_id is None else group.topic_id,
            "added": when(group.added_at), "updated": when(group.updated_at),
            "updated_by": group.updated_by}
    for lobby in lobbies:
        lobby["expires"] = when(lobby.pop("expires_at"))
    top = [{"player": name, "net": net} for name, net in best["net"]]
    wins = [{"player": name, "wins": count} for name, count in best["wins"]]
    emit({**info, "lobbies_in_play": lobbies, "top_by_net": top, "top_by_wins": wins},
         as_json, "\n\n".join([pairs(info), "lobbies in play:\n" + table(lobbies),
                               "top players by net winnings:\n" + table(top),
                               "top players by wins:\n" + table(wins)]))
