"""Group chats: whether the bot is in them, whether play is on, and the settings their admins
choose. Play is opt-in: a group row starts with play off. The lobbies of a group live in
ludice.challenges (and ludice.throws, ludice.stranded); this module knows the group row and
calls off a group's open lobbies (ludice.refunds) when play goes off, the bot leaves or
the group moves.

Who counts as a group admin is Telegram's answer (getChatMember), asked by the bot; the
domain trusts the caller on that and records who changed what."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ludice import leaderboard, refunds, rules
from ludice.errors import LudiceError
from ludice.games import GameRefused, Lobby
from ludice.settings import Settings

LANGS = ("en", "ru")
TURN_LIMITS = (10, 600)
ON, OFF = ("on", "yes", "1", "true", "вкл"), ("off", "no", "0", "false", "выкл")


@dataclass(frozen=True)
class Group:
    chat_id: int
    title: str
    is_forum: bool
    present: bool
    enabled: bool
    lang: str
    games: tuple[str, ...]
    min_bet: int | None
    max_bet: int | None
    seats: int
    throw_mode: bool
    turn_seconds: int
    topic_id: int | None
    added_at: int
    updated_at: int
    updated_by: int | None

    def bet_limits(self, settings: Settings) -> tuple[int, int]:
        """The group's limits inside the global ones. Should the global limits move past a
        group's own (an admin raised min_bet above the group's max), the global ones win."""
        low = max(settings.min_bet, self.min_bet or 0)
        high = min(settings.max_bet, self.max_bet or settings.max_bet)
        return (low, high) if low <= high else (settings.min_bet, settings.max_bet)

    def plays_in(self, thread: int | None) -> bool:
        """Whether a message in forum topic `thread` (0 = General, None = not a forum message)
        is somewhere the bot plays."""
        if self.topic_id is None or not self.is_forum:
            return True
        return (thread or 0) == self.topic_id


_COLUMNS = ("chat_id, title, is_forum, present, enabled, lang, games, min_bet, max_bet, seats,"
            " throw_mode, turn_seconds, topic_id, added_at, updated_at, updated_by")


def _row(row: sqlite3.Row | tuple) -> Group:
    values = list(row)
    values[2], values[3], values[4] = bool(values[2]), bool(values[3]), bool(values[4])
    values[6] = tuple(values[6].split(","))
    values[10] = bool(values[10])
    return Group(*values)


def get(conn: sqlite3.Connection, chat_id: int) -> Group | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM groups WHERE chat_id = ?", (chat_id,)).fetchone()
    return _row(row) if row else None


def _require(conn: sqlite3.Connection, chat_id: int) -> Group:
    group = get(conn, chat_id)
    if group is None:
        raise GameRefused("group_unknown")
    return group


def seen(conn: sqlite3.Connection, chat_id: int, *, title: str, is_forum: bool, lang: str,
         now: int) -> bool:
    """Record that the bot is in `chat_id` (added, or found there by a command: groups that
    had the bot before group play existed have no row yet). True when the bot was not known
    to be there, i.e. it should introduce itself."""
    if chat_id >= 0:
        raise GameRefused("group_unknown")
    before = get(conn, chat_id)
    conn.execute(
        "INSERT INTO groups (chat_id, title, is_forum, lang, added_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET"
        " title = excluded.title, is_forum = excluded.is_forum, present = 1",
        (chat_id, title or "", int(is_forum), lang if lang in LANGS else "en", now, now),
    )
    return before is None or not before.present


def bot_removed(conn: sqlite3.Connection, chat_id: int, *, now: int) -> list[Lobby] | None:
    """The bot left or was removed: play goes off and every open lobby is refunded, players
    told privately (the bot can no longer post in the group). None for a group we never
    knew. Duels already rolling are finished, not refunded: ludice.stranded.bot_removed."""
    cur = conn.execute("UPDATE groups SET present = 0, enabled = 0, updated_at = ?"
                       " WHERE chat_id = ?", (now, chat_id))
    if cur.rowcount == 0:
        return None
    return refunds.call_off_open(conn, chat_id, reason="bot_removed", now=now, card=False)


def migrate(conn: sqlite3.Connection, old_id: int, new_id: int, *, now: int) -> list[Lobby]:
    """Telegram turned a group into a supergroup with a new chat id. Settings and history
    (the leaderboard) move along; open lobbies can't (their cards stay behind in the old
    chat), so they are refunded. Duels already rolling must be finished before this:
    ludice.stranded.group_moved."""
    if get(conn, old_id) is None or old_id == new_id:
        return []
    closed = refunds.call_off_open(conn, old_id, reason="moved", now=now, card=False)
    conn.execute(
        f"INSERT INTO groups ({_COLUMNS}) SELECT ?, title, is_forum, 1, enabled, lang, games,"
        " min_bet, max_bet, seats, throw_mode, turn_seconds, topic_id, added_at, ?, updated_by"
        " FROM groups WHERE chat_id = ? ON CONFLICT (chat_id) DO NOTHING",
        (new_id, now, old_id))
    conn.execute("UPDATE lobbies SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))
    conn.execute("UPDATE group_lobbies SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))
    leaderboard.move_group(conn, old_id, new_id)
    conn.execute("UPDATE groups SET present = 0, enabled = 0, updated_at = ? WHERE chat_id = ?",
                 (now, old_id))
    return closed


def set_enabled(conn: sqlite3.Connection, chat_id: int, on: bool, *, by: int, now: int
                ) -> tuple[Group, list[Lobby]]:
    """Turn play on or off. Off refunds the group's open challenges (nobody has seen a die
    of those); duels already rolling play on to their result, so an admin who is also a
    player can't void a duel they see going against them."""
    _require(conn, chat_id)
    conn.execute("UPDATE groups SET enabled = ?, present = 1, updated_at = ?, updated_by = ?"
                 " WHERE chat_id = ?", (int(on), now, by, chat_id))
    closed = [] if on else refunds.call_off_open(conn, chat_id, reason="play_off", now=now)
    return _require(conn, chat_id), closed


