"""Game settings (parse, validate, store) and players (resolve, upsert, terms, bans)."""

from __future__ import annotations

import pytest

from ludice import db, ledger, users
from ludice import settings as gs
from ludice.errors import LudiceError, SettingError, UnknownUser

NOW = 1_700_000_000


def stored_settings(conn) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT key, value FROM settings")}


# -- settings: parsing ----------------------------------------------------------------------

@pytest.mark.parametrize(("key", "raw", "value"), [
    ("min_bet", "25", 25),
    ("min_bet", " 25 ", 25),
    ("house_fee_percent", "0", 0),
    ("house_fee_percent", "50", 50),
    ("reveal_delay_seconds", "0.5", 0.5),
    ("reveal_delay_seconds", "2", 2.0),
    ("stars_enabled", "on", True),
    ("stars_enabled", "ON", True),
    ("stars_enabled", "yes", True),
    ("stars_enabled", "true", True),
    ("stars_enabled", "1", True),
    ("stars_enabled", "off", False),
    ("stars_enabled", "No", False),
    ("stars_enabled", "0", False),
    ("quick_bets", "100,10,50", (10, 50, 100)),
    ("quick_bets", " 5 , 5, 7 ,", (5, 7)),
    ("star_packs", "1", (1,)),
])
def test_parse_good_values(key, raw, value):
    got = gs.parse(key, raw)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(("key", "raw", "message"), [
    ("min_bet", "ten", "must be a whole number"),
    ("min_bet", "1.5", "must be a whole number"),
    ("min_bet", "", "must be a whole number"),
    ("min_bet", "0", "between 1 and 1000000000, not 0"),
    ("min_bet", "-5", "between 1 and"),
    ("house_fee_percent", "51", "between 0 and 50, not 51"),
    ("reveal_delay_seconds", "nan", "must be a number"),
    ("reveal_delay_seconds", "inf", "between 0 and 60"),
    ("reveal_delay_seconds", "61", "between 0 and 60, not 61"),
    ("reveal_delay_seconds", "soon", "must be a number"),
    ("stars_enabled", "maybe", "must be on or off"),
    ("stars_enabled", "", "must be on or off"),
    ("quick_bets", "10,x", "whole numbers separated by commas"),
    ("quick_bets", "10;20", "whole numbers separated by commas"),
    ("quick_bets", " , ", "at least one value"),
    ("quick_bets", "0,10", "between 1 and"),
    ("reconcile_interval_seconds", "59", "between 60 and 86400"),
    ("no_such_key", "1", "unknown setting 'no_such_key'"),
])
def test_parse_bad_values(key, raw, message):
    with pytest.raises(SettingError, match=message):
        gs.parse(key, raw)


def test_render_round_trips_every_default():
    for key, spec in gs.SPECS.items():
        assert gs.parse(key, gs.render(spec.default)) == spec.default, key
    assert gs.render(True) == "on"
    assert gs.render(False) == "off"
    assert gs.render((1, 2)) == "1,2"


def test_defaults_match_specs():
    for key, spec in gs.SPECS.items():
        assert getattr(gs.DEFAULTS, key) == spec.default
    assert gs.DEFAULTS.min_bet <= gs.DEFAULTS.max_bet


# -- settings: storage ----------------------------------------------------------------------

def test_load_defaults_on_a_fresh_database(conn):
    assert gs.load(conn) == gs.DEFAULTS


def test_set_then_load(conn):
    with db.transaction(conn):
        assert gs.set_value(conn, "min_bet", "20", NOW) == 20
        assert gs.set_value(conn, "stars_enabled", "on", NOW) is True
        assert gs.set_value(conn, "quick_bets", "50,20,20", NOW) == (20, 50)
        assert gs.set_value(conn, "reveal_delay_seconds", "1.5", NOW) == 1.5
    loaded = gs.load(conn)
    assert loaded == gs.DEFAULTS.replace(min_bet=20, stars_enabled=True, quick_bets=(20, 50),
                                         reveal_delay_seconds=1.5)
    assert stored_settings(conn) == {"min_bet": "20", "stars_enabled": "on",
                                     "quick_bets": "20,50", "reveal_delay_seconds": "1.5"}
    # Setting again overwrites the one row.
    with db.transaction(conn):
        gs.set_value(conn, "min_bet", "30", NOW + 1)
    assert gs.load(conn).min_bet == 30
    assert conn.execute("SELECT updated_at FROM settings WHERE key = 'min_bet'").fetchone()[0] \
        == NOW + 1


def test_min_bet_above_max_bet_is_refused_and_nothing_written(conn):
    with (pytest.raises(SettingError, match=r"min_bet \(20000\) cannot exceed max_bet"),
          db.transaction(conn)):
        gs.set_value(conn, "min_bet", "20000", NOW)
    assert stored_settings(conn) == {}
    with db.transaction(conn):
        gs.set_value(conn, "max_bet", "500", NOW)
    with pytest.raises(SettingError, match="cannot exceed"), db.transaction(conn):
        gs.set_value(conn, "min_bet", "501", NOW)
    with pytest.raises(SettingError, match="cannot exceed"), db.transaction(conn):
        gs.set_value(conn, "max_bet", "9", NOW)  # below the default min_bet of 10
    assert stored_settings(conn) == {"max_bet": "500"}
    with db.transaction(conn):
        gs.set_value(conn, "min_bet", "500", NOW)  # equal is fine
    assert (gs.load(conn).min_bet, gs.load(conn).max_bet) == (500, 500)


def test_bad_values_write_nothing(conn):
    for key, raw in [("min_bet", "x"), ("nope", "1"), ("stars_enabled", "perhaps"),
                     ("quick_bets", "")]:
        with pytest.raises(SettingError), db.transaction(conn):
            gs.set_value(conn, key, raw, NOW)
    assert stored_settings(conn) == {}


