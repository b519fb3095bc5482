"""A game's record (ludice.records): what it holds, who may see it where, the queries it runs
(by key, never a scan), and rolls recorded before schema step "results anyone can check"."""

from __future__ import annotations

import sqlite3

import pytest

from ludice import challenges, db, duels, games, groups, ledger, records, refunds, schema, users
from ludice.settings import DEFAULTS

NOW = 1_800_000_000
CHAT, OTHER_CHAT = -1001, -1002
S = DEFAULTS.replace(house_fee_percent=10, tie_rounds=2, lobby_ttl_seconds=300)


def unit(conn, fn, *args, **kwargs):
    with db.transaction(conn):
        return fn(conn, *args, **kwargs)


def _players(conn, *people):
    for user_id, name in people:
        unit(conn, users.register, user_id, first_name=name, username=None,
             language_code="en", welcome_bonus=100, now=NOW)


def _private_duel(conn) -> int:
    """Ann and Bob tie on 4 (the bot's dice), then Ann 6 beats Bob 2: pot 60, fee 6."""
    unit(conn, games.enter, 1, "dice", 30, settings=S, now=NOW)
    lobby_id = unit(conn, games.enter, 2, "dice", 30, settings=S, now=NOW).lobby.id
    for rnd, values in ((1, (4, 4)), (2, (6, 2))):
        for user_id, value in zip((1, 2), values, strict=True):
            unit(conn, duels.record_roll, lobby_id, rnd, user_id, value, now=NOW + rnd,
                 chat_id=user_id, message_id=10 * rnd + user_id, sent_at=NOW + rnd)
        unit(conn, duels.advance, lobby_id, settings=S, now=NOW + rnd)
    return lobby_id


def test_a_settled_duel_has_every_die_stake_payout_and_transfer(conn):
    _players(conn, (1, "Ann"), (2, "Bob"))
    lobby_id = _private_duel(conn)
    record = records.for_viewer(conn, lobby_id, viewer=2, chat_id=None)
    assert record.lobby.status == "settled" and record.group is None
    assert [(s.seat, s.name, s.stake, s.payout) for s in record.players] == [
        (1, "Ann", 30, 54), (2, "Bob", 30, 0)]
    assert [(d.round, d.name, d.value, d.roller, d.chat_id, d.message_id, d.sent_at)
            for d in record.dice] == [
        (1, "Ann", 4, "bot", 1, 11, NOW + 1), (1, "Bob", 4, "bot", 2, 12, NOW + 1),
        (2, "Ann", 6, "bot", 1, 21, NOW + 2), (2, "Bob", 2, "bot", 2, 22, NOW + 2)]
    assert [n for n, _ in record.rounds()] == [1, 2] and not record.server_draws
    assert (record.pot, record.lobby.fee) == (60, 6)
    moves = [(t.kind, record.account(t.debit_id), record.account(t.credit_id), t.amount)
             for t in record.transfers]
    assert moves == [("stake", "Ann", "escrow", 30), ("stake", "Bob", "escrow", 30),
                     ("payout", "escrow", "Ann", 54), ("fee", "escrow", "house", 6)]
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM transfers WHERE reference = ? ORDER BY id", (f"lobby {lobby_id}",))]
    assert [t.id for t in record.transfers] == ids  # all of them, nothing else
    assert record.seed is not None and record.commitment is not None
    data = record.to_dict()
    assert data["fairness"]["seed"] == record.seed and len(data["dice"]) == 4
    assert data["transfers"][2]["key"] == f"payout:{lobby_id}:1"
    assert ledger.audit(conn) == []


