"""ludice.admin against a real SQLite file: a request is checked when asked and again when
confirmed, decided once, only by the admin who asked, and records who did it."""

from __future__ import annotations

import pytest

from ludice import admin, db, ledger, settings, users
from ludice.errors import LudiceError

NOW = 1_700_000_000


@pytest.fixture
def ready(conn, make_user):
    make_user(conn, 42, "ann", now=NOW)
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.BONUS, credit=42, amount=100, kind="welcome",
                        key="welcome:42", now=NOW)
    return conn


def ask(conn, action: str, admin_id: int = 7, **kwargs):
    with db.transaction(conn):
        return admin.ask(conn, admin_id, action, now=NOW, **kwargs)


def confirm(conn, request_id: int, admin_id: int = 7, now: int = NOW + 1):
    with db.transaction(conn):
        return admin.confirm(conn, request_id, admin_id, now)


def refused(reason: str):
    return pytest.raises(admin.AdminRefused, match=f"^{reason}$")


def test_ban_records_the_admin_once(ready):
    request, preview = ask(ready, "ban", target="@ANN", reason=" spam ")
    assert (request.target, request.reason, preview["user"]) == ("42", "spam", "@ann")
    assert users.get(ready, 42).banned_at is None  # asking changes nothing
    confirm(ready, request.id)
    banned = users.get(ready, 42)
    assert (banned.ban_reason, banned.banned_by) == ("spam", 7)
    with refused("admin_decided"):
        confirm(ready, request.id)
    with refused("admin_already_banned"):
        ask(ready, "ban", target="42", reason="again")


@pytest.mark.parametrize(("action", "kwargs", "reason"), [
    ("ban", {"target": "42"}, "admin_no_reason"),
    ("adjust", {"target": "42", "value": "5", "reason": "  "}, "admin_no_reason"),
    ("ban", {"target": "@ghost", "reason": "x"}, "admin_unknown_user"),
    ("unban", {"target": "42"}, "admin_not_banned"),
    ("adjust", {"target": "42", "value": "-101", "reason": "x"}, "admin_overdraw"),
    ("adjust", {"target": "42", "value": "٣", "reason": "x"}, "admin_bad_amount"),
    ("cancel", {"target": "1", "reason": "x"}, "admin_unknown_lobby"),
    ("cancel", {"target": "-1", "reason": "x"}, "admin_bad_lobby"),
    ("refund", {"target": "c-1", "reason": "x"}, "admin_unknown_payment"),
    ("set", {"target": "min_bet", "value": "0"}, "admin_bad_setting"),
])
def test_bad_requests_are_refused_and_not_written(ready, action, kwargs, reason):
    with refused(reason):
        ask(ready, action, **kwargs)
    assert ready.execute("SELECT count(*) FROM admin_requests").fetchone()[0] == 0


def test_only_the_asking_admin_confirms_and_only_while_fresh(ready):
    request, _ = ask(ready, "adjust", target="42", value="+5", reason="gift")
    with refused("admin_stale"):
        confirm(ready, request.id, admin_id=8)
    with refused("admin_stale"):
        confirm(ready, request.id + 1)
    with refused("admin_expired"):
        confirm(ready, request.id, now=NOW + admin.REQUEST_TTL + 1)
    assert ledger.balance(ready, 42) == 100
    _, done = confirm(ready, request.id)
    assert done["balance"] == 105
    assert ready.execute("SELECT reference FROM transfers WHERE kind = 'adjust'"
                         ).fetchall()[0][0] == "admin 7: gift"


def test_a_dropped_request_is_never_carried_out(ready):
    request, _ = ask(ready, "set", target="min_bet", value="25")
    with db.transaction(ready):
        assert admin.drop(ready, request.id, 7, NOW).id == request.id
    with refused("admin_decided"):
        confirm(ready, request.id)
    assert ready.execute("SELECT count(*) FROM settings WHERE key = 'min_bet'").fetchone()[0] == 0


def test_set_records_who_and_the_cli_records_nobody(ready):
    request, preview = ask(ready, "set", target="max_bet", value="500")
    assert (preview["old"], preview["new"]) == ("10000", "500")
    confirm(ready, request.id)
    with db.transaction(ready):
        settings.set_value(ready, "min_bet", "20", NOW)
    rows = ready.execute("SELECT key, updated_by FROM settings ORDER BY key").fetchall()
    assert [tuple(r) for r in rows] == [("max_bet", 7), ("min_bet", None)]


def test_an_unknown_action_is_a_bug(ready):
    with pytest.raises(LudiceError, match="unknown admin action"):
        ask(ready, "explode", target="42")
