"""Lobbies and matchmaking: open a lobby, seat players, start it, find and list lobbies.
Stakes move user -> escrow on entry and escrow -> players / house when the lobby resolves: a
duel settles (ludice.duels) or it ends without one, every stake back (ludice.refunds). A
lobby resolves exactly once because every resolution is an `UPDATE ... WHERE status =
<expected>` that must change one row.

Functions take the connection first and never commit: one call is one unit of work."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from ludice import fairness, ledger, limits, rules, users
from ludice.errors import Refused
from ludice.settings import Settings

IN_PLAY = ("open", "rolling")


class GameRefused(Refused):
    """A game action the rules refuse; `reason` names a catalog text."""


@dataclass(frozen=True)
class Lobby:
    id: int
    game: str
    bet: int
    seats: int
    chat_id: int | None
    creator_id: int
    status: str
    round: int
    fee: int
    created_at: int
    expires_at: int
    resolved_at: int | None
    cancel_reason: str | None
    # The terms the lobby opened under; None on lobbies older than schema step 5, which
    # play by the current settings.
    fee_percent: int | None = None
    tie_rounds: int | None = None

    def house_fee_percent(self, settings: Settings) -> int:
        return settings.house_fee_percent if self.fee_percent is None else self.fee_percent

    def tie_limit(self, settings: Settings) -> int:
        return settings.tie_rounds if self.tie_rounds is None else self.tie_rounds

    @property
    def emoji(self) -> str:
        return rules.GAMES[self.game].emoji


@dataclass(frozen=True)
class Entered:
    lobby: Lobby
    players: list[int]

    @property
    def started(self) -> bool:
        return self.lobby.status == "rolling"


@dataclass(frozen=True)
class Advance:
    lobby: Lobby
    settled: bool
    next_players: list[int] = field(default_factory=list)  # who re-rolls after a tie


_LOBBY_COLUMNS = ("id, game, bet, seats, chat_id, creator_id, status, round, fee, created_at,"
                  " expires_at, resolved_at, cancel_reason, fee_percent, tie_rounds")


def get_lobby(conn: sqlite3.Connection, lobby_id: int) -> Lobby | None:
    row = conn.execute(f"SELECT {_LOBBY_COLUMNS} FROM lobbies WHERE id = ?",
                       (lobby_id,)).fetchone()
    return Lobby(*row) if row else None


def players(conn: sqlite3.Connection, lobby_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT user_id FROM lobby_players WHERE lobby_id = ? ORDER BY seat", (lobby_id,))]


def current_lobby(conn: sqlite3.Connection, user_id: int) -> Lobby | None:
    row = conn.execute(
        f"SELECT {', '.join('l.' + c.strip() for c in _LOBBY_COLUMNS.split(','))}"
        " FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id"
        # payout IS NULL: the partial index of lobbies in play (migrations.sql, step 8)
        " WHERE p.user_id = ? AND p.payout IS NULL AND l.status IN ('open', 'rolling')"
        " ORDER BY l.id DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    return Lobby(*row) if row else None


def check_player(conn: sqlite3.Connection, user_id: int, now: int | None = None
                 ) -> users.User:
    """The player may play: terms accepted, not banned and (given `now`) not in a time-out or
    self-exclusion. take_seat checks the exclusion again, whoever calls it."""
    user = users.get(conn, user_id)
    if user is None or user.terms_accepted_at is None:
        raise GameRefused("terms_needed")
    if user.banned_at is not None:
        raise GameRefused("banned", reason=user.ban_reason)
    if now is not None:
        _admit(limits.refuse_if_excluded, conn, user_id, now)
    return user


def _admit(check, conn: sqlite3.Connection, *args: int) -> None:
    try:
        check(conn, *args)
    except limits.LimitRefused as refused:
        raise GameRefused(refused.reason, **refused.details) from None


def enter(
    conn: sqlite3.Connection,
    user_id: int,
    game: str,
    bet: int,
    *,
    settings: Settings,
    now: int,
) -> Entered:
    """Private matchmaking: join the oldest open lobby for the same game and bet that someone
    else opened, or open one. The stake moves to escrow in this same transaction."""
    if game not in rules.PRIVATE_GAMES:
        raise GameRefused("unknown_game")
    check_player(conn, user_id, now)
    busy = current_lobby(conn, user_id)
    if busy is not None:
        raise GameRefused("already_in_lobby", lobby_id=busy.id, status=busy.status)
    try:
        rules.check_bet(bet, min_bet=settings.min_bet, max_bet=settings.max_bet,
                        balance=ledger.balance(conn, user_id))
    except rules.BetRefused as refused:
        raise GameRefused(refused.reason, limit=refused.limit) from None
    row = conn.execute(
        f"SELECT {_LOBBY_COLUMNS} FROM lobbies WHERE status = 'open' AND game = ? AND bet = ?"
        " AND chat_id IS NULL AND creator_id <> ? AND expires_at > ? ORDER BY id LIMIT 1",
        (game, bet, user_id, now),
    ).fetchone()
    if row is None:
        lobby_id = open_lobby(conn, game, bet, 2, None, user_id, settings=settings, now=now)
    else:
        lobby_id = row[0]
    return take_seat(conn, lobby_id, user_id, now)


def open_lobby(conn: sqlite3.Connection, game: str, bet: int, seats: int, chat_id: int | None,
               creator_id: int, *, settings: Settings, now: int) -> int:
    """A new open lobby with no one seated yet. The house fee and the tie rule are fixed now:
    a settings change later never reaches stakes already in escrow."""
    return conn.execute(
        "INSERT INTO lobbies (game, bet, seats, chat_id, creator_id, created_at, expires_at,"
        " fee_percent, tie_rounds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (game, bet, seats, chat_id, creator_id, now, now + settings.lobby_ttl_seconds,
         settings.house_fee_percent, settings.tie_rounds),
    ).fetchone()[0]


def take_seat(conn: sqlite3.Connection, lobby_id: int, user_id: int, now: int) -> Entered:
    """Seat a player in an open lobby and move their stake to escrow; a lobby that fills
    starts. Callers have checked the player may sit here; the player's own limits, time-out
    and self-exclusion are checked here, in the stake's transaction, for every way in."""
    lobby = get_lobby(conn, lobby_id)
    assert lobby is not None and lobby.status == "open"
    _admit(limits.admit, conn, user_id, lobby.bet, now)
    seated = players(conn, lobby_id)
    conn.execute(
        "INSERT INTO lobby_players (lobby_id, user_id, seat, stake, joined_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (lobby_id, user_id, len(seated) + 1, lobby.bet, now),
    )
    if lobby.bet:  # a friendly game moves no credits
        ledger.transfer(conn, debit=user_id, credit=ledger.ESCROW, amount=lobby.bet,
                        kind="stake", key=f"stake:{lobby_id}:{user_id}", now=now,
                        reference=f"lobby {lobby_id}")
    seated.append(user_id)
    if len(seated) == lobby.seats:
        start(conn, lobby_id)
    return Entered(get_lobby(conn, lobby_id), seated)


