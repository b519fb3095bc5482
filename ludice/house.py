"""Duels against the house: a player alone never waits. A house duel is an ordinary private
lobby of two seats in which the house holds the second seat under its ledger account id
(ledger.HOUSE), so the duel rules, escrow, settlement exactly once, crash recovery, refunds and
the audit are the lobby's own (ludice.games, ludice.duels, ludice.refunds). The player's stake
goes through games.take_seat like any stake, with every check a seat gets; the house matches
it from its own account in the same transaction.

The house may refuse: when house play is off, above `house_max_bet`, for a friendly (0) bet,
and when the bet could take its losses of the last 24 hours past `house_daily_loss_cap`.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3

from ludice import games, ledger, rules
from ludice.games import Entered, GameRefused
from ludice.settings import Settings

DAY = 86_400
HOUSE_NAME = "🏠"  # how results name the house, in every language

# What the house has lost on each of its seats: a resolved duel by its payouts and fee; one
# still in play as if the player wins it (its worst case), so the cap holds before it settles.
_LOSS = """
    CASE WHEN l.status IN ('open', 'rolling')
         THEN h.stake - 2 * h.stake * coalesce(l.fee_percent, :percent) / 100
         ELSE h.stake - coalesce(h.payout, 0) - l.fee END
"""


def worst_loss(bet: int, fee_percent: int) -> int:
    """What the house loses when the player wins a duel of `bet`: its stake less the fee."""
    return bet - rules.house_fee(2 * bet, fee_percent)


def losses(conn: sqlite3.Connection, *, settings: Settings, now: int) -> int:
    """The house's net loss over house duels begun in the last 24 hours (0 when it is ahead),
    counting each duel still in play at its worst."""
    # Through the partial index of house seats by time (its condition written out, not
    # bound, as a partial index needs): the planner, left alone, reads every seat the house
    # ever took by user id; ~6 ms for a day of 8,640 duels among 100k.
    total = conn.execute(
        f"SELECT coalesce(sum({_LOSS}), 0) FROM lobby_players h"
        " INDEXED BY lobby_players_house JOIN lobbies l ON l.id = h.lobby_id"
        f" WHERE h.user_id = {ledger.HOUSE:d} AND h.joined_at > :since",
        {"percent": settings.house_fee_percent, "since": now - DAY},
    ).fetchone()[0]
    return max(0, total)


def room(conn: sqlite3.Connection, *, settings: Settings, now: int) -> int | None:
    """The largest bet the house takes now (None: no cap); below min_bet it takes none."""
    cap = settings.house_daily_loss_cap
    if not cap:
        return None
    left = cap - losses(conn, settings=settings, now=now)
    low, high = 0, settings.house_bet_limit
    while low < high:  # worst_loss grows with the bet: the largest bet that still fits
        middle = (low + high + 1) // 2
        if worst_loss(middle, settings.house_fee_percent) <= left:
            low = middle
        else:
            high = middle - 1
    return low


def _check_bet(conn: sqlite3.Connection, user_id: int, bet: int, *, settings: Settings,
               now: int) -> None:
    if bet == rules.FRIENDLY:
        raise GameRefused("house_no_friendly")
    try:
        rules.check_bet(bet, min_bet=settings.min_bet, max_bet=settings.house_bet_limit,
                        balance=ledger.balance(conn, user_id))
    except rules.BetRefused as refused:
        raise GameRefused(refused.reason, limit=refused.limit) from None
    largest = room(conn, settings=settings, now=now)
    if largest is not None and bet > largest:
        if largest < settings.min_bet:
            raise GameRefused("house_closed_today")
        raise GameRefused("house_cap", limit=largest)


def play(conn: sqlite3.Connection, user_id: int, game: str, bet: int, *, settings: Settings,
         now: int) -> Entered:
    """Open a duel against the house and start it at once: the player's stake through
    games.take_seat, the house's from its account, both into escrow."""
    if not settings.house_play:
        raise GameRefused("house_off")
    if game not in rules.PRIVATE_GAMES:
        raise GameRefused("unknown_game")
    games.check_player(conn, user_id, now)
    busy = games.current_lobby(conn, user_id)
    if busy is not None:
        raise GameRefused("already_in_lobby", lobby_id=busy.id, status=busy.status)
    _check_bet(conn, user_id, bet, settings=settings, now=now)
    # The house's seat needs a users row (seats and rolls name a user); it never signs in, so
    # it can never be a Telegram user (those have positive ids).
    conn.execute("INSERT INTO users (id, first_name, created_at, last_seen_at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                 (ledger.HOUSE, HOUSE_NAME, now, now))
    lobby_id = games.open_lobby(conn, game, bet, 2, None, user_id, settings=settings, now=now)
    games.take_seat(conn, lobby_id, user_id, now)  # seat 1: the player's die comes first
    conn.execute("INSERT INTO lobby_players (lobby_id, user_id, seat, stake, joined_at)"
                 " VALUES (?, ?, 2, ?, ?)", (lobby_id, ledger.HOUSE, bet, now))
    ledger.transfer(conn, debit=ledger.HOUSE, credit=ledger.ESCROW, amount=bet, kind="stake",
                    key=f"stake:{lobby_id}:{ledger.HOUSE}", now=now,
                    reference=f"lobby {lobby_id}")
    games.start(conn, lobby_id)
    return Entered(games.get_lobby(conn, lobby_id), [user_id, ledger.HOUSE])


def is_house_lobby(conn: sqlite3.Connection, lobby_id: int) -> bool:
    return conn.execute("SELECT 1 FROM lobby_players WHERE lobby_id = ? AND user_id = ?",
                        (lobby_id, ledger.HOUSE)).fetchone() is not None


def results(conn: sqlite3.Connection) -> dict[str, int]:
    """The house's record in house duels (for `ludice stats`): settled duels, how many it won
    and lost, and its net result in credits, fees included."""
    row = conn.execute(
        "SELECT count(*), coalesce(sum(h.won = 1), 0), coalesce(sum(h.won = 0), 0),"
        " coalesce(sum(h.payout + l.fee - h.stake), 0)"
        " FROM lobby_players h JOIN lobbies l ON l.id = h.lobby_id"
        " WHERE h.user_id = ? AND l.status = 'settled'", (ledger.HOUSE,)).fetchone()
    return {"house_duels": row[0], "house_duels_won": row[1], "house_duels_lost": row[2],
            "house_duels_net": row[3]}
