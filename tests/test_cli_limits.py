"""`ludice user show` with a player's limits, `ludice user limits` (the history) and
`ludice user unexclude` (the operator's, recorded with its reason)."""

from __future__ import annotations

import json

import pytest
from clihelpers import assert_one_error_line, assert_pairs, ok, run_main

from ludice import db, limits, users

NOW = 1_700_000_000


# A LUDICE_DB from the developer's shell must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_ambient_db")


@pytest.fixture
def limited(db_path, conn, make_user, monkeypatch):
    """Ann (42): a daily stake limit of 100, a weekly loss limit of 300 raised to 900
    (pending), reality checks every 30 min, a 7-day time-out; Bob (43): nothing set."""
    monkeypatch.setattr(db, "now", lambda: NOW + 60)
    make_user(conn, 42, "ann", first_name="Ann", now=NOW)
    make_user(conn, 43, "bob", first_name="Bob", now=NOW)
    with db.transaction(conn):
        users.accept_terms(conn, 42, NOW)
        limits.set_limit(conn, 42, "stake_day", 100, NOW)
        limits.set_limit(conn, 42, "loss_week", 300, NOW)
        limits.set_limit(conn, 42, "loss_week", 900, NOW + 1)
        limits.set_reminder(conn, 42, 30, NOW)
        limits.exclude(conn, 42, "timeout", 7, NOW + 2)
    return db_path


def test_user_show_lists_limits_pending_changes_and_the_exclusion(limited):
    data = json.loads(ok("user", "show", "@ann", "--db", limited, "--json"))
    assert data["limits"] == {"stake_day": {"limit": 100, "used": 0},
                              "loss_week": {"limit": 300, "used": 0}}
    assert data["pending"] == {"loss_week": {"value": 900, "from": "2023-11-15 22:13:21 UTC"}}
    assert data["reality_check_minutes"] == 30
    assert data["exclusion"] == {"kind": "timeout", "until": "2023-11-21 22:13:22 UTC"}
    shown = assert_pairs(ok("user", "show", "42", "--db", limited))
    assert shown["limits"] == "stake_day 100 (0 used), loss_week 300 (0 used)"
    assert shown["pending"] == "loss_week -> 900 from 2023-11-15 22:13:21 UTC"
    assert shown["exclusion"] == "timeout until 2023-11-21 22:13:22 UTC"
    plain = json.loads(ok("user", "show", "@bob", "--db", limited, "--json"))
    assert [plain[k] for k in ("limits", "pending", "reality_check_minutes", "exclusion")] == [
        None, None, None, None]


def test_user_limits_shows_the_history(limited):
    data = json.loads(ok("user", "limits", "@ann", "--db", limited, "--json"))
    assert [(c["item"], c["value"], c["actor"]) for c in data["changes"]] == [
        ("timeout", 7, "player"), ("reminder", 30, "player"), ("loss_week", 900, "player"),
        ("loss_week", 300, "player"), ("stake_day", 100, "player")]
    assert [(e["kind"], e["lifted_at"]) for e in data["exclusions"]] == [("timeout", None)]
    out = ok("user", "limits", "42", "--db", limited)
    assert "loss_week" in out and "time-outs and exclusions:" in out


def test_unexclude_needs_a_reason_and_records_it(limited, monkeypatch, capsys):
    for args in (["user", "unexclude", "42"], ["user", "unexclude", "42", "--reason", " "]):
        code, out, err = run_main(monkeypatch, capsys, *args, "--db", limited)
        assert_one_error_line(code, out, err, "--reason is required")
    assert json.loads(ok("user", "show", "42", "--db", limited, "--json"))["exclusion"]
    assert ok("user", "unexclude", "@ann", "--reason", "set by mistake (ticket 7)", "--db",
              limited).strip() == "ended 1 time-out(s)/exclusion(s) of @ann (42)"
    assert json.loads(ok("user", "show", "42", "--db", limited, "--json"))["exclusion"] is None
    assert ok("user", "unexclude", "@ann", "--reason", "again", "--db", limited).strip() == \
        "@ann (42) has no time-out or exclusion; nothing changed"
    data = json.loads(ok("user", "limits", "42", "--db", limited, "--json"))
    assert data["changes"][0]["item"] == "unexclude"
    assert data["changes"][0]["reason"] == "set by mistake (ticket 7)"
    assert data["changes"][0]["actor"] == "operator"
    assert data["exclusions"][0]["lift_reason"] == "set by mistake (ticket 7)"
    code, out, err = run_main(monkeypatch, capsys, "user", "unexclude", "999", "--reason", "x",
                              "--db", limited)
    assert_one_error_line(code, out, err, "no user with id 999")