def test_unknown_stored_key_is_kept_but_ignored(conn):
    conn.execute("INSERT INTO settings (key, value, updated_at) VALUES ('from_the_future', 'x', 1)")
    assert gs.load(conn) == gs.DEFAULTS
    with db.transaction(conn):
        gs.set_value(conn, "tie_rounds", "5", NOW)
    assert stored_settings(conn)["from_the_future"] == "x"


# -- users ----------------------------------------------------------------------------------

def test_upsert_creates_user_and_account(conn):
    with db.transaction(conn):
        users.upsert(conn, 42, first_name="Ann", username="Ann_X", language_code="en", now=NOW)
    user = users.get(conn, 42)
    assert user == users.User(42, "Ann_X", "Ann", "en", None, None, None, NOW, NOW)
    assert user.label == "@Ann_X"
    assert ledger.balance(conn, 42) == 0
    assert conn.execute("SELECT name FROM accounts WHERE id = 42").fetchone()[0] == "user:42"
    assert users.get(conn, 43) is None


def test_upsert_updates_profile_and_keeps_history(conn):
    with db.transaction(conn):
        users.upsert(conn, 42, first_name="Ann", username="ann", language_code="en", now=NOW)
        users.accept_terms(conn, 42, NOW)
        ledger.adjust(conn, 42, 10, reason="r", key="k", now=NOW)
    with db.transaction(conn):
        users.upsert(conn, 42, first_name="Anna", username=None, language_code="de",
                     now=NOW + 60)
    user = users.get(conn, 42)
    assert (user.first_name, user.username, user.language_code) == ("Anna", None, "de")
    assert (user.created_at, user.last_seen_at) == (NOW, NOW + 60)
    assert user.terms_accepted_at == NOW
    assert user.label == "Anna"
    assert ledger.balance(conn, 42) == 10
    assert conn.execute("SELECT count(*) FROM accounts WHERE id = 42").fetchone()[0] == 1


def test_label_falls_back_to_id(conn):
    with db.transaction(conn):
        users.upsert(conn, 7, first_name="", username=None, language_code=None, now=NOW)
    assert users.get(conn, 7).label == "7"


@pytest.mark.parametrize("bad_id", [0, -1, -100])
def test_upsert_refuses_non_user_ids(conn, bad_id):
    with pytest.raises(LudiceError, match="not a Telegram user id"), db.transaction(conn):
        users.upsert(conn, bad_id, first_name="x", username=None, language_code=None, now=NOW)
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_resolve(conn, make_user):
    make_user(conn, 42, "Ann_X")
    make_user(conn, 43, None)
    for ref in ("42", " 42 ", "@Ann_X", "@ann_x", "@ANN_X", " @ann_x "):
        assert users.resolve(conn, ref).id == 42, ref
    assert users.resolve(conn, "43").id == 43
    with pytest.raises(UnknownUser, match="no user with id 44"):
        users.resolve(conn, "44")
    with pytest.raises(UnknownUser, match="no user @bob"):
        users.resolve(conn, "@bob")
    with pytest.raises(UnknownUser, match="numeric Telegram id or @username"):
        users.resolve(conn, "@")
    for garbage in ("ann_x", "", "4 2", "42abc", "@@", "1e3", "4_2", "+42", "４２"):
        with pytest.raises(UnknownUser):
            users.resolve(conn, garbage)
    with pytest.raises(UnknownUser, match="neither a numeric Telegram id"):
        users.resolve(conn, "-1")  # a system account is not a user


def test_accept_terms_once(conn, make_user):
    make_user(conn, 42)
    with db.transaction(conn):
        assert users.accept_terms(conn, 42, NOW) is True
    with db.transaction(conn):
        assert users.accept_terms(conn, 42, NOW + 100) is False
    assert users.get(conn, 42).terms_accepted_at == NOW
    assert users.accept_terms(conn, 999, NOW) is False


def test_ban_needs_a_reason_then_unban(conn, make_user):
    make_user(conn, 42)
    for reason in ("", "  "):
        with pytest.raises(LudiceError, match="needs a reason"), db.transaction(conn):
            users.ban(conn, 42, reason, NOW)
    assert users.get(conn, 42).banned_at is None
    with db.transaction(conn):
        assert users.ban(conn, 42, "  spam ", NOW) is True
    user = users.get(conn, 42)
    assert (user.banned_at, user.ban_reason) == (NOW, "spam")
    with db.transaction(conn):
        assert users.ban(conn, 42, "again", NOW + 5) is False  # first ban stands
    assert users.get(conn, 42).ban_reason == "spam"
    with db.transaction(conn):
        assert users.unban(conn, 42) is True
    user = users.get(conn, 42)
    assert (user.banned_at, user.ban_reason) == (None, None)
    with db.transaction(conn):
        assert users.unban(conn, 42) is False


def test_listing(conn, make_user):
    make_user(conn, 1, "a", now=NOW)
    make_user(conn, 2, "b", now=NOW + 10)
    make_user(conn, 3, None, now=NOW + 5)
    with db.transaction(conn):
        ledger.adjust(conn, 3, 9, reason="r", key="k", now=NOW)
        users.accept_terms(conn, 3, NOW)
        users.ban(conn, 1, "x", NOW)
    rows = users.listing(conn)
    assert [r["id"] for r in rows] == [2, 3, 1]
    assert rows[1]["balance"] == 9
    assert bool(rows[1]["accepted"]) and not bool(rows[0]["accepted"])
    assert bool(rows[2]["banned"])
    assert [r["id"] for r in users.listing(conn, limit=1)] == [2]