def configure(conn: sqlite3.Connection, chat_id: int, key: str, args: list[str], *,
              settings: Settings, thread: int | None, by: int, now: int) -> Group:
    """Change one group setting from an admin's words (`/ludice seats 4`). A bad value raises
    GameRefused naming a catalog text and changes nothing."""
    group = _require(conn, chat_id)
    changes = _parse(group, key.lower(), args, settings=settings, thread=thread)
    assigned = ", ".join(f"{column} = ?" for column in changes)  # columns are ours, not typed
    conn.execute(f"UPDATE groups SET {assigned}, updated_at = ?, updated_by = ?"
                 " WHERE chat_id = ?", (*changes.values(), now, by, chat_id))
    return _require(conn, chat_id)


def _parse(group: Group, key: str, args: list[str], *, settings: Settings,
           thread: int | None) -> dict[str, object]:
    """The columns one setting changes, with their new values."""
    if key == "games":
        return {"games": ",".join(_games(args))}
    if key in ("bet", "bets"):
        return _bets(args, settings)
    if key == "seats":
        seats = _number(args, "bad_seats")
        if not 2 <= seats <= rules.MAX_SEATS:
            raise GameRefused("bad_seats")
        return {"seats": seats}
    if key == "throw":
        return {"throw_mode": int(_switch(args, "bad_switch"))}
    if key == "turn":
        seconds = _number(args, "bad_turn")
        if not TURN_LIMITS[0] <= seconds <= TURN_LIMITS[1]:
            raise GameRefused("bad_turn")
        return {"turn_seconds": seconds}
    if key == "topic":
        if args and args[0].lower() in (*OFF, "any", "all"):
            return {"topic_id": None}
        if not group.is_forum:
            raise GameRefused("not_a_forum")
        return {"topic_id": thread or 0}
    if key == "lang":
        lang = (args[0].lower() if args else "")
        if lang not in LANGS:
            raise GameRefused("bad_lang")
        return {"lang": lang}
    raise GameRefused("unknown_group_setting")


def _number(args: list[str], reason: str) -> int:
    if len(args) != 1 or not (args[0].isascii() and args[0].isdigit()):
        raise GameRefused(reason)
    return int(args[0])


def _switch(args: list[str], reason: str) -> bool:
    word = args[0].lower() if len(args) == 1 else ""
    if word in ON:
        return True
    if word in OFF:
        return False
    raise GameRefused(reason)


def _games(args: list[str]) -> list[str]:
    words = [w for arg in args for w in arg.replace(",", " ").split()]
    if words in (["all"], ["все"]):
        return list(rules.GAMES)
    chosen = []
    for word in words:
        game = rules.game_named(word)
        if game is None:
            raise GameRefused("bad_games")
        if game.name not in chosen:
            chosen.append(game.name)
    if not chosen:
        raise GameRefused("bad_games")
    return [name for name in rules.GAMES if name in chosen]  # a stable order


def _bets(args: list[str], settings: Settings) -> dict[str, object]:
    if len(args) == 1 and args[0].lower() in ("default", "global"):
        return {"min_bet": None, "max_bet": None}
    if len(args) != 2 or not all(a.isascii() and a.isdigit() for a in args):
        raise GameRefused("bad_bets", min_bet=settings.min_bet, max_bet=settings.max_bet)
    low, high = int(args[0]), int(args[1])
    if not settings.min_bet <= low <= high <= settings.max_bet:
        raise GameRefused("bad_bets", min_bet=settings.min_bet, max_bet=settings.max_bet)
    return {"min_bet": low, "max_bet": high}


def listing(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(
        "SELECT g.chat_id, g.title, g.present, g.enabled, g.games, g.seats, g.throw_mode,"
        " (SELECT count(*) FROM lobbies l WHERE l.chat_id = g.chat_id"
        "  AND l.status IN ('open', 'rolling')) AS in_play,"
        " (SELECT count(*) FROM lobbies l WHERE l.chat_id = g.chat_id"
        "  AND l.status = 'settled') AS settled,"
        " g.updated_at FROM groups g ORDER BY g.updated_at DESC, g.chat_id")
    return [dict(r) for r in rows]


def resolve(conn: sqlite3.Connection, ref: str) -> Group:
    """A group from its chat id or a piece of its title, as admins type them in the CLI."""
    text = ref.strip()
    if text.lstrip("-").isdigit() and text.isascii():
        group = get(conn, int(text))
        if group is None:
            raise LudiceError(f"no group with chat id {text}")
        return group
    found = [r[0] for r in conn.execute(
        "SELECT chat_id FROM groups WHERE instr(lower(title), lower(?)) > 0", (text,))]
    if len(found) != 1:
        raise LudiceError(f"no group titled like {ref!r}" if not found else
                                f"{len(found)} groups match {ref!r}; give the chat id")
    return _require(conn, found[0])
