"""Group leaderboards. The boards are kept in `group_scores`, written by a trigger in the
transaction that settles a group duel (migrations.sql, step 8): one row per group, player and
period (0 = all time, or the week). Reading a board is then an index range, however many duels
the group played; deriving it from every settled lobby on each /top took 0.5-1.5 s at 1M
transfers. `derived_scores` computes the same figures from the lobbies themselves, and
`score_problems` names every kept row that differs (`ludice db check` runs it).

A player's own record (player_stats, for /profile) is derived from their settled lobbies.

Net winnings of a player in a game = payout - stake; a win = a payout above the stake (a split
that only returns the stake is not a win), or in a friendly game the top die alone (the
trigger says the same as WIN). House duels are private games, never a group's. "This week"
starts Monday 00:00 UTC."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from ludice import ledger, snapshots

ALL_TIME = 0
# A win: more credits back than staked, or in a friendly game (no credits) the top die alone.
WIN = "CASE WHEN p.stake = 0 THEN coalesce(p.won = 1, 0) ELSE p.payout > p.stake END"
LOSS = "CASE WHEN p.stake = 0 THEN coalesce(p.won = 0, 0) ELSE p.payout < p.stake END"


def week_start(now: int) -> int:
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((day - timedelta(days=day.weekday())).timestamp())


_NAME = "coalesce(nullif(u.first_name, ''), '@' || u.username, CAST(s.user_id AS TEXT))"
_BOARDS = {"net": ("", "s.net DESC, s.wins DESC"),
           "wins": ("AND s.wins > 0", "s.wins DESC, s.net DESC")}


def group_top(conn: sqlite3.Connection, chat_id: int, *, since: int = ALL_TIME, limit: int = 5
              ) -> dict[str, list[tuple[str, int]]]:
    """The best `limit` players of a group by net winnings and by wins: all time, or (`since`
    = a week_start) that week."""
    if since != ALL_TIME and since != week_start(since):
        raise ValueError(f"since must be 0 or the start of a week, not {since}")
    out = {}
    for key, (where, order) in _BOARDS.items():
        rows = conn.execute(
            f"SELECT {_NAME}, s.{key} FROM group_scores s LEFT JOIN users u ON u.id = s.user_id"
            f" WHERE s.chat_id = :chat AND s.period = :period {where}"
            f" ORDER BY {order}, s.user_id LIMIT :limit",
            {"chat": chat_id, "period": since, "limit": limit})
        out[key] = [(r[0], r[1]) for r in rows]
    return out


def player_ranks(conn: sqlite3.Connection, user_id: int) -> list[dict]:
    """Where a player stands in every group they played in (all time): rank by net winnings
    and by wins among that group's players (1 + how many did better)."""
    rows = conn.execute(
        """
        SELECT s.chat_id, coalesce(nullif(g.title, ''), CAST(s.chat_id AS TEXT)) AS title,
               s.net, s.wins, s.games,
               1 + (SELECT count(*) FROM group_scores o WHERE o.chat_id = s.chat_id
                    AND o.period = 0 AND o.net > s.net) AS net_rank,
               1 + (SELECT count(*) FROM group_scores o WHERE o.chat_id = s.chat_id
                    AND o.period = 0 AND o.wins > s.wins) AS wins_rank,
               (SELECT count(*) FROM group_scores o WHERE o.chat_id = s.chat_id
                AND o.period = 0) AS players
        FROM group_scores s LEFT JOIN groups g ON g.chat_id = s.chat_id
        WHERE s.user_id = ? AND s.period = 0 ORDER BY net_rank, s.chat_id
        """, (user_id,))
    return [dict(r) for r in rows]


def move_group(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    """A group got a new chat id (ludice.groups.migrate): its boards go with it."""
    conn.execute(
        "INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)"
        " SELECT ?, period, user_id, net, wins, games FROM group_scores WHERE chat_id = ?"
        " ON CONFLICT (chat_id, period, user_id) DO UPDATE SET net = net + excluded.net,"
        " wins = wins + excluded.wins, games = games + excluded.games", (new_id, old_id))
    conn.execute("DELETE FROM group_scores WHERE chat_id = ?", (old_id,))


def derived_scores(conn: sqlite3.Connection) -> set[tuple[int, int, int, int, int, int]]:
    """(chat, period, player, net, wins, games) computed from every settled group lobby: what
    `group_scores` must hold. A full scan: for checks, never for a player's command."""
    rows = conn.execute(
        f"""
        WITH games AS (
            SELECT l.chat_id, p.user_id, p.payout - p.stake AS net, {WIN} AS won,
                   (l.resolved_at / 86400 - (l.resolved_at / 86400 + 3) % 7) * 86400 AS week
            FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id
            WHERE l.chat_id IS NOT NULL AND l.status = 'settled')
        SELECT chat_id, 0, user_id, sum(net), sum(won), count(*) FROM games
        GROUP BY chat_id, user_id
        UNION ALL
        SELECT chat_id, week, user_id, sum(net), sum(won), count(*) FROM games
        GROUP BY chat_id, week, user_id
        """)
    return {tuple(r) for r in rows}


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


def kept_scores(conn: sqlite3.Connection) -> set[tuple[int, int, int, int, int, int]]:
    return {tuple(r) for r in conn.execute(
        "SELECT chat_id, period, user_id, net, wins, games FROM group_scores")}


def score_problems(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """Every (group, period, player) whose kept figures differ from its settled games, at most
    `limit` of them named (then how many more). Both sides in one read snapshot."""
    with snapshots.one(conn):
        kept = {row[:3]: row[3:] for row in kept_scores(conn)}
        derived = {row[:3]: row[3:] for row in derived_scores(conn)}
    wrong = sorted(key for key in kept.keys() | derived.keys()
                   if kept.get(key) != derived.get(key))
    problems = []
    for chat, period, user in wrong[:limit]:
        when = "all time" if period == ALL_TIME else (
            "week of " + datetime.fromtimestamp(period, UTC).date().isoformat())
        problems.append(f"leaderboard of group {chat}, {when}, player {user}: kept "
                        f"{_figures(kept.get((chat, period, user)))}, its settled games say "
                        f"{_figures(derived.get((chat, period, user)))}")
    if len(wrong) > limit:
        problems.append(f"leaderboards: {len(wrong) - limit} more rows differ")
    return problems


def _figures(row: tuple[int, ...] | None) -> str:
    return "nothing" if row is None else "net {}, wins {}, games {}".format(*row)
