"""The duel itself: rolls recorded as they arrive, rounds advanced, the pot settled once.

Round 1 is played by every seated player; each later round only by those tied for the top
value of the round before. After `tie_rounds` re-rolls a remaining tie splits the pot."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from ludice import fairness, games, ledger, outbox, refunds, rules
from ludice.games import Advance, Lobby, get_lobby, players
from ludice.settings import Settings

log = logging.getLogger(__name__)


def rolls(conn: sqlite3.Connection, lobby_id: int, round_no: int) -> dict[int, int]:
    return dict(conn.execute(
        "SELECT r.user_id, r.value FROM rolls r JOIN lobby_players p"
        " ON p.lobby_id = r.lobby_id AND p.user_id = r.user_id"
        " WHERE r.lobby_id = ? AND r.round = ? ORDER BY p.seat", (lobby_id, round_no)))


def round_players(conn: sqlite3.Connection, lobby: Lobby, round_no: int | None = None
                  ) -> list[int]:
    round_no = lobby.round if round_no is None else round_no
    if round_no <= 1:
        return players(conn, lobby.id)
    return rules.leaders(rolls(conn, lobby.id, round_no - 1))


def pending_rollers(conn: sqlite3.Connection, lobby_id: int) -> tuple[Lobby | None, list[int]]:
    """The lobby and who still has to roll this round (empty when it is not rolling)."""
    lobby = get_lobby(conn, lobby_id)
    if lobby is None or lobby.status != "rolling":
        return lobby, []
    done = rolls(conn, lobby_id, lobby.round)
    return lobby, [p for p in round_players(conn, lobby) if p not in done]


def record_roll(
    conn: sqlite3.Connection,
    lobby_id: int,
    round_no: int,
    user_id: int,
    value: int,
    *,
    now: int,
    chat_id: int | None = None,
    message_id: int | None = None,
    sent_at: int | None = None,
    roller: str = "bot",
) -> bool:
    """Keep the first roll of a player's turn; a second one for the same turn is ignored.
    `roller`: "bot" (a Telegram die the bot sent), "player" (their own Telegram die) or
    "server" (drawn here: record_server_roll); `sent_at` is the die message's date."""
    lobby, waiting = pending_rollers(conn, lobby_id)
    if lobby is None or lobby.round != round_no or user_id not in waiting:
        return False
    if not 1 <= value <= rules.GAMES[lobby.game].faces:
        raise ValueError(f"{value} is not a {lobby.game} value")
    conn.execute(
        "INSERT INTO rolls (lobby_id, round, user_id, value, chat_id, message_id, created_at,"
        " sent_at, roller) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (lobby_id, round_no, user_id, value, chat_id, message_id, now, sent_at, roller),
    )
    conn.execute("DELETE FROM roll_intents WHERE lobby_id = ? AND round = ? AND user_id = ?",
                 (lobby_id, round_no, user_id))
    return True


def record_server_roll(conn: sqlite3.Connection, lobby_id: int, round_no: int, user_id: int,
                       *, now: int) -> bool:
    """A die no Telegram chat could show, drawn from the lobby's committed seed
    (ludice.fairness.draw), so that anyone can recompute it once the seed is revealed."""
    lobby = get_lobby(conn, lobby_id)
    if lobby is None:
        return False
    value = fairness.draw(fairness.seed_for_draw(conn, lobby_id), lobby_id, round_no, user_id,
                          rules.GAMES[lobby.game].faces)
    return record_roll(conn, lobby_id, round_no, user_id, value, now=now, roller="server")


def server_drawn(conn: sqlite3.Connection, lobby_id: int) -> bool:
    return conn.execute("SELECT 1 FROM rolls WHERE lobby_id = ? AND roller = 'server' LIMIT 1",
                        (lobby_id,)).fetchone() is not None


