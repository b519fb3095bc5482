"""The duel runner's units of work and reads (ludice.bot.duel): a die's record commits with
the next die's intent, and the start message and a round read all they need in one hop."""

from __future__ import annotations

import sqlite3

import pytest

from ludice import db, duels, games, ledger, refunds, users
from ludice import settings as game_settings
from ludice.bot.duel import _record, _round, _start_facts

NOW = 1_800_000_000


def _rolling(conn: sqlite3.Connection, make_user) -> games.Lobby:
    for uid in (1, 2):
        make_user(conn, uid)
    with db.transaction(conn):
        for uid in (1, 2):
            users.accept_terms(conn, uid, NOW)
            ledger.transfer(conn, debit=ledger.ADJUST, credit=uid, amount=100, kind="adjust",
                            key=f"test:{uid}", now=NOW, reference="test")
        current = game_settings.load(conn)
        games.enter(conn, 1, "dice", 10, settings=current, now=NOW)
        return games.enter(conn, 2, "dice", 10, settings=current, now=NOW).lobby


def _intents(conn: sqlite3.Connection, lobby_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT user_id FROM roll_intents WHERE lobby_id = ? ORDER BY user_id", (lobby_id,))]


def test_a_die_is_recorded_with_the_next_dies_intent(conn, make_user):
    lobby = _rolling(conn, make_user)
    first, second = games.players(conn, lobby.id)
    with db.transaction(conn):
        duels.intend_roll(conn, lobby.id, 1, first, now=NOW)
    with db.transaction(conn):
        assert _record(conn, duels.record_roll, lobby, first, second, NOW, value=4,
                       chat_id=second, message_id=7, sent_at=NOW) == (True, True)
    assert _intents(conn, lobby.id) == [second]  # the first's intent went with its record
    assert duels.rolls(conn, lobby.id, 1) == {first: 4}
    with db.transaction(conn):  # the last die of the round: no intent follows
        assert _record(conn, duels.record_server_roll, lobby, second, None, NOW) == (True,
                                                                                     False)
    assert _intents(conn, lobby.id) == []
    assert set(duels.rolls(conn, lobby.id, 1)) == {first, second}


def test_a_record_that_fails_leaves_no_intent_for_the_next_die(conn, make_user):
    lobby = _rolling(conn, make_user)
    first, second = games.players(conn, lobby.id)
    with pytest.raises(ValueError), db.transaction(conn):
        _record(conn, duels.record_roll, lobby, first, second, NOW, value=9)  # no such face
    assert _intents(conn, lobby.id) == [] and duels.rolls(conn, lobby.id, 1) == {}


def test_start_facts_only_before_the_first_die_and_round_facts(conn, make_user):
    lobby = _rolling(conn, make_user)
    found, start, first_round = _start_facts(conn, lobby.id)
    assert found == lobby and start is not None
    assert first_round == _round(conn, lobby.id)  # the first round comes in the same hop
    assert start.everyone == games.players(conn, lobby.id)
    assert start.names == {1: "user1", 2: "user2"} and start.langs == {1: "en", 2: "en"}
    assert start.commitment is not None and len(start.commitment) == 64
    rolling, waiting, everyone, delay = _round(conn, lobby.id)
    assert rolling == lobby and waiting == everyone == start.everyone
    assert delay == game_settings.load(conn).reveal_delay_seconds
    with db.transaction(conn):
        duels.record_roll(conn, lobby.id, 1, everyone[0], 3, now=NOW)
    resumed = _round(conn, lobby.id)  # no second start message, the round as it stands
    assert _start_facts(conn, lobby.id) == (lobby, None, resumed)
    assert _round(conn, lobby.id)[1] == everyone[1:]
    assert not conn.in_transaction  # the snapshot was closed


def test_no_intent_and_no_die_once_the_lobby_stopped_rolling(conn, make_user):
    lobby = _rolling(conn, make_user)
    first, second = games.players(conn, lobby.id)
    with db.transaction(conn):
        assert duels.intend_roll(conn, lobby.id, 1, first, now=NOW)
        assert not duels.intend_roll(conn, lobby.id, 2, second, now=NOW)  # not that round
    with db.transaction(conn):
        refunds.cancel(conn, lobby.id, reason="stuck", now=NOW)
    with db.transaction(conn):
        assert not duels.intend_roll(conn, lobby.id, 1, second, now=NOW)
        # a die that was out already is not counted, and the next die is not intended
        assert _record(conn, duels.record_roll, lobby, first, second, NOW, value=4) == (False,
                                                                                       False)
    assert _intents(conn, lobby.id) == [first] and duels.rolls(conn, lobby.id, 1) == {}


def test_a_group_round_reads_what_it_needs_in_one_snapshot(conn, make_user):
    from ludice import challenges, groups
    from ludice.bot.group.duel import _label
    from ludice.bot.group.duel import _round as group_round

    chat = -1001
    for uid in (1, 2):
        make_user(conn, uid)
    with db.transaction(conn):
        groups.seen(conn, chat, title="Club", is_forum=False, lang="en", now=NOW)
        groups.set_enabled(conn, chat, True, by=1, now=NOW)
        for uid in (1, 2):
            users.accept_terms(conn, uid, NOW)
            ledger.transfer(conn, debit=ledger.ADJUST, credit=uid, amount=100, kind="adjust",
                            key=f"test:{uid}", now=NOW, reference="test")
        current = game_settings.load(conn)
        lobby_id = challenges.create(conn, chat, 1, "dice", 20, target=None, thread_id=None,
                                     settings=current, now=NOW).lobby.id
        challenges.join(conn, lobby_id, 2, chat_id=chat, now=NOW)
    lobby, waiting, extra, label, delay = group_round(conn, lobby_id)
    assert lobby.status == "rolling" and waiting == games.players(conn, lobby_id)
    assert extra == challenges.get(conn, lobby_id) and not extra.throw_mode
    assert label == _label(conn, lobby, waiting) and label
    assert delay == current.reveal_delay_seconds
    assert not conn.in_transaction
    with db.transaction(conn):
        refunds.cancel(conn, lobby_id, reason="stuck", now=NOW)
    assert group_round(conn, lobby_id)[0].status == "cancelled"  # the runner stops there
