"""Play sessions of players who asked for reality checks: when the session began, when they
last staked, when the next check is due. A stake notes the play (ludice.limits.admit); the
periodic sweep finds the checks that came due (one indexed query for every player, no job
per player) and leaves each in the outbox: time played and net result since the session
began, with Keep playing / Take a break. A session ends after a pause in play, a break or
a time-out.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3

from ludice import outbox

PAUSE = 30 * 60  # this long without a stake ends a session


def note_play(conn: sqlite3.Connection, user_id: int, minutes: int, now: int) -> None:
    """A stake: it continues the session, or begins one after a pause."""
    conn.execute(
        "INSERT INTO play_sessions (user_id, started_at, last_play_at, next_check_at)"
        " VALUES (?1, ?2, ?2, ?2 + ?3) ON CONFLICT (user_id) DO UPDATE SET"
        " started_at = CASE WHEN last_play_at < ?2 - ?4 THEN ?2 ELSE started_at END,"
        " next_check_at = CASE WHEN last_play_at < ?2 - ?4 OR next_check_at IS NULL"
        "   THEN ?2 + ?3 ELSE next_check_at END,"
        " last_play_at = ?2", (user_id, now, minutes * 60, PAUSE))


def follow_reminder(conn: sqlite3.Connection, user_id: int, minutes: int, now: int) -> None:
    """The reminder changed: the session's next check follows (none when turned off)."""
    if minutes:
        conn.execute("UPDATE play_sessions SET next_check_at = max(started_at + ?, ?)"
                     " WHERE user_id = ?", (minutes * 60, now, user_id))
    else:
        end(conn, user_id)


def end(conn: sqlite3.Connection, user_id: int) -> bool:
    return conn.execute("DELETE FROM play_sessions WHERE user_id = ?", (user_id,)).rowcount == 1


def take_break(conn: sqlite3.Connection, user_id: int, now: int) -> tuple[int, int] | None:
    """End the session on the player's word: (minutes played, net result), if one was on."""
    played = summary(conn, user_id, now)
    end(conn, user_id)
    return played


def net_since(conn: sqlite3.Connection, user_id: int, since: int) -> int:
    """The player's result in lobbies since `since`: payouts and refunds in, stakes out."""
    row = conn.execute(
        "SELECT coalesce((SELECT sum(amount) FROM transfers WHERE credit_id = ?1"
        "   AND kind IN ('payout', 'refund') AND created_at >= ?2), 0)"
        " - coalesce((SELECT sum(amount) FROM transfers WHERE debit_id = ?1"
        "   AND kind = 'stake' AND created_at >= ?2), 0)", (user_id, since)).fetchone()
    return row[0]


def summary(conn: sqlite3.Connection, user_id: int, now: int) -> tuple[int, int] | None:
    """(minutes played, net result) of the player's session, if one is going."""
    row = conn.execute("SELECT started_at FROM play_sessions WHERE user_id = ?",
                       (user_id,)).fetchone()
    if row is None:
        return None
    return max(1, (now - row[0]) // 60), net_since(conn, user_id, row[0])


def send_due_checks(conn: sqlite3.Connection, *, now: int) -> int:
    """Leave every reality check that came due in the outbox; a session paused for longer
    than PAUSE ended instead. Returns how many checks were left."""
    due = conn.execute(
        "SELECT s.user_id, s.started_at, s.last_play_at, l.value FROM play_sessions s"
        " LEFT JOIN player_limits l ON l.user_id = s.user_id AND l.item = 'reminder'"
        " WHERE s.next_check_at <= ?", (now,)).fetchall()
    sent = 0
    for user_id, started_at, last_play_at, minutes in due:
        if not minutes or last_play_at < now - PAUSE:
            end(conn, user_id)
            continue
        outbox.add(conn, user_id, "reality_check", now,
                   minutes=max(1, (now - started_at) // 60),
                   net=net_since(conn, user_id, started_at))
        conn.execute("UPDATE play_sessions SET next_check_at = ? WHERE user_id = ?",
                     (now + minutes * 60, user_id))
        sent += 1
    return sent