def test_who_may_see_a_record_where(conn):
    _players(conn, (1, "Ann"), (2, "Bob"), (3, "Cid"), (4, "Dee"))
    private_id = _private_duel(conn)
    for chat in (CHAT, OTHER_CHAT):
        unit(conn, groups.seen, chat, title="Club", is_forum=False, lang="en", now=NOW)
        unit(conn, groups.set_enabled, chat, True, by=1, now=NOW)
    group_id = unit(conn, challenges.create, CHAT, 3, "dice", 20, target=None, thread_id=None,
                    settings=S, now=NOW).lobby.id
    unit(conn, challenges.join, group_id, 4, chat_id=CHAT, now=NOW)
    unit(conn, refunds.cancel, group_id, reason="test", now=NOW)

    def refusal(lobby_id, viewer, chat_id):
        with pytest.raises(records.RecordRefused) as info:
            records.for_viewer(conn, lobby_id, viewer=viewer, chat_id=chat_id)
        return info.value.reason

    assert refusal(private_id, 3, None) == "record_private"  # not a player of it
    assert refusal(private_id, 1, CHAT) == "record_private"  # a private duel, asked in a group
    assert refusal(999, 1, None) == "record_unknown"
    # a group game: in its own group for anyone, in private for its players only
    assert refusal(group_id, 3, None) == "record_not_played"  # cancelled: refunded, no result
    assert refusal(group_id, 1, CHAT) == "record_not_played"
    assert refusal(group_id, 3, OTHER_CHAT) == "record_private"
    assert refusal(group_id, 1, None) == "record_private"
    waiting = unit(conn, games.enter, 3, "dice", 10, settings=S, now=NOW).lobby.id
    assert refusal(waiting, 3, None) == "record_in_play"
    assert records.for_viewer(conn, private_id, viewer=1, chat_id=None).lobby.id == private_id
    assert records.load(conn, waiting).seed is None  # the operator's view: no seed yet
    assert records.load(conn, 999) is None
    assert ledger.audit(conn) == []


@pytest.mark.parametrize("typed, number", [("12", 12), (" #7 ", 7), ("", None), (None, None),
                                           ("abc", None), ("-3", None), ("١٢", None),
                                           ("1" * 19, None), ("12 13", None)])
def test_game_numbers_as_typed(typed, number):
    assert records.parse_id(typed) == number


def test_a_record_is_read_by_keys_never_by_a_scan(conn):
    _players(conn, (1, "Ann"), (2, "Bob"))
    lobby_id = _private_duel(conn)
    for n in range(3):  # more rows, so the planner has a choice to make
        unit(conn, ledger.transfer, debit=ledger.BONUS, credit=1, amount=1, kind="bonus",
             key=f"b{n}", now=NOW)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        records.for_viewer(conn, lobby_id, viewer=1, chat_id=None)
    finally:
        conn.set_trace_callback(None)
    assert any("transfers" in s for s in statements)
    for sql in statements:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)


def test_rolls_from_before_the_step_are_told_apart_by_what_they_recorded(tmp_path):
    steps = schema.parse_steps(schema.migrations_text())
    ours = next(n for n, sql in steps if "CREATE TABLE lobby_seeds" in sql)
    conn = db.open_db(tmp_path / "old.db", create=True)
    try:
        for number, sql in steps[:ours - 1]:
            db._apply_step(conn, number, sql)
        with db.transaction(conn):
            _old_rows(conn)
        db.migrate(conn)
        assert [tuple(r) for r in conn.execute(
            "SELECT lobby_id, roller, sent_at FROM rolls ORDER BY lobby_id, user_id")] == [
            (1, "bot", None), (1, "server", None), (2, "player", None), (2, "server", None)]
    finally:
        conn.close()


def _old_rows(conn: sqlite3.Connection) -> None:
    """Lobby 1 bot-rolled (one die seen, one drawn server-side), lobby 2 throw-your-own."""
    conn.execute("INSERT INTO users (id, created_at, last_seen_at) VALUES (1, 0, 0), (2, 0, 0)")
    conn.execute("INSERT INTO groups (chat_id, added_at, updated_at) VALUES (-5, 0, 0)")
    for lobby_id, mode in ((1, 0), (2, 1)):
        conn.execute("INSERT INTO lobbies (id, game, bet, seats, chat_id, creator_id, status,"
                     " round, created_at, expires_at) VALUES (?, 'dice', 10, 2, -5, 1,"
                     " 'rolling', 1, 0, 0)", (lobby_id,))
        conn.execute("INSERT INTO group_lobbies (lobby_id, chat_id, throw_mode, turn_seconds)"
                     " VALUES (?, -5, ?, 60)", (lobby_id, mode))
        conn.execute("INSERT INTO rolls (lobby_id, round, user_id, value, chat_id, message_id,"
                     " created_at) VALUES (?, 1, 1, 3, -5, 40, 0), (?, 1, 2, 5, NULL, NULL, 0)",
                     (lobby_id, lobby_id))