def intend_roll(conn: sqlite3.Connection, lobby_id: int, round_no: int, user_id: int, *,
                now: int) -> bool:
    """The bot is about to send this player's die: recorded (and committed) before sendDice,
    so a bot that dies before it records the value finds out at the next start that a die
    may be on the players' screens (call_off_interrupted) instead of rolling a second one.
    False, and nothing recorded, when the lobby no longer rolls that round (an admin
    cancelled it): then no die may be sent."""
    if conn.execute("SELECT 1 FROM lobbies WHERE id = ? AND status = 'rolling' AND round = ?",
                    (lobby_id, round_no)).fetchone() is None:
        return False
    conn.execute("INSERT INTO roll_intents (lobby_id, round, user_id, created_at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                 (lobby_id, round_no, user_id, now))
    return True


def call_off_interrupted(conn: sqlite3.Connection, lobby_ids: list[int], *, now: int
                         ) -> list[int]:
    """Of these rolling lobbies (none of them driven by a runner now), call off those where a
    die was being sent when the bot stopped and its value never recorded: every stake back,
    as for a die whose sendDice answer was lost, since nobody can say which die counts and
    nobody may get a second chance at a die they saw. Returns the lobbies called off."""
    called_off = []
    for lobby_id in lobby_ids:
        lobby = get_lobby(conn, lobby_id)
        if lobby is None or lobby.status != "rolling" or not conn.execute(
                "SELECT 1 FROM roll_intents WHERE lobby_id = ? LIMIT 1", (lobby_id,)).fetchone():
            continue
        note = "group_interrupted" if lobby.chat_id is not None else None
        if refunds.call_off(conn, lobby_id, reason="interrupted", now=now, group_note=note):
            called_off.append(lobby_id)
    return called_off


def people(user_ids: list[int]) -> list[int]:
    """The seats held by persons: everyone but the house, who is told nothing."""
    return [u for u in user_ids if u != ledger.HOUSE]


def names(conn: sqlite3.Connection, user_ids: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(user_ids))
    found = {r[0]: (r[1] or (f"@{r[2]}" if r[2] else str(r[0]))) for r in conn.execute(
        f"SELECT id, first_name, username FROM users WHERE id IN ({marks})", user_ids)}
    return {u: found.get(u, str(u)) for u in user_ids}


def advance(conn: sqlite3.Connection, lobby_id: int, *, settings: Settings, now: int,
            forfeit_missing: bool = False, announce: bool = True) -> Advance | None:
    """Close the current round once every roll is in: settle, or start a tie-break round.
    With `forfeit_missing` (a throw-your-own round whose time ran out) the players who did
    not throw lose the round; if nobody threw, round 1 refunds the lobby and a tie-break
    splits the pot among the tied. None when the lobby is not rolling any more (settled or
    cancelled meanwhile) or a roll is still missing. The fee and the number of tie-break
    rounds are the lobby's own (fixed when it opened). Without `announce` the outcome adds
    no message to the outbox (the caller tells the players in its own words)."""
    lobby, waiting = pending_rollers(conn, lobby_id)
    if lobby is None or lobby.status != "rolling" or (waiting and not forfeit_missing):
        return None
    values = rolls(conn, lobby_id, lobby.round)
    seated = players(conn, lobby_id)
    label = names(conn, seated)
    if not values:
        if lobby.round == 1:
            closed = refunds.refund_no_show(conn, lobby, now=now, group_note=announce)
            return Advance(closed, settled=False) if closed else None
        tied = round_players(conn, lobby)
        return _settle(conn, lobby, tied, [], label, settings=settings, now=now,
                       missing=[label[u] for u in waiting], announce=announce)
    top = rules.leaders(values)
    shown = [[label[u], v] for u, v in values.items()]
    if len(top) > 1 and lobby.round <= lobby.tie_limit(settings):
        cur = conn.execute("UPDATE lobbies SET round = round + 1"
                           " WHERE id = ? AND status = 'rolling' AND round = ?",
                           (lobby_id, lobby.round))
        if cur.rowcount != 1:
            return None
        if lobby.chat_id is None and announce:  # a group hears of the next round from its caller
            for user_id in people(seated):
                outbox.add(conn, user_id, "duel_tie", now, lobby_id=lobby_id, game=lobby.game,
                           rolls=shown, tied=[label[u] for u in top], round=lobby.round + 1)
        return Advance(get_lobby(conn, lobby_id), settled=False, next_players=top)
    return _settle(conn, lobby, top, shown, label, settings=settings, now=now,
                   missing=[label[u] for u in waiting], announce=announce)


def _settle(conn: sqlite3.Connection, lobby: Lobby, winners: list[int], shown: list,
            label: dict[int, str], *, settings: Settings, now: int,
            missing: list[str] | None = None, announce: bool = True) -> Advance | None:
    stakes = dict(conn.execute(
        "SELECT user_id, stake FROM lobby_players WHERE lobby_id = ? ORDER BY seat", (lobby.id,)))
    pot = sum(stakes.values())
    # A tie with the house gives each side its stake back: no fee on a game nobody won.
    split_with_house = ledger.HOUSE in winners and len(winners) > 1
    percent = 0 if split_with_house else lobby.house_fee_percent(settings)
    payouts, house = rules.shares(pot, percent, winners)
    cur = conn.execute(
        "UPDATE lobbies SET status = 'settled', resolved_at = ?, fee = ?"
        " WHERE id = ? AND status = 'rolling'", (now, house, lobby.id))
    if cur.rowcount != 1:
        return None
    for user_id, amount in payouts.items():
        if amount:
            ledger.transfer(conn, debit=ledger.ESCROW, credit=user_id, amount=amount,
                            kind="payout", key=f"payout:{lobby.id}:{user_id}", now=now,
                            reference=f"lobby {lobby.id}")
    if house:
        ledger.transfer(conn, debit=ledger.ESCROW, credit=ledger.HOUSE, amount=house,
                        kind="fee", key=f"fee:{lobby.id}", now=now, reference=f"lobby {lobby.id}")
    sole = winners[0] if len(winners) == 1 else None
    conn.executemany(
        "UPDATE lobby_players SET payout = ?, won = ? WHERE lobby_id = ? AND user_id = ?",
        [(payouts.get(u, 0), None if sole is None and u in winners else int(u == sole),
          lobby.id, u) for u in stakes],
    )
    log.info("lobby %s settled: %s pot %s, won by %s, house fee %s", lobby.id, lobby.game, pot,
             ", ".join(map(str, winners)), house,
             extra={"lobby_id": lobby.id, "chat_id": lobby.chat_id, "game": lobby.game,
                    "pot": pot, "fee": house, "winners": winners})
    if not announce:
        return Advance(get_lobby(conn, lobby.id), settled=True)
    if lobby.chat_id is not None:
        # One result for the whole group, in its topic; balances are nobody else's business.
        outbox.add_for_lobby(conn, lobby.id, lobby.chat_id, "group_result", now,
                             game=lobby.game, rolls=shown, winners=[label[w] for w in winners],
                             pot=pot, fee=house, each=payouts[winners[0]],
                             split=len(winners) > 1, missing=missing or [])
        return Advance(get_lobby(conn, lobby.id), settled=True)
    # A server draw's seed is revealed with the result (ludice.fairness).
    seed = fairness.revealed(conn, lobby.id, "settled") if server_drawn(conn, lobby.id) else None
    reveal = {"seed": seed} if seed else {}
    for user_id, stake in stakes.items():
        if user_id == ledger.HOUSE:
            continue
        won = payouts.get(user_id, 0)
        outbox.add(conn, user_id, "duel_result", now, **reveal, lobby_id=lobby.id, game=lobby.game,
                   rolls=shown, winners=[label[w] for w in winners], pot=pot, fee=house,
                   payout=won, net=won - stake, split=len(winners) > 1,
                   won=user_id in winners, balance=ledger.balance(conn, user_id))
    return Advance(get_lobby(conn, lobby.id), settled=True)


def finish_unseen(conn: sqlite3.Connection, lobby_id: int, *, reason: str, settings: Settings,
                  now: int, rng: Callable[[int], int] | None = None,
                  window_over: bool = False) -> Lobby | None:
    """Finish a group duel that can't go on in its group (the bot was removed, can't post
    there any more, the group moved) instead of voiding it: whoever has seen some dice must
    not be able to undo the game that way. Rolls already recorded stand; every roll still
    missing, the bot's or a player's own, is drawn here from the lobby's committed seed
    (record_server_roll; a test may script values with `rng`, faces -> 1..faces), and
    tie-breaks the same way within the lobby's tie rounds, until the pot settles. With
    `window_over` (a throw-your-own round whose time is up) the missing players forfeit that
    round first, as they would have anyway. Each player hears the rounds and the outcome
    privately (the group can't be told), the seed revealed. None when the lobby is not
    rolling."""
    lobby = get_lobby(conn, lobby_id)
    if lobby is None or lobby.status != "rolling":
        return None
    faces = rules.GAMES[lobby.game].faces
    rounds: list[list] = []
    forfeit = window_over
    while True:
        lobby, waiting = pending_rollers(conn, lobby_id)
        if not forfeit:
            for user_id in waiting:
                if rng is None:
                    record_server_roll(conn, lobby_id, lobby.round, user_id, now=now)
                else:
                    record_roll(conn, lobby_id, lobby.round, user_id, rng(faces), now=now,
                                roller="server")
        values = rolls(conn, lobby_id, lobby.round)
        label = names(conn, list(values))
        rounds.append([[label[u], v] for u, v in values.items()])
        outcome = advance(conn, lobby_id, settings=settings, now=now, forfeit_missing=forfeit,
                          announce=False)
        if outcome is None or outcome.lobby is None:
            return None
        if outcome.lobby.status != "rolling":
            break
        forfeit = False
    done = outcome.lobby
    if done.status != "settled":
        return done  # nobody threw in time: refunded, and the refund told each player
    reveal = {"seed": fairness.revealed(conn, lobby_id, done.status),
              "commitment": fairness.commitment(conn, lobby_id)}
    group = games.group_title(conn, done.chat_id) if done.chat_id is not None else ""
    stakes = conn.execute("SELECT user_id, stake, payout, won FROM lobby_players"
                          " WHERE lobby_id = ? ORDER BY seat", (lobby_id,)).fetchall()
    # A friendly game pays nobody: its sole winner is the one marked won.
    winners = [user_id for user_id, _stake, payout, won in stakes if payout > 0 or won == 1]
    label = names(conn, [row[0] for row in stakes])
    pot = sum(row[1] for row in stakes)
    for user_id, stake, payout, _won in stakes:
        outbox.add(conn, user_id, "group_finished_privately", now, lobby_id=lobby_id,
                   game=done.game, group=group, reason=reason, rounds=rounds, **reveal,
                   winners=[label[w] for w in winners], pot=pot, fee=done.fee, payout=payout,
                   net=payout - stake, split=len(winners) != 1, won=user_id in winners,
                   balance=ledger.balance(conn, user_id))
    return done
