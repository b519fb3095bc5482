"""Challenges: lobbies played in a group chat. A challenge is a lobby with a group, a card
message, maybe one named opponent (a direct challenge) and, in throw-your-own mode, a time
window per round. Stakes, seats, expiry and settlement are the lobby's (ludice.games,
ludice.duels); this module adds the group's rules and re-checks every button against the
database, since callback data can be forged.

Functions take the connection first and never commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ludice import duels, games, groups, ledger, outbox, rules
from ludice.games import Advance, Entered, GameRefused, Lobby
from ludice.settings import Settings


@dataclass(frozen=True)
class GroupLobby:
    lobby_id: int
    chat_id: int
    thread_id: int | None
    card_id: int | None
    target_id: int | None
    target_name: str | None
    throw_mode: bool
    turn_seconds: int
    turn_ends_at: int | None


@dataclass(frozen=True)
class Card:
    """What a challenge card shows."""
    lobby: Lobby
    extra: GroupLobby
    players: list[str]
    creator: str
    lang: str


@dataclass(frozen=True)
class Throw:
    """A player's own die in throw-your-own mode: counted, or why not (a catalog key)."""
    lobby_id: int
    round: int
    game: str
    counted: bool
    hint: str | None = None
    complete: bool = False  # everyone of this round has thrown


_COLUMNS = ("lobby_id, chat_id, thread_id, card_id, target_id, target_name, throw_mode,"
            " turn_seconds, turn_ends_at")


def get(conn: sqlite3.Connection, lobby_id: int) -> GroupLobby | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM group_lobbies WHERE lobby_id = ?",
                       (lobby_id,)).fetchone()
    if row is None:
        return None
    values = list(row)
    values[6] = bool(values[6])
    return GroupLobby(*values)


def _lobby_here(conn: sqlite3.Connection, lobby_id: int, chat_id: int | None
                ) -> tuple[Lobby, GroupLobby]:
    """The lobby a button names, if it is a challenge of this chat (`chat_id` None: pressed in
    private, where any challenge may be joined through its deep link)."""
    lobby, extra = games.get_lobby(conn, lobby_id), get(conn, lobby_id)
    if lobby is None or extra is None or (chat_id is not None and lobby.chat_id != chat_id):
        raise GameRefused("unknown_lobby")
    return lobby, extra


def _require_open(lobby: Lobby, now: int) -> None:
    if lobby.status == "rolling":
        raise GameRefused("lobby_started")
    if lobby.status != "open" or lobby.expires_at <= now:
        raise GameRefused("lobby_closed")


def _free_player(conn: sqlite3.Connection, user_id: int) -> None:
    games.check_player(conn, user_id)
    busy = games.current_lobby(conn, user_id)
    if busy is not None:
        raise GameRefused("already_in_lobby", lobby_id=busy.id, status=busy.status)


def create(conn: sqlite3.Connection, chat_id: int, user_id: int, game: str, bet: int, *,
           target: tuple[int, str] | None, thread_id: int | None, settings: Settings,
           now: int) -> Entered:
    """Open a challenge in a group; the creator's stake goes to escrow now. With `target`
    (id, name) only that person may join, so the lobby has two seats."""
    group = groups.get(conn, chat_id)
    if group is None or not group.enabled or not group.present:
        raise GameRefused("group_off")
    if game not in group.games:
        raise GameRefused("game_not_allowed", games=" ".join(rules.GAMES[g].emoji
                                                              for g in group.games))
    if target is not None and target[0] == user_id:
        raise GameRefused("challenge_self")
    _free_player(conn, user_id)
    low, high = group.bet_limits(settings)
    try:
        rules.check_bet(bet, min_bet=low, max_bet=high, balance=ledger.balance(conn, user_id))
    except rules.BetRefused as refused:
        raise GameRefused(refused.reason, limit=refused.limit) from None
    lobby_id = games.open_lobby(conn, game, bet, 2 if target else group.seats, chat_id,
                                user_id, settings=settings, now=now)
    conn.execute(
        "INSERT INTO group_lobbies (lobby_id, chat_id, thread_id, target_id, target_name,"
        " throw_mode, turn_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (lobby_id, chat_id, thread_id, target[0] if target else None,
         target[1] if target else None, int(group.throw_mode), group.turn_seconds),
    )
    return games.take_seat(conn, lobby_id, user_id, now)


