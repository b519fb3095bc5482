"""The house and friendly games in the domain: the schema step that allows 0 bets and seats
the house, the daily loss cap's arithmetic, and a house duel settled and refunded exactly
once with the books balanced."""

from __future__ import annotations

import sqlite3

import pytest

from ludice import db, duels, games, house, ledger, refunds, rules, schema
from ludice import settings as game_settings
from ludice.errors import SettingError
from ludice.games import GameRefused

NOW = 1_800_000_000


def _house_step() -> int:
    """The number of the step that brings the house (found by what it does: numbers move
    when branches merge)."""
    steps = schema.parse_steps(schema.migrations_text())
    return next(number for number, sql in steps if "writable_schema" in sql)


def test_the_step_keeps_old_games_and_allows_friendly_ones(tmp_path, monkeypatch):
    full = schema.migrations_text()
    step = _house_step()
    before = full[:full.index(f"-- step {step}:")]
    path = tmp_path / "old.db"
    monkeypatch.setattr(schema, "migrations_text", lambda: before)
    conn = db.open_db(path, create=True)
    db.migrate(conn)
    with db.transaction(conn):
        conn.execute("INSERT INTO users (id, first_name, created_at, last_seen_at)"
                     " VALUES (1, 'Ann', 0, 0)")
        conn.execute("INSERT INTO lobbies (game, bet, seats, creator_id, created_at,"
                     " expires_at) VALUES ('dice', 30, 2, 1, 0, 0)")
        conn.execute("INSERT INTO lobby_players (lobby_id, user_id, seat, stake, joined_at)"
                     " VALUES (1, 1, 1, 30, 0)")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("INSERT INTO lobbies (game, bet, seats, creator_id, created_at,"
                     " expires_at) VALUES ('dice', 0, 2, 1, 0, 0)")
    other = db.open_db(path)  # open across the migration: it must see the new rules too
    monkeypatch.setattr(schema, "migrations_text", lambda: full)
    db.migrate(conn)
    for connection in (conn, other):
        with db.transaction(connection):
            connection.execute("INSERT INTO lobbies (game, bet, seats, creator_id, created_at,"
                               " expires_at) VALUES ('dice', 0, 2, 1, 0, 0)")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            connection.execute("INSERT INTO lobbies (game, bet, seats, creator_id, created_at,"
                               " expires_at) VALUES ('dice', -1, 2, 1, 0, 0)")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            connection.execute("INSERT INTO lobby_players (lobby_id, user_id, seat, stake,"
                               " joined_at) VALUES (1, 1, 2, -1, 0)")
    assert [tuple(r) for r in conn.execute("SELECT bet FROM lobbies ORDER BY id")] == [
        (30,), (0,), (0,)]
    assert [tuple(r) for r in conn.execute("SELECT stake, won FROM lobby_players")] == [
        (30, None)]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA writable_schema").fetchone()[0] == 0
    other.close()
    conn.close()


def test_worst_loss_and_room_under_the_cap(conn, make_user):
    assert house.worst_loss(30, 0) == 30
    assert house.worst_loss(30, 10) == 24  # the house keeps the fee of a pot it loses
    assert house.worst_loss(30, 50) == 0
    settings = game_settings.DEFAULTS.replace(house_daily_loss_cap=100, house_fee_percent=10)
    assert house.room(conn, settings=settings.replace(house_daily_loss_cap=0), now=NOW) is None
    assert house.room(conn, settings=settings, now=NOW) == 125  # 125 - 25 = 100
    make_user(conn, 1)
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=500, kind="welcome",
                        key="w1", now=NOW)
        conn.execute("UPDATE users SET terms_accepted_at = 1 WHERE id = 1")
        entered = house.play(conn, 1, "dice", 50, settings=settings, now=NOW)
    assert entered.started and entered.players == [1, ledger.HOUSE]
    assert conn.execute("SELECT first_name FROM users WHERE id = ?",
                        (ledger.HOUSE,)).fetchone()[0] == house.HOUSE_NAME
    # in play it counts at its worst: 50 - 10 = 40 of the 100
    assert house.losses(conn, settings=settings, now=NOW) == 40
    assert house.room(conn, settings=settings, now=NOW) == 75
    assert ledger.audit(conn) == []
    with db.transaction(conn):  # the house wins: it is ahead, the whole cap is free again
        duels.record_roll(conn, entered.lobby.id, 1, 1, 1, now=NOW)
        duels.record_roll(conn, entered.lobby.id, 1, ledger.HOUSE, 6, now=NOW)
        assert duels.advance(conn, entered.lobby.id, settings=settings, now=NOW).settled
        assert duels.advance(conn, entered.lobby.id, settings=settings, now=NOW) is None
    assert house.losses(conn, settings=settings, now=NOW) == 0
    assert ledger.balance(conn, ledger.HOUSE) == 50 and ledger.balance(conn, 1) == 450
    assert house.results(conn) == {"house_duels": 1, "house_duels_won": 1,
                                   "house_duels_lost": 0, "house_duels_net": 50}
    assert house.losses(conn, settings=settings, now=NOW + house.DAY) == 0
    assert ledger.audit(conn) == []