def start(conn: sqlite3.Connection, lobby_id: int) -> bool:
    """Open -> rolling, and the seed of any server draw fixed now, before the first die
    (ludice.fairness), so its commitment can go out with the start."""
    cur = conn.execute("UPDATE lobbies SET status = 'rolling', round = 1"
                       " WHERE id = ? AND status = 'open'", (lobby_id,))
    if cur.rowcount != 1:
        return False
    fairness.commit(conn, lobby_id)
    return True


def group_title(conn: sqlite3.Connection, chat_id: int) -> str:
    row = conn.execute("SELECT title FROM groups WHERE chat_id = ?", (chat_id,)).fetchone()
    return row[0] if row and row[0] else str(chat_id)


def open_lobbies(conn: sqlite3.Connection) -> list[Lobby]:
    return [Lobby(*r) for r in conn.execute(
        f"SELECT {_LOBBY_COLUMNS} FROM lobbies WHERE status = 'open' ORDER BY id")]


def rolling_lobbies(conn: sqlite3.Connection) -> list[Lobby]:
    return [Lobby(*r) for r in conn.execute(
        f"SELECT {_LOBBY_COLUMNS} FROM lobbies WHERE status = 'rolling' ORDER BY id")]


def listing(conn: sqlite3.Connection, *, include_closed: bool = False, limit: int = 100
            ) -> list[dict]:
    where = "" if include_closed else "WHERE l.status IN ('open', 'rolling')"
    rows = [dict(r) for r in conn.execute(
        "SELECT l.id, l.game, l.bet, l.status, l.chat_id, g.title AS group_title, l.seats,"
        " '' AS players, l.created_at, l.expires_at"
        f" FROM lobbies l LEFT JOIN groups g ON g.chat_id = l.chat_id {where}"
        " ORDER BY l.id DESC LIMIT ?", (limit,))]
    seated: dict[int, list[str]] = {}
    if rows:
        ids = [r["id"] for r in rows]
        for lobby_id, user_id in conn.execute(
                "SELECT lobby_id, user_id FROM lobby_players WHERE lobby_id IN"
                f" ({','.join('?' * len(ids))}) ORDER BY lobby_id, seat", ids):
            # the house's seat by name: its user id (-1) reads like a typo among players
            seated.setdefault(lobby_id, []).append(
                "house" if user_id == ledger.HOUSE else str(user_id))
    for row in rows:
        row["players"] = ",".join(seated.get(row["id"], []))
    return rows
