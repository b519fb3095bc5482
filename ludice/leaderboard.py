"""Group leaderboards and a player's own record, derived from settled lobbies every time they
are asked for: the ledger and lobby_players already hold every figure, so no counter can drift
from them.

Net winnings of a player in a game = payout - stake; a win = a payout above the stake (a split
that only returns the stake is not a win), or in a friendly game the top die alone. House
duels are private games, never a group's. "This week" starts Monday 00:00 UTC."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from ludice import ledger

# A win: more credits back than staked, or in a friendly game (no credits) the top die alone.
WIN = "CASE WHEN p.stake = 0 THEN coalesce(p.won = 1, 0) ELSE p.payout > p.stake END"
LOSS = "CASE WHEN p.stake = 0 THEN coalesce(p.won = 0, 0) ELSE p.payout < p.stake END"


def week_start(now: int) -> int:
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((day - timedelta(days=day.weekday())).timestamp())


_TOTALS = f"""
    SELECT p.user_id, sum(p.payout - p.stake) AS net, sum({WIN}) AS wins,
           count(*) AS games
    FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id
    WHERE l.chat_id = :chat AND l.status = 'settled' AND l.resolved_at >= :since
    GROUP BY p.user_id
"""
_NAME = "coalesce(nullif(u.first_name, ''), '@' || u.username, CAST(t.user_id AS TEXT))"


def group_top(conn: sqlite3.Connection, chat_id: int, *, since: int = 0, limit: int = 5
              ) -> dict[str, list[tuple[str, int]]]:
    """The best `limit` players of a group since `since`: by net winnings and by wins."""
    out = {}
    for key, where, order in (("net", "", "t.net DESC, t.wins DESC"),
                              ("wins", "WHERE t.wins > 0", "t.wins DESC, t.net DESC")):
        rows = conn.execute(
            f"WITH t AS ({_TOTALS}) SELECT {_NAME}, t.{key} FROM t"
            f" LEFT JOIN users u ON u.id = t.user_id {where}"
            f" ORDER BY {order}, t.user_id LIMIT :limit",
            {"chat": chat_id, "since": since, "limit": limit})
        out[key] = [(r[0], r[1]) for r in rows]
    return out


def player_ranks(conn: sqlite3.Connection, user_id: int) -> list[dict]:
    """Where a player stands in every group they played in (all time): rank by net winnings
    and by wins among that group's players."""
    rows = conn.execute(
        f"""
        WITH t AS (
            SELECT l.chat_id, p.user_id, sum(p.payout - p.stake) AS net,
                   sum({WIN}) AS wins, count(*) AS games
            FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id
            WHERE l.chat_id IS NOT NULL AND l.status = 'settled'
            GROUP BY l.chat_id, p.user_id),
        r AS (
            SELECT t.*, rank() OVER (PARTITION BY chat_id ORDER BY net DESC) AS net_rank,
                   rank() OVER (PARTITION BY chat_id ORDER BY wins DESC) AS wins_rank,
                   count(*) OVER (PARTITION BY chat_id) AS players
            FROM t)
        SELECT r.chat_id, coalesce(nullif(g.title, ''), CAST(r.chat_id AS TEXT)) AS title,
               r.net, r.wins, r.games, r.net_rank, r.wins_rank, r.players
        FROM r LEFT JOIN groups g ON g.chat_id = r.chat_id
        WHERE r.user_id = ? ORDER BY r.net_rank, r.chat_id
        """, (user_id,))
    return [dict(r) for r in rows]


def player_stats(conn: sqlite3.Connection, user_id: int, *, house: bool = False
                 ) -> dict[str, int]:
    """A player's settled games against people, or (`house`) against the house."""
    row = conn.execute(
        f"SELECT count(*), coalesce(sum({WIN}), 0), coalesce(sum({LOSS}), 0),"
        " coalesce(sum(p.payout - p.stake), 0)"
        " FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id"
        " WHERE p.user_id = ? AND l.status = 'settled' AND"
        f" {'' if house else 'NOT '}EXISTS (SELECT 1 FROM lobby_players h"
        " WHERE h.lobby_id = p.lobby_id AND h.user_id = ?)",
        (user_id, ledger.HOUSE)).fetchone()
    games, wins, losses, net = row
    return {"games": games, "wins": wins, "losses": losses, "draws": games - wins - losses,
            "net": net, "win_rate": round(100 * wins / games) if games else 0}