def test_a_cancelled_house_duel_refunds_both_sides_once(conn, make_user):
    make_user(conn, 1)
    settings = game_settings.DEFAULTS
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=100, kind="welcome",
                        key="w1", now=NOW)
        conn.execute("UPDATE users SET terms_accepted_at = 1 WHERE id = 1")
        lobby = house.play(conn, 1, "darts", 40, settings=settings, now=NOW).lobby
        assert ledger.balance(conn, ledger.ESCROW) == 80
        refunds.cancel(conn, lobby.id, reason="test", now=NOW)
        with pytest.raises(Exception, match="already cancelled"):
            refunds.cancel(conn, lobby.id, reason="again", now=NOW)
    assert ledger.balance(conn, 1) == 100 and ledger.balance(conn, ledger.HOUSE) == 0
    told = [r[0] for r in conn.execute("SELECT chat_id FROM outbox")]
    assert told == [1]  # the player hears it; the house is told nothing
    assert house.losses(conn, settings=settings, now=NOW) == 0
    assert ledger.audit(conn) == []


def test_the_house_refuses_before_anything_moves(conn, make_user):
    make_user(conn, 1)
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=1, amount=100, kind="welcome",
                        key="w1", now=NOW)
        conn.execute("UPDATE users SET terms_accepted_at = 1 WHERE id = 1")
    settings = game_settings.DEFAULTS.replace(max_bet=200, house_max_bet=0)
    cases = [
        (settings.replace(house_play=False), "dice", 50, "house_off"),
        (settings, "bowling", 50, "unknown_game"),
        (settings, "dice", 0, "house_no_friendly"),
        (settings, "dice", 150, "cannot_afford"),
        (settings.replace(house_max_bet=40), "dice", 50, "above_max"),
        (settings.replace(house_daily_loss_cap=5), "dice", 50, "house_closed_today"),
        (settings.replace(house_daily_loss_cap=30), "dice", 50, "house_cap"),
    ]
    for case_settings, game, bet, reason in cases:
        with pytest.raises(GameRefused) as refused, db.transaction(conn):
            house.play(conn, 1, game, bet, settings=case_settings, now=NOW)
        assert refused.value.reason == reason
        assert conn.execute("SELECT count(*) FROM lobbies").fetchone()[0] == 0
    assert settings.house_bet_limit == 200  # 0 means "as max_bet"


def test_a_friendly_bet_passes_the_bet_rules_and_moves_nothing(conn, make_user):
    assert rules.check_bet(0, min_bet=10, max_bet=100, balance=0) == 0
    make_user(conn, 1)
    make_user(conn, 2)
    with db.transaction(conn):
        conn.execute("UPDATE users SET terms_accepted_at = 1")
        games.enter(conn, 1, "dice", 0, settings=game_settings.DEFAULTS, now=NOW)
        entered = games.enter(conn, 2, "dice", 0, settings=game_settings.DEFAULTS, now=NOW)
    assert entered.started and conn.execute("SELECT count(*) FROM transfers").fetchone()[0] == 0
    assert ledger.audit(conn) == []


def test_house_max_bet_below_min_bet_is_refused(conn):
    with pytest.raises(SettingError, match="house_max_bet"), db.transaction(conn):
        game_settings.set_value(conn, "house_max_bet", "5", NOW)
    with db.transaction(conn):
        assert game_settings.set_value(conn, "house_max_bet", "50", NOW) == 50
    with pytest.raises(SettingError, match="house_max_bet"), db.transaction(conn):
        game_settings.set_value(conn, "min_bet", "60", NOW)
    with db.transaction(conn):
        game_settings.set_value(conn, "house_max_bet", "0", NOW)  # as max_bet again
        game_settings.set_value(conn, "min_bet", "60", NOW)
    assert game_settings.load(conn).house_bet_limit == game_settings.DEFAULTS.max_bet