def set_card(conn: sqlite3.Connection, lobby_id: int, message_id: int) -> None:
    conn.execute("UPDATE group_lobbies SET card_id = ? WHERE lobby_id = ?", (message_id, lobby_id))


def join(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int | None,
         now: int) -> Entered:
    """Take a seat in a challenge; a full lobby starts at once."""
    lobby, extra = _lobby_here(conn, lobby_id, chat_id)
    _require_open(lobby, now)
    if user_id in games.players(conn, lobby_id):
        raise GameRefused("already_joined", lobby_id=lobby_id)
    if extra.target_id is not None and user_id != extra.target_id:
        raise GameRefused("not_for_you", name=extra.target_name)
    _free_player(conn, user_id)
    balance = ledger.balance(conn, user_id)
    if balance < lobby.bet:
        raise GameRefused("cannot_afford", limit=balance)
    entered = games.take_seat(conn, lobby_id, user_id, now)
    if entered.started:
        _begin_round(conn, entered.lobby, extra, now)
    return entered


def start_early(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int,
                now: int) -> Lobby:
    """The creator starts before every seat is taken (two players at least)."""
    lobby, extra = _lobby_here(conn, lobby_id, chat_id)
    _require_open(lobby, now)
    if lobby.creator_id != user_id:
        raise GameRefused("not_creator_start")
    if len(games.players(conn, lobby_id)) < 2:
        raise GameRefused("need_two")
    if not games.start(conn, lobby_id):
        raise GameRefused("lobby_closed")
    started = games.get_lobby(conn, lobby_id)
    _begin_round(conn, started, extra, now)
    return started


def withdraw(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int,
             now: int) -> Lobby:
    """The creator cancels before the challenge starts; every stake comes back."""
    _lobby_here(conn, lobby_id, chat_id)
    return games.leave(conn, user_id, lobby_id, now=now)


def rematch(conn: sqlite3.Connection, lobby_id: int, user_id: int, *, chat_id: int,
            settings: Settings, now: int) -> Entered:
    """Open the same challenge again (game, bet, topic), by whoever asks. A rematch of a
    direct challenge asked by one of its two players names the other one."""
    old, extra = _lobby_here(conn, lobby_id, chat_id)
    if old.status != "settled":
        raise GameRefused("no_rematch")
    target = None
    seated = games.players(conn, lobby_id)
    if extra.target_id is not None and user_id in seated:
        other = next(p for p in seated if p != user_id)
        target = (other, duels.names(conn, [other])[other])
    return create(conn, old.chat_id, user_id, old.game, old.bet, target=target,
                  thread_id=extra.thread_id, settings=settings, now=now)


# -- rounds ----------------------------------------------------------------------------------

def _begin_round(conn: sqlite3.Connection, lobby: Lobby, extra: GroupLobby, now: int,
                 tie: list | None = None) -> None:
    """Throw-your-own mode: open the round's window and tell the group who throws. (When the
    bot rolls, its runner announces each round together with the dice.)"""
    if not extra.throw_mode:
        return
    ends_at = now + extra.turn_seconds
    conn.execute("UPDATE group_lobbies SET turn_ends_at = ? WHERE lobby_id = ?",
                 (ends_at, lobby.id))
    throwers = duels.round_players(conn, lobby)
    label = duels.names(conn, throwers)
    outbox.add_for_lobby(conn, lobby.id, lobby.chat_id, "group_turn", now, game=lobby.game,
                         round=lobby.round, players=[label[u] for u in throwers],
                         seconds=extra.turn_seconds, ends_at=ends_at, tie=tie or [])


def advance(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int,
            forfeit: bool = False) -> Advance | None:
    """duels.advance for a challenge: after a tie in throw-your-own mode the next round's
    window opens in the same transaction."""
    outcome = duels.advance(conn, lobby_id, settings=settings, now=now, forfeit_missing=forfeit)
    if outcome is not None and not outcome.settled and outcome.lobby.status == "rolling":
        extra = get(conn, lobby_id)
        if extra is not None:
            before = duels.rolls(conn, lobby_id, outcome.lobby.round - 1)
            label = duels.names(conn, list(before))
            _begin_round(conn, outcome.lobby, extra, now,
                         tie=[[label[u], v] for u, v in before.items()])
    return outcome


