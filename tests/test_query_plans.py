"""Every query on a hot path (what a player's update, a duel or the scheduler runs) stays an
index lookup as history grows: no full scan of the tables that grow with play. Each entry of
HOT_PATHS is a name and a call of the real domain function; the test records the SQL it runs
(expanded, as SQLite received it) and checks SQLite's EXPLAIN QUERY PLAN for each statement.
To cover a new query, add one line to HOT_PATHS (or to HOT_SQL for a bare statement)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

import pytest

from ludice import (
    challenges,
    db,
    duels,
    games,
    groups,
    leaderboard,
    ledger,
    limits,
    outbox,
    payments,
    records,
    redelivery,
    refunds,
    throws,
    users,
)
from ludice import settings as game_settings
from ludice.settings import DEFAULTS

NOW = 1_800_000_000
CHAT = -1001
S = DEFAULTS.replace(house_fee_percent=5, tie_rounds=1, lobby_ttl_seconds=300)
# Tables that grow with play; a SCAN of any of them grows with history.
GROWING = {"transfers", "lobbies", "lobby_players", "users", "accounts", "group_scores",
           "outbox", "handled_updates", "rolls", "payments", "group_lobbies", "roll_intents"}
OPEN_LOBBY_PLAYER, IDLE_PLAYER = 5, 6

Call = Callable[[sqlite3.Connection], object]


def _private_rolling(c: sqlite3.Connection) -> int:
    games.enter(c, 1, "dice", 10, settings=S, now=NOW)
    return games.enter(c, 2, "dice", 10, settings=S, now=NOW).lobby.id


def _group_rolling(c: sqlite3.Connection) -> int:
    lobby = challenges.create(c, CHAT, 3, "dice", 10, target=None, thread_id=None,
                              settings=S, now=NOW).lobby
    challenges.join(c, lobby.id, 4, chat_id=CHAT, now=NOW)
    return lobby.id


def _settle(c: sqlite3.Connection, lobby_id: int, a: int, b: int) -> None:
    duels.record_roll(c, lobby_id, 1, a, 6, now=NOW)
    duels.record_roll(c, lobby_id, 1, b, 2, now=NOW)
    challenges.advance(c, lobby_id, settings=S, now=NOW)


HOT_PATHS: list[tuple[str, Call]] = [
    ("player context", lambda c: (users.get(c, 1), game_settings.load(c), groups.get(c, CHAT))),
    ("balance", lambda c: ledger.balance(c, 1)),
    ("lobby in play", lambda c: games.current_lobby(c, IDLE_PLAYER)),
    ("private enter and start", _private_rolling),
    ("private roll and settle", lambda c: _settle(c, _private_rolling(c), 1, 2)),
    ("group challenge and join", _group_rolling),
    ("group roll and settle", lambda c: _settle(c, _group_rolling(c), 3, 4)),
    ("pending rollers", lambda c: duels.pending_rollers(c, _private_rolling(c))),
    ("group card", lambda c: challenges.card(c, _group_rolling(c))),
    ("group lobbies in play", lambda c: challenges.in_play(c, CHAT)),
    ("leave", lambda c: refunds.leave(c, OPEN_LOBBY_PLAYER, None, now=NOW)),
    ("expire one", lambda c: refunds.expire(c, 1, now=NOW + 10_000)),
    ("expire due", lambda c: refunds.expire_due(c, now=NOW + 10_000)),
    ("/bonus", lambda c: users.claim_daily(c, 1, 50, NOW + 200_000)),
    ("/history", lambda c: ledger.history(c, 1, 15)),
    ("/profile", lambda c: (leaderboard.player_stats(c, 1),
                             leaderboard.player_stats(c, 1, house=True))),
    ("group /top", lambda c: (leaderboard.group_top(c, CHAT, since=leaderboard.week_start(NOW)),
                              leaderboard.group_top(c, CHAT))),
    ("private /top", lambda c: leaderboard.player_ranks(c, 3)),
    ("user list", lambda c: users.listing(c, 100)),
    ("outbox", lambda c: outbox.pending(c)),
    ("update seen", lambda c: redelivery.claim(c, 77, NOW)),
    ("updates pruned", lambda c: redelivery.prune(c, now=NOW)),
    ("turns due", lambda c: throws.due_turns(c, now=NOW, settle_after=4)),
    ("turns rolling", throws.rolling_turns),
    ("start-up: open lobbies", games.open_lobbies),
    ("start-up: rolling lobbies", games.rolling_lobbies),
    ("top-ups today", lambda c: payments.topups_today(c, 1, NOW)),
    ("/game record", lambda c: records.for_viewer(c, 1, viewer=1, chat_id=None)),
    ("/user card", lambda c: users.card(c, users.get(c, 1), frozenset({1}))),
    ("limits on a bet", lambda c: limits.check(c, 1, 10, NOW)),
    ("/limits", lambda c: limits.overview(c, 1, NOW)),
]
HOT_SQL: list[tuple[str, str, tuple]] = [
    ("lobby by id", "SELECT * FROM lobbies WHERE id = ?", (1,)),
]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    """A little of everything: settled private and group duels, a refund, an open lobby, a
    daily bonus. The planner has no statistics (ludice never runs ANALYZE), so its choices
    here are the ones it makes on a big file."""
    path = tmp_path_factory.mktemp("plans") / "ludice.db"
    conn = db.open_db(path, create=True)
    db.migrate(conn)
    with db.transaction(conn):
        for uid in range(1, 7):
            users.register(conn, uid, first_name=f"P{uid}", username=f"p{uid}",
                           language_code="en", welcome_bonus=1000, now=NOW)
        groups.seen(conn, CHAT, title="Club", is_forum=False, lang="en", now=NOW)
        groups.set_enabled(conn, CHAT, True, by=1, now=NOW)
        _settle(conn, _private_rolling(conn), 1, 2)
        _settle(conn, _group_rolling(conn), 3, 4)
        users.claim_daily(conn, 1, 50, NOW)
        games.enter(conn, OPEN_LOBBY_PLAYER, "darts", 10, settings=S, now=NOW)
    yield conn
    conn.close()


def statements(conn: sqlite3.Connection, call: Call) -> list[str]:
    """The statements `call` runs, in a transaction that is rolled back after."""
    seen: list[str] = []
    conn.execute("BEGIN IMMEDIATE")
    conn.set_trace_callback(seen.append)
    try:
        call(conn)
    finally:
        conn.set_trace_callback(None)
        conn.execute("ROLLBACK")
    return [s for s in seen if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", s, re.I)]


_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.I)
_KEYWORDS = {"where", "join", "left", "inner", "cross", "on", "using", "order", "group",
             "limit", "union", "natural", "values", "set", "returning", "having", "window"}


def plan(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[str]:
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def full_scans(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[str]:
    """Plan lines that read a growing table from end to end (through an index or not). A
    walk along an index in the order asked for, stopped by a LIMIT (the newest first, the
    next outbox messages), reads only what it returns and is not one."""
    lines = plan(conn, sql, params)
    bounded = re.search(r"\bLIMIT\s+\d+\s*$", sql.strip(), re.I) and not any(
        "TEMP B-TREE" in line for line in lines)
    names = {}
    for table, alias in _SOURCE.findall(sql):
        names[table.lower()] = table.lower()
        if alias and alias.lower() not in _KEYWORDS:
            names[alias.lower()] = table.lower()
    bad = []
    for line in lines:
        found = re.match(r"SCAN (\w+)", line)
        table = names.get(found.group(1).lower(), found.group(1).lower()) if found else None
        if table in GROWING and not (bounded and " USING " in line):
            bad.append(line)
    return bad


@pytest.mark.parametrize(("name", "call"), HOT_PATHS, ids=[name for name, _ in HOT_PATHS])
def test_hot_path_reads_no_growing_table_end_to_end(history, name, call):
    ran = statements(history, call)
    assert ran, f"{name}: no statement recorded"
    problems = {sql: scans for sql in ran if (scans := full_scans(history, sql))}
    assert not problems, f"{name}: full scans {problems}"


@pytest.mark.parametrize(("name", "sql", "params"), HOT_SQL, ids=[n for n, _, _ in HOT_SQL])
def test_hot_statement_reads_no_growing_table_end_to_end(history, name, sql, params):
    assert full_scans(history, sql, params) == []


# Where a lookup could also be a range over one player's (or one group's) whole history, the
# index that keeps it short must be the one used.
KEPT_SHORT = [
    ("lobby in play", lambda c: games.current_lobby(c, IDLE_PLAYER), "lobby_players_in_play"),
    ("/bonus", lambda c: users.claim_daily(c, 1, 50, NOW + 200_000), "transfers_daily"),
    ("group /top", lambda c: leaderboard.group_top(c, CHAT), "group_scores_net"),
    ("private /top", lambda c: leaderboard.player_ranks(c, 3), "group_scores_player"),
    ("user list", lambda c: users.listing(c, 100), "users_seen"),
]


@pytest.mark.parametrize(("name", "call", "index"), KEPT_SHORT, ids=[n for n, _, _ in KEPT_SHORT])
def test_history_long_lookups_use_their_index(history, name, call, index):
    used = [line for sql in statements(history, call) for line in plan(history, sql)]
    assert any(index in line for line in used), f"{name}: {used}"


def test_the_check_itself_sees_a_full_scan(history):
    assert full_scans(history, "SELECT id FROM transfers ORDER BY amount LIMIT 5")
    assert full_scans(history, "SELECT id FROM users ORDER BY last_seen_at DESC, id")
    assert full_scans(history, "SELECT sum(amount) FROM transfers WHERE kind = 'daily'")
    assert full_scans(history, "SELECT count(*) FROM lobby_players p WHERE p.stake > 5")
    assert full_scans(history, "SELECT max(created_at) FROM transfers t"
                               " WHERE t.credit_id = 1 AND t.kind = 'stake'") == []


def test_the_audit_reads_transfers_and_stakes_from_covering_indexes_alone(history):
    """The audit reads all history by design, but from the indexes alone: summing transfers
    and stakes from the tables would read every row's text columns too (at 1M transfers, the
    difference between ~0.4 s and seconds)."""
    used = [line for sql in statements(history, ledger.audit) for line in plan(history, sql)]
    reads = [line for line in used if re.search(r"\b(transfers|lobby_players|p)\b", line)]
    assert len(reads) >= 4, used  # credits, debits, stakes in play, each closed lobby
    assert all("USING COVERING INDEX" in line for line in reads), used
