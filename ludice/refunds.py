"""Stakes back: every way a lobby ends without a duel. The creator leaves, the time runs out,
nobody throws, an admin cancels, or play can't go on (the bot left the group, Telegram
failed): the lobby resolves once and every stake goes from escrow back to its player, who is
told privately. (Refunds of Stars payments are ludice.payments'.)

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3

from ludice import ledger, outbox
from ludice.errors import LudiceError
from ludice.games import (
    IN_PLAY,
    GameRefused,
    Lobby,
    current_lobby,
    get_lobby,
    group_title,
    players,
)


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
        if stake:  # a friendly game staked nothing
            ledger.transfer(conn, debit=ledger.ESCROW, credit=user_id, amount=stake,
                            kind="refund", key=f"refund:{lobby.id}:{user_id}", now=now,
                            reference=f"lobby {lobby.id} {status}")
        conn.execute("UPDATE lobby_players SET payout = stake WHERE lobby_id = ? AND user_id = ?",
                     (lobby.id, user_id))
        if user_id not in (notify_except, ledger.HOUSE):  # the house is told nothing
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


def withdraw_alone(conn: sqlite3.Connection, user_id: int, *, now: int) -> Lobby | None:
    """Withdraw the open lobby the player opened and waits in alone (nobody staked against
    them yet), stake back; None when there is none."""
    waiting = current_lobby(conn, user_id)
    if (waiting is None or waiting.status != "open" or waiting.creator_id != user_id
            or players(conn, waiting.id) != [user_id]):
        return None
    return leave(conn, user_id, waiting.id, now=now)


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
    """Expire every open lobby whose time has come, the earliest first."""
    due = [r[0] for r in conn.execute(
        "SELECT id FROM lobbies INDEXED BY lobbies_open_expiry"
        " WHERE status = 'open' AND expires_at <= ? ORDER BY expires_at, id", (now,))]
    return [lobby for lobby_id in due if (lobby := expire(conn, lobby_id, now=now))]


def next_expiry(conn: sqlite3.Connection) -> tuple[int, int] | None:
    """(expires_at, lobby id) of the open lobby that expires first, if any."""
    row = conn.execute("SELECT expires_at, id FROM lobbies INDEXED BY lobbies_open_expiry"
                       " WHERE status = 'open' ORDER BY expires_at, id LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def cancel(conn: sqlite3.Connection, lobby_id: int, *, reason: str, now: int,
           by: int | None = None) -> Lobby:
    """An admin stops a lobby, open or mid-duel, and refunds every stake. `by`: the admin
    cancelling from Telegram (None: the CLI)."""
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
    conn.execute("UPDATE lobbies SET cancelled_by = ? WHERE id = ?", (by, lobby_id))
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