def close_turn(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int
               ) -> Advance | None:
    """End a throw-your-own round whose window has closed: who did not throw forfeits it."""
    lobby, extra = games.get_lobby(conn, lobby_id), get(conn, lobby_id)
    if (lobby is None or extra is None or not extra.throw_mode or lobby.status != "rolling"
            or extra.turn_ends_at is None or now < extra.turn_ends_at):
        return None
    return advance(conn, lobby_id, settings=settings, now=now, forfeit=True)


def due_turns(conn: sqlite3.Connection, *, now: int, settle_after: float) -> list[int]:
    """Throw-your-own lobbies whose round should close: the window passed, or everyone threw
    more than `settle_after` seconds ago and nothing closed the round (a lost task)."""
    due = []
    for lobby_id, ends_at in conn.execute(
        "SELECT l.id, g.turn_ends_at FROM lobbies l JOIN group_lobbies g ON g.lobby_id = l.id"
        " WHERE l.status = 'rolling' AND g.throw_mode = 1 ORDER BY l.id").fetchall():
        if ends_at is not None and ends_at <= now:
            due.append(lobby_id)
            continue
        lobby, waiting = duels.pending_rollers(conn, lobby_id)
        last = conn.execute("SELECT max(created_at) FROM rolls WHERE lobby_id = ? AND round = ?",
                            (lobby_id, lobby.round)).fetchone()[0]
        if not waiting and last is not None and last + settle_after <= now:
            due.append(lobby_id)
    return due


