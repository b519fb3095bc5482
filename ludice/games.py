"""Lobbies, matchmaking, rolls and settlement. Stakes move user -> escrow on entry and
escrow -> players / house when the lobby resolves; a lobby resolves exactly once because
every resolution is an `UPDATE ... WHERE status = <expected>` that must change one row.

Functions take the connection first and never commit: one call is one unit of work."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from ludice import ledger, outbox, rules, users
from ludice.errors import LudiceError, Refused
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
        " WHERE p.user_id = ? AND l.status IN ('open', 'rolling') ORDER BY l.id DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    return Lobby(*row) if row else None


def check_player(conn: sqlite3.Connection, user_id: int) -> users.User:
    user = users.get(conn, user_id)
    if user is None or user.terms_accepted_at is None:
        raise GameRefused("terms_needed")
    if user.banned_at is not None:
        raise GameRefused("banned", reason=user.ban_reason)
    return user


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
    check_player(conn, user_id)
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
    starts. Callers have checked the player may sit here."""
    lobby = get_lobby(conn, lobby_id)
    assert lobby is not None and lobby.status == "open"
    seated = players(conn, lobby_id)
    conn.execute(
        "INSERT INTO lobby_players (lobby_id, user_id, seat, stake, joined_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (lobby_id, user_id, len(seated) + 1, lobby.bet, now),
    )
    ledger.transfer(conn, debit=user_id, credit=ledger.ESCROW, amount=lobby.bet, kind="stake",
                    key=f"stake:{lobby_id}:{user_id}", now=now, reference=f"lobby {lobby_id}")
    seated.append(user_id)
    if len(seated) == lobby.seats:
        start(conn, lobby_id)
    return Entered(get_lobby(conn, lobby_id), seated)


def start(conn: sqlite3.Connection, lobby_id: int) -> bool:
    cur = conn.execute("UPDATE lobbies SET status = 'rolling', round = 1"
                       " WHERE id = ? AND status = 'open'", (lobby_id,))
    return cur.rowcount == 1


# -- ending a lobby without a duel ------------------------------------------------------------

def _close_and_refund(
    conn: sqlite3.Connection, lobby: Lobby, status: str, now: int, text_key: str,
    reason: str | None = None, notify_except: int | None = None, *, card: bool = True,
    group_note: str | None = None,
) -> Lobby | None:
    """Resolve `lobby` as `status` and give every stake back, telling each player privately.
    A group lobby also gets its card redrawn (`card`; not when the bot left the group) and,
    with `group_note`, a message in the group."""
    cur = conn.execute(
        "UPDATE lobbies SET status = ?, resolved_at = ?, cancel_reason = ?"
        " WHERE id = ? AND status = ?",
        (status, now, reason, lobby.id, lobby.status),
    )
    if cur.rowcount != 1:
        return None  # someone else resolved it first
    where = {} if lobby.chat_id is None else {"group": group_title(conn, lobby.chat_id)}
    for user_id, stake in conn.execute(
        "SELECT user_id, stake FROM lobby_players WHERE lobby_id = ? ORDER BY seat", (lobby.id,)
    ).fetchall():
        ledger.transfer(conn, debit=ledger.ESCROW, credit=user_id, amount=stake, kind="refund",
                        key=f"refund:{lobby.id}:{user_id}", now=now,
                        reference=f"lobby {lobby.id} {status}")
        conn.execute("UPDATE lobby_players SET payout = stake WHERE lobby_id = ? AND user_id = ?",
                     (lobby.id, user_id))
        if user_id != notify_except:
            outbox.add(conn, user_id, text_key, now, lobby_id=lobby.id, game=lobby.game,
                       bet=stake, reason=reason or "", balance=ledger.balance(conn, user_id),
                       **where)
    if lobby.chat_id is not None:
        if card and lobby.status == "open":  # a started lobby's card has no buttons left
            outbox.add(conn, lobby.chat_id, "group_card", now, lobby_id=lobby.id)
        if group_note:
            outbox.add_for_lobby(conn, lobby.id, lobby.chat_id, group_note, now,
                                 game=lobby.game, reason=reason or "")
    return get_lobby(conn, lobby.id)


def group_title(conn: sqlite3.Connection, chat_id: int) -> str:
    row = conn.execute("SELECT title FROM groups WHERE chat_id = ?", (chat_id,)).fetchone()
    return row[0] if row and row[0] else str(chat_id)


def _notice(lobby: Lobby, private_key: str) -> str:
    """The private notice for a refund: group lobbies have their own wording."""
    return private_key if lobby.chat_id is None else f"group_{private_key}"


def leave(conn: sqlite3.Connection, user_id: int, lobby_id: int | None, *, now: int) -> Lobby:
    """The creator withdraws an open lobby before it fills; every stake comes back."""
    lobby = current_lobby(conn, user_id) if lobby_id is None else get_lobby(conn, lobby_id)
    if lobby is None:
        raise GameRefused("no_lobby" if lobby_id is None else "unknown_lobby")
    if user_id not in players(conn, lobby.id):
        raise GameRefused("not_your_lobby")
    if lobby.status != "open":
        raise GameRefused("lobby_started" if lobby.status == "rolling" else "lobby_closed")
    if lobby.creator_id != user_id:
        raise GameRefused("not_creator")
    closed = _close_and_refund(conn, lobby, "cancelled", now, _notice(lobby, "lobby_left"),
                               reason="left", notify_except=user_id)
    if closed is None:
        raise GameRefused("lobby_closed")
    return closed


