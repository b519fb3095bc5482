"""The `ludice` admin command: users and balances (helpers in clihelpers.py)."""

from __future__ import annotations

import json

import pytest
from clihelpers import (
    assert_aligned_table,
    assert_one_error_line,
    assert_pairs,
    count_transfers,
    ok,
    run_main,
)

from ludice import ledger

# A LUDICE_DB from the developer's shell must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_ambient_db")

# -- users ----------------------------------------------------------------------------------

def test_user_list(populated):
    out = ok("user", "list", "--db", populated)
    rows = assert_aligned_table(out, ["id", "username", "first_name", "balance", "accepted",
                                      "banned", "last_seen"])
    assert [r[0] for r in rows] == ["43", "44", "42"]  # most recently seen first
    assert rows[2][:6] == ["42", "Ann_X", "Ann", "150", "yes", "no"]
    assert rows[1][1] == "-"  # no username
    assert rows[0][5] == "yes"  # bob is banned
    data = json.loads(ok("user", "list", "--db", populated, "--json"))
    assert [r["id"] for r in data] == [43, 44, 42]
    assert data[2]["balance"] == 150
    assert data[2]["accepted"] is True and data[0]["banned"] is True
    assert data[1]["username"] is None
    assert len(json.loads(ok("user", "list", "--db", populated, "--json", "--limit", "1"))) == 1


def test_user_list_empty(db_path):
    assert ok("user", "list", "--db", db_path).strip() == "(none)"
    assert json.loads(ok("user", "list", "--db", db_path, "--json")) == []


def test_user_show(populated):
    out = ok("user", "show", "@ann_x", "--db", populated)
    data = assert_pairs(out)
    assert list(data) == ["id", "username", "first_name", "language", "balance", "admin",
                          "terms_accepted", "banned", "ban_reason", "banned_by", "created",
                          "last_seen", "limits", "pending", "reality_check_minutes",
                          "exclusion"]
    assert (data["id"], data["username"], data["balance"], data["banned"], data["admin"]) == (
        "42", "Ann_X", "150", "-", "no")
    data = json.loads(ok("user", "show", "43", "--db", populated, "--json"))
    assert data["id"] == 43
    assert data["ban_reason"] == "spam" and data["banned_by"] is None
    assert data["terms_accepted"] is None
    assert data["balance"] == 0


def test_user_show_marks_the_admins_the_bot_has(populated, monkeypatch, capsys):
    # The same list `ludice run` takes: --admins or LUDICE_ADMINS, parsed the same way.
    assert assert_pairs(ok("user", "show", "42", "--admins", "7, 42", "--db", populated)
                        )["admin"] == "yes"
    assert json.loads(ok("user", "show", "42", "--db", populated, "--json",
                         env={"LUDICE_ADMINS": "42;9"}))["admin"] is True
    assert json.loads(ok("user", "show", "43", "--db", populated, "--json",
                         env={"LUDICE_ADMINS": "42"}))["admin"] is False
    code, out, err = run_main(monkeypatch, capsys, "user", "show", "42", "--admins", "ann",
                              "--db", populated)
    assert_one_error_line(code, out, err, "admins must be numeric Telegram ids, not 'ann'")


@pytest.mark.parametrize(("ref", "message"), [
    ("999", "no user with id 999"),
    ("@nobody", "no user @nobody"),
    ("not-a-user", "neither a numeric Telegram id nor an @username"),
    ("@", "numeric Telegram id or @username"),
])
def test_user_show_unknown(populated, monkeypatch, capsys, ref, message):
    code, out, err = run_main(monkeypatch, capsys, "user", "show", ref, "--db", populated)
    assert_one_error_line(code, out, err, message)
    assert out == ""


def test_user_ban_and_unban(populated, monkeypatch, capsys):
    assert ok("user", "ban", "@Ann_X", "--reason", "cheating", "--db", populated).strip() == \
        "banned @Ann_X (42)"
    assert ok("user", "ban", "42", "--reason", "again", "--db", populated).strip() == \
        "@Ann_X (42) was already banned; nothing changed"
    assert json.loads(ok("user", "show", "42", "--db", populated, "--json"))["ban_reason"] == \
        "cheating"
    assert ok("user", "unban", "42", "--db", populated).strip() == "unbanned @Ann_X (42)"
    assert ok("user", "unban", "42", "--db", populated).strip() == \
        "@Ann_X (42) was not banned; nothing changed"

    for args in (["user", "ban", "44"], ["user", "ban", "44", "--reason", ""],
                 ["user", "ban", "44", "--reason", "   "]):
        code, out, err = run_main(monkeypatch, capsys, *args, "--db", populated)
        assert_one_error_line(code, out, err, "--reason is required")
    assert json.loads(ok("user", "show", "44", "--db", populated, "--json"))["banned"] is None
    code, out, err = run_main(monkeypatch, capsys, "user", "ban", "999", "--reason", "x",
                              "--db", populated)
    assert_one_error_line(code, out, err, "no user with id 999")
    code, out, err = run_main(monkeypatch, capsys, "user", "unban", "@ghost", "--db", populated)
    assert_one_error_line(code, out, err, "no user @ghost")