def rolling_turns(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """(lobby id, window end) of every throw-your-own round in progress."""
    return [tuple(r) for r in conn.execute(
        "SELECT l.id, g.turn_ends_at FROM lobbies l JOIN group_lobbies g ON g.lobby_id = l.id"
        " WHERE l.status = 'rolling' AND g.throw_mode = 1 AND g.turn_ends_at IS NOT NULL")]


def throw(conn: sqlite3.Connection, chat_id: int, user_id: int, emoji: str, value: int, *,
          forwarded: bool, via_bot: bool, thread_id: int | None, message_id: int, now: int,
          sent_at: int | None = None) -> Throw | None:
    """A die a member sent in the group. None when the sender plays no throw-your-own game
    here (an ordinary die: none of our business). A die is in time when it arrives before
    the window ends or Telegram dated it (`sent_at`, the message's date, which no client
    can set) before then: a die thrown in time but read late (the bot was restarting, a
    backlog) still counts while its round is open."""
    row = conn.execute(
        "SELECT l.id FROM lobbies l JOIN group_lobbies g ON g.lobby_id = l.id"
        " JOIN lobby_players p ON p.lobby_id = l.id WHERE l.chat_id = ? AND p.user_id = ?"
        " AND l.status = 'rolling' AND g.throw_mode = 1", (chat_id, user_id)).fetchone()
    if row is None:
        return None
    lobby, extra = games.get_lobby(conn, row[0]), get(conn, row[0])
    _, waiting = duels.pending_rollers(conn, lobby.id)
    when = now if sent_at is None else min(now, sent_at)
    hint = None
    if forwarded:
        hint = "throw_forwarded"
    elif via_bot:
        hint = "throw_via_bot"
    elif rules.game_for_emoji(emoji) is not rules.GAMES[lobby.game]:
        hint = "throw_wrong_emoji"
    elif thread_id != extra.thread_id:
        hint = "throw_wrong_topic"
    elif user_id not in duels.round_players(conn, lobby):
        hint = "throw_not_your_round"
    elif user_id not in waiting:
        hint = "throw_twice"
    elif extra.turn_ends_at is None or when >= extra.turn_ends_at:
        hint = "throw_late"
    if hint is not None:
        return Throw(lobby.id, lobby.round, lobby.game, counted=False, hint=hint)
    duels.record_roll(conn, lobby.id, lobby.round, user_id, value, now=now, chat_id=chat_id,
                      message_id=message_id)
    return Throw(lobby.id, lobby.round, lobby.game, counted=True,
                 complete=waiting == [user_id])


# -- when the group is out of reach ------------------------------------------------------------

def finish_without_group(conn: sqlite3.Connection, lobby_id: int, *, reason: str,
                         settings: Settings, now: int,
                         rng: Callable[[int], int] = duels.server_roll) -> Lobby | None:
    """A rolling challenge the bot can't play out in its group: finished server-side and
    told privately (duels.finish_unseen). A throw-your-own round whose window has closed
    ends as it would have anyway, the missing throwers forfeiting it."""
    extra = get(conn, lobby_id)
    window_over = (extra is not None and extra.throw_mode and extra.turn_ends_at is not None
                   and now >= extra.turn_ends_at)
    return duels.finish_unseen(conn, lobby_id, reason=reason, settings=settings, now=now,
                               rng=rng, window_over=window_over)


def unreachable(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int,
                rng: Callable[[int], int] = duels.server_roll) -> Lobby | None:
    """The bot can't post in the challenge's group any more (removed, muted, no rights).
    Before any die was recorded nobody has seen anything: every stake comes back. After,
    the duel is finished server-side instead, or a player who saw a bad die could void the
    game by taking the bot's rights away."""
    if conn.execute("SELECT 1 FROM rolls WHERE lobby_id = ? LIMIT 1", (lobby_id,)).fetchone():
        return finish_without_group(conn, lobby_id, reason="unreachable", settings=settings,
                                    now=now, rng=rng)
    return games.call_off(conn, lobby_id, reason="unreachable", now=now)


def _leave_chat(conn: sqlite3.Connection, chat_id: int, *, reason: str, settings: Settings,
                now: int, rng: Callable[[int], int]) -> list[Lobby]:
    rolling = [r[0] for r in conn.execute(
        "SELECT id FROM lobbies WHERE chat_id = ? AND status = 'rolling' ORDER BY id",
        (chat_id,))]
    return [done for lobby_id in rolling
            if (done := finish_without_group(conn, lobby_id, reason=reason, settings=settings,
                                             now=now, rng=rng))]


def bot_removed(conn: sqlite3.Connection, chat_id: int, *, settings: Settings, now: int,
                rng: Callable[[int], int] = duels.server_roll) -> list[Lobby]:
    """The bot left or was removed from a group (one unit of work): play goes off, open
    challenges are refunded and rolling ones finished server-side, everyone told
    privately. Returns the lobbies that were resolved."""
    refunded = groups.bot_removed(conn, chat_id, now=now)
    if refunded is None:
        return []
    return refunded + _leave_chat(conn, chat_id, reason="bot_removed", settings=settings,
                                  now=now, rng=rng)


def group_moved(conn: sqlite3.Connection, old_id: int, new_id: int, *, settings: Settings,
                now: int, rng: Callable[[int], int] = duels.server_roll) -> list[Lobby]:
    """A group became a supergroup with a new chat id: the duels rolling in the old chat are
    finished server-side, then the group and its history move (groups.migrate)."""
    if groups.get(conn, old_id) is None or old_id == new_id:
        return []
    finished = _leave_chat(conn, old_id, reason="moved", settings=settings, now=now, rng=rng)
    return groups.migrate(conn, old_id, new_id, now=now) + finished


# -- what the group sees -----------------------------------------------------------------------

def card(conn: sqlite3.Connection, lobby_id: int) -> Card | None:
    lobby, extra = games.get_lobby(conn, lobby_id), get(conn, lobby_id)
    if lobby is None or extra is None:
        return None
    seated = games.players(conn, lobby_id)
    label = duels.names(conn, [*seated, lobby.creator_id])
    group = groups.get(conn, extra.chat_id)
    return Card(lobby, extra, [label[u] for u in seated], label[lobby.creator_id],
                group.lang if group else "en")


def in_play(conn: sqlite3.Connection, chat_id: int) -> list[dict]:
    rows = conn.execute(
        "SELECT l.id, l.game, l.bet, l.status, l.seats, count(p.user_id) AS players,"
        " g.target_name AS for_player, l.expires_at FROM lobbies l"
        " JOIN group_lobbies g ON g.lobby_id = l.id"
        " LEFT JOIN lobby_players p ON p.lobby_id = l.id"
        " WHERE l.chat_id = ? AND l.status IN ('open', 'rolling') GROUP BY l.id ORDER BY l.id",
        (chat_id,))
    return [dict(r) for r in rows]