def expire(conn: sqlite3.Connection, lobby_id: int, *, now: int) -> Lobby | None:
    """Refund a lobby whose time ran out; None when it filled, left or expired already."""
    lobby = get_lobby(conn, lobby_id)
    if lobby is None or lobby.status != "open" or lobby.expires_at > now:
        return None
    return _close_and_refund(conn, lobby, "expired", now, _notice(lobby, "lobby_expired"))


def refund_no_show(conn: sqlite3.Connection, lobby: Lobby, *, now: int,
                   group_note: bool = True) -> Lobby | None:
    """Nobody threw in the first round of a throw-your-own game: every stake comes back
    (and the group hears it, unless `group_note` is off)."""
    return _close_and_refund(conn, lobby, "expired", now, "group_lobby_closed",
                             reason="no_throws",
                             group_note="group_no_throws" if group_note else None)


def expire_due(conn: sqlite3.Connection, *, now: int) -> list[Lobby]:
    due = [r[0] for r in conn.execute(
        "SELECT id FROM lobbies WHERE status = 'open' AND expires_at <= ? ORDER BY id", (now,))]
    return [lobby for lobby_id in due if (lobby := expire(conn, lobby_id, now=now))]


def cancel(conn: sqlite3.Connection, lobby_id: int, *, reason: str, now: int) -> Lobby:
    """An admin stops a lobby, open or mid-duel, and refunds every stake."""
    reason = reason.strip()
    if not reason:
        raise LudiceError("a cancellation needs a reason")
    lobby = get_lobby(conn, lobby_id)
    if lobby is None:
        raise LudiceError(f"no lobby {lobby_id}")
    if lobby.status not in IN_PLAY:
        raise LudiceError(f"lobby {lobby_id} is already {lobby.status}; nothing to cancel")
    # Mid-duel the card is far up the chat: the group hears it in a message of its own.
    note = "group_cancelled" if lobby.chat_id is not None and lobby.status == "rolling" else None
    closed = _close_and_refund(conn, lobby, "cancelled", now, _notice(lobby, "lobby_cancelled"),
                               reason=reason, group_note=note)
    if closed is None:
        raise LudiceError(f"lobby {lobby_id} resolved while cancelling; nothing changed")
    return closed


def call_off(conn: sqlite3.Connection, lobby_id: int, *, reason: str, now: int,
             card: bool = True, group_note: str | None = None) -> Lobby | None:
    """Refund a lobby that can't go on through nobody's doing; `reason` is a code (play_off,
    bot_removed, unreachable, moved, telegram_error) the players read in words, and
    `group_note` an optional message about it in a group lobby's chat. None if not in play.
    A group lobby whose dice were seen is not refunded by the group's doing: see
    ludice.groups (play off touches open lobbies only, a removed bot finishes the duel)."""
    lobby = get_lobby(conn, lobby_id)
    if lobby is None or lobby.status not in IN_PLAY:
        return None
    notice = "lobby_called_off" if lobby.chat_id is None else "group_lobby_closed"
    return _close_and_refund(conn, lobby, "cancelled", now, notice, reason=reason, card=card,
                             group_note=group_note)


def call_off_open(conn: sqlite3.Connection, chat_id: int, *, reason: str, now: int,
                  card: bool = True) -> list[Lobby]:
    """Refund every open (not yet started) lobby of a group. Nobody has seen a die of
    those, so calling them off wrongs nobody."""
    waiting = [r[0] for r in conn.execute(
        "SELECT id FROM lobbies WHERE chat_id = ? AND status = 'open' ORDER BY id", (chat_id,))]
    return [closed for lobby_id in waiting
            if (closed := call_off(conn, lobby_id, reason=reason, now=now, card=card))]


def open_lobbies(conn: sqlite3.Connection) -> list[Lobby]:
    return [Lobby(*r) for r in conn.execute(
        f"SELECT {_LOBBY_COLUMNS} FROM lobbies WHERE status = 'open' ORDER BY id")]


def rolling_lobbies(conn: sqlite3.Connection) -> list[Lobby]:
    return [Lobby(*r) for r in conn.execute(
        f"SELECT {_LOBBY_COLUMNS} FROM lobbies WHERE status = 'rolling' ORDER BY id")]


def listing(conn: sqlite3.Connection, *, include_closed: bool = False, limit: int = 100
            ) -> list[dict]:
    where = "" if include_closed else "WHERE l.status IN ('open', 'rolling')"
    rows = conn.execute(
        "SELECT l.id, l.game, l.bet, l.status, l.chat_id, g.title AS group_title, l.seats,"
        " group_concat(p.user_id, ',') AS players, l.created_at, l.expires_at"
        " FROM lobbies l LEFT JOIN lobby_players p ON p.lobby_id = l.id"
        f" LEFT JOIN groups g ON g.chat_id = l.chat_id {where}"
        " GROUP BY l.id ORDER BY l.id DESC LIMIT ?", (limit,))
    return [dict(r) for r in rows]