# -- balances -------------------------------------------------------------------------------

def test_balance_show(populated, monkeypatch, capsys):
    assert ok("balance", "show", "42", "--db", populated).strip() == "@Ann_X (42): 150 credits"
    assert ok("balance", "show", "44", "--db", populated).strip() == "Cy (44): 0 credits"
    assert json.loads(ok("balance", "show", "@ANN_X", "--db", populated, "--json")) == {
        "user": 42, "username": "Ann_X", "balance": 150}
    code, out, err = run_main(monkeypatch, capsys, "balance", "show", "7", "--db", populated)
    assert_one_error_line(code, out, err, "no user with id 7")


def test_balance_adjust_both_ways(populated):
    out = ok("balance", "adjust", "42", "25", "--reason", "prize", "--db", populated)
    assert out.strip() == "adjusted: @Ann_X (42) +25, balance now 175"
    # A negative amount is a positional argument, not an option.
    out = ok("balance", "adjust", "42", "-50", "--reason", "refund", "--db", populated)
    assert out.strip() == "adjusted: @Ann_X (42) -50, balance now 125"
    out = ok("balance", "adjust", "--reason", "r", "44", "7", "--db", populated)
    assert out.strip() == "adjusted: Cy (44) +7, balance now 7"
    entries = json.loads(ok("ledger", "42", "--db", populated, "--json", "--limit", "2"))
    assert [(e["from"], e["to"], e["amount"], e["reference"]) for e in entries] == [
        ("user:42", "adjust", 50, "refund"), ("adjust", "user:42", 25, "prize")]
    assert json.loads(ok("audit", "--db", populated, "--json"))["ok"] is True


def test_balance_adjust_with_key_applies_once(populated):
    before = count_transfers(populated)
    first = ok("balance", "adjust", "42", "30", "--reason", "r", "--key", "K1", "--db", populated)
    again = ok("balance", "adjust", "42", "30", "--reason", "r", "--key", "K1", "--db", populated)
    assert first.strip() == "adjusted: @Ann_X (42) +30, balance now 180"
    assert again.strip() == "already applied: @Ann_X (42) +30, balance now 180"
    assert count_transfers(populated) == before + 1
    # Without a key each run is its own adjustment.
    ok("balance", "adjust", "42", "1", "--reason", "r", "--db", populated)
    ok("balance", "adjust", "42", "1", "--reason", "r", "--db", populated)
    assert count_transfers(populated) == before + 3


def test_balance_adjust_same_key_other_amount_is_an_error(populated, monkeypatch, capsys):
    ok("balance", "adjust", "42", "30", "--reason", "r", "--key", "K2", "--db", populated)
    before = count_transfers(populated)
    code, out, err = run_main(monkeypatch, capsys, "balance", "adjust", "42", "31", "--reason",
                              "r", "--key", "K2", "--db", populated)
    assert_one_error_line(code, out, err, "already used for a different transfer")
    assert count_transfers(populated) == before


@pytest.mark.parametrize(("args", "message"), [
    (["42", "x"], "AMOUNT must be a whole number like 50 or -50, not 'x'"),
    (["42", "1.5"], "AMOUNT must be a whole number"),
    (["42", ""], "AMOUNT must be a whole number"),
    (["42", "0"], "AMOUNT cannot be 0"),
    (["42", "-0"], "AMOUNT cannot be 0"),
    (["42", "-151"], "user 42 holds 150; cannot take 151"),
    (["44", "-1"], "user 44 holds 0; cannot take 1"),
    (["999", "5"], "no user with id 999"),
    (["@nobody", "-5"], "no user @nobody"),
    (["42", "٣"], "AMOUNT must be a whole number"),  # an Arabic-Indic 3 is not an amount
    (["42", "--5"], "AMOUNT must be a whole number"),
    (["42", "99999999999999999999"], "a number is too large"),
    (["99999999999999999999", "5"], "a number is too large"),
])
def test_balance_adjust_errors_write_nothing(populated, conn, monkeypatch, capsys, args,
                                             message):
    before = count_transfers(populated)
    code, out, err = run_main(monkeypatch, capsys, "balance", "adjust", *args, "--reason", "r",
                              "--db", populated)
    assert_one_error_line(code, out, err, message)
    assert out == ""
    assert count_transfers(populated) == before
    assert ledger.balance(conn, 42) == 150


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_balance_adjust_needs_a_reason(populated, monkeypatch, capsys, reason):
    before = count_transfers(populated)
    extra = [] if reason is None else ["--reason", reason]
    code, out, err = run_main(monkeypatch, capsys, "balance", "adjust", "42", "-5", *extra,
                              "--db", populated)
    assert_one_error_line(code, out, err, "--reason is required and cannot be empty")
    assert count_transfers(populated) == before
