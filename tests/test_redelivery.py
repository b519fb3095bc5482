"""ludice.redelivery on a real database: an update's effect and its record commit together,
a recorded update does nothing again, a refusal counts as the update's answer, and records
are forgotten after a day."""

from __future__ import annotations

import pytest

from ludice import db, games, ledger, redelivery, refunds, users
from ludice import settings as game_settings
from ludice.games import GameRefused


def _enter(conn, user_id: int, bet: int, now: int):
    return games.enter(conn, user_id, "dice", bet, settings=game_settings.load(conn), now=now)


@pytest.fixture
def players(conn, make_user):
    for user_id in (1, 2):
        make_user(conn, user_id)
        with db.transaction(conn):
            users.accept_terms(conn, user_id, 1)
            ledger.transfer(conn, debit=ledger.BONUS, credit=user_id, amount=100,
                            kind="welcome", key=f"welcome:{user_id}", now=1)
    return conn


def test_an_update_takes_effect_once(players):
    conn = players
    entered = db.run_write(conn, redelivery.once, 41, 10, _enter, 1, 30, 10)
    assert entered.lobby.id == 1 and ledger.balance(conn, 1) == 70
    with pytest.raises(redelivery.AlreadyHandled):
        db.run_write(conn, redelivery.once, 41, 11, _enter, 1, 30, 11)
    assert ledger.balance(conn, 1) == 70
    assert conn.execute("SELECT count(*) FROM lobbies").fetchone()[0] == 1


def test_a_failed_effect_leaves_no_record(players):
    conn = players

    def broken(conn, now):
        _enter(conn, 1, 30, now)
        raise RuntimeError("a bug half-way")

    with pytest.raises(RuntimeError):
        db.run_write(conn, redelivery.once, 42, 10, broken, 10)
    assert conn.execute("SELECT count(*) FROM handled_updates").fetchone()[0] == 0
    assert ledger.balance(conn, 1) == 100  # nothing of it committed


def test_a_refused_update_stays_refused_when_it_comes_again(players):
    conn = players
    db.run_write(conn, _enter, 1, 30, 10)  # Alice waits in lobby 1
    outcome = db.run_write(conn, redelivery.once, 43, 11, _enter, 1, 50, 11)
    assert isinstance(outcome.error, GameRefused)
    assert outcome.error.reason == "already_in_lobby"
    db.run_write(conn, refunds.leave, 1, None, now=12)  # what stood in the way is gone...
    with pytest.raises(redelivery.AlreadyHandled):  # ...and still: the answer was no
        db.run_write(conn, redelivery.once, 43, 13, _enter, 1, 50, 13)
    assert ledger.balance(conn, 1) == 100


async def test_write_once_raises_the_refusal_and_then_stays_silent(db_path, players):
    store = await db.Store.open(db_path)
    try:
        with pytest.raises(GameRefused):
            await redelivery.write_once(store, 44, 10, _enter, 1, 5000, 10)  # can't afford
        with pytest.raises(redelivery.AlreadyHandled):
            await redelivery.write_once(store, 44, 11, _enter, 1, 30, 11)
        entered = await redelivery.write_once(store, 45, 12, _enter, 2, 30, 12)
        assert entered.players == [2]
    finally:
        await store.close()


def test_records_are_forgotten_after_a_day(conn):
    with db.transaction(conn):
        assert redelivery.claim(conn, 1, 1_000)
        assert redelivery.claim(conn, 2, 90_000)
        assert not redelivery.claim(conn, 2, 90_001)
    assert db.run_write(conn, redelivery.prune, now=1_000 + 86_400) == 0
    assert db.run_write(conn, redelivery.prune, now=1_001 + 86_400) == 1
    assert [r[0] for r in conn.execute("SELECT update_id FROM handled_updates")] == [2]


def test_update_ids_belong_to_the_bot_that_recorded_them(players):
    conn = players
    db.run_write(conn, redelivery.once, 41, 10, _enter, 1, 30, 10)
    assert db.run_write(conn, redelivery.serve_bot, 777) == 0  # recorded before bots were
    with pytest.raises(redelivery.AlreadyHandled):
        db.run_write(conn, redelivery.once, 41, 11, _enter, 2, 30, 11)
    assert db.run_write(conn, redelivery.serve_bot, 777) == 0  # the same bot again
    assert conn.execute("SELECT count(*) FROM handled_updates").fetchone()[0] == 1
    # another bot numbers its updates from its own counter: its 41 is a new update
    assert db.run_write(conn, redelivery.serve_bot, 888) == 1
    entered = db.run_write(conn, redelivery.once, 41, 12, _enter, 2, 30, 12)
    assert entered.started and ledger.balance(conn, 2) == 70
    assert conn.execute("SELECT value FROM meta WHERE key = 'bot_id'").fetchone()[0] == "888"
