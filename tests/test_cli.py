"""The `ludice` admin command: db, audit, ledger, settings and stats (users and balances:
test_cli_users.py; errors every command shares, and real processes: test_cli_errors.py).
Helpers in clihelpers.py."""

from __future__ import annotations

import json
import sqlite3

import pytest
from clihelpers import (
    assert_aligned_table,
    assert_one_error_line,
    assert_pairs,
    bump_version,
    ok,
    run_main,
)

from ludice import db, ledger, schema

# A LUDICE_DB from the developer's shell must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_ambient_db")

# -- db -------------------------------------------------------------------------------------

def test_db_migrate_creates_then_is_current(tmp_path):
    path = tmp_path / "new.db"
    out = ok("db", "migrate", "--db", path)
    assert out.strip() == f"{path}: migrated schema from version 0 to {schema.latest_version()}"
    out = ok("db", "migrate", "--db", path)
    assert out.strip() == f"{path}: schema is current (version {schema.latest_version()})"


def test_db_migrate_errors(tmp_path, db_path, monkeypatch, capsys):
    bump_version(db_path)
    code, out, err = run_main(monkeypatch, capsys, "db", "migrate", "--db", db_path)
    assert_one_error_line(code, out, err, "newer than this ludice knows")
    missing_dir = tmp_path / "no" / "such" / "dir"
    code, out, err = run_main(monkeypatch, capsys, "db", "migrate", "--db", missing_dir / "x.db")
    assert_one_error_line(code, out, err, "cannot open database")
    assert not (tmp_path / "no").exists()
    junk = tmp_path / "junk.db"
    junk.write_text("hello, I am not a database " * 50)
    code, out, err = run_main(monkeypatch, capsys, "db", "migrate", "--db", junk)
    assert_one_error_line(code, out, err, "not a usable SQLite database")


def test_db_backup(tmp_path, populated, monkeypatch, capsys):
    dest = tmp_path / "backup.db"
    out = ok("db", "backup", dest, "--db", populated)
    assert out.strip() == f"backed up {populated} to {dest.resolve()} (integrity ok)"
    copy = db.open_current(dest)
    try:
        assert ledger.balance(copy, 42) == 150
        assert ledger.audit(copy) == []
    finally:
        copy.close()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    code, out, err = run_main(monkeypatch, capsys, "db", "backup", tmp_path, "--db", populated)
    assert_one_error_line(code, out, err, "is a directory")
    code, out, err = run_main(monkeypatch, capsys, "db", "backup", tmp_path / "nope" / "b.db",
                              "--db", populated)
    assert_one_error_line(code, out, err, "does not exist")
    missing = tmp_path / "missing.db"
    code, out, err = run_main(monkeypatch, capsys, "db", "backup", tmp_path / "b2.db",
                              "--db", missing)
    assert_one_error_line(code, out, err, "no database at")
    assert not missing.exists()
    assert not (tmp_path / "b2.db").exists()


def test_db_check(populated, monkeypatch, capsys):
    out = ok("db", "check", "--db", populated)
    assert out.strip() == (f"{populated}: integrity ok, ledger balanced, leaderboards match"
                           " the games")
    assert json.loads(ok("db", "check", "--db", populated, "--json")) == {
        "ok": True, "problems": []}
    raw = sqlite3.connect(populated)
    raw.execute("INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)"
                " VALUES (-100, 0, 42, 3, 1, 1)")
    raw.commit()
    code, out, err = run_main(monkeypatch, capsys, "db", "check", "--db", populated)
    assert code == 1
    assert out.splitlines() == ["problem: leaderboard of group -100, all time, player 42: kept"
                                " net 3, wins 1, games 1, its settled games say nothing"]
    raw.execute("DELETE FROM group_scores")
    raw.execute("UPDATE accounts SET balance = 1 WHERE id = 44")
    raw.commit()
    raw.close()
    code, out, err = run_main(monkeypatch, capsys, "db", "check", "--db", populated)
    assert code == 1
    assert out.splitlines() == ["problem: balances sum to 1, not 0",
                                "problem: account user:44 holds 1 but its transfers add up to 0"]
    assert "Traceback" not in out + err


# -- audit ----------------------------------------------------------------------------------

def test_audit_clean_then_corrupted(populated, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "audit", "--db", populated)
    assert (code, out.strip(), err) == (0, "ledger balanced: no violations", "")
    assert json.loads(ok("audit", "--db", populated, "--json")) == {"ok": True, "problems": []}

    raw = sqlite3.connect(populated)
    raw.execute("UPDATE accounts SET balance = balance + 7 WHERE id = 42")
    raw.execute("UPDATE accounts SET balance = balance + 3 WHERE id = -2")
    raw.commit()
    raw.close()
    expected = [
        "balances sum to 10, not 0",
        "account escrow holds 3 but its transfers add up to 0",
        "account user:42 holds 157 but its transfers add up to 150",
        "escrow holds 3 but stakes in play add up to 0",
    ]
    code, out, err = run_main(monkeypatch, capsys, "audit", "--db", populated)
    assert code == 1
    assert "Traceback" not in out + err
    lines = out.strip().splitlines()
    assert all(line.startswith("problem: ") for line in lines)
    assert sorted(line.removeprefix("problem: ") for line in lines) == sorted(expected)

    code, out, _ = run_main(monkeypatch, capsys, "audit", "--db", populated, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert sorted(data["problems"]) == sorted(expected)


# -- ledger ---------------------------------------------------------------------------------

def test_ledger(populated, monkeypatch, capsys):
    ok("balance", "adjust", "44", "5", "--reason", "hello", "--db", populated)
    rows = assert_aligned_table(ok("ledger", "--db", populated),
                                ["id", "time", "from", "to", "amount", "kind", "reference"])
    assert [r[0] for r in rows] == ["3", "2", "1"]
    assert rows[0][2:] == ["adjust", "user:44", "5", "adjust", "hello"]
    assert rows[2][2:] == ["bonus", "user:42", "100", "bonus", ""]  # no reference
    rows = assert_aligned_table(ok("ledger", "@ann_x", "--db", populated),
                                ["id", "time", "from", "to", "amount", "kind", "reference"])
    assert [r[0] for r in rows] == ["2", "1"]
    data = json.loads(ok("ledger", "--db", populated, "--json", "--limit", "1"))
    assert len(data) == 1
    assert set(data[0]) == {"id", "time", "from", "to", "amount", "kind", "reference"}
    assert (data[0]["id"], data[0]["amount"]) == (3, 5)
    assert ok("ledger", "43", "--db", populated).strip() == "(none)"
    code, out, err = run_main(monkeypatch, capsys, "ledger", "@nobody", "--db", populated)
    assert_one_error_line(code, out, err, "no user @nobody")


# -- settings -------------------------------------------------------------------------------

def test_settings_show_and_set(db_path, monkeypatch, capsys):
    rows = assert_aligned_table(ok("settings", "show", "--db", db_path),
                                ["key", "value", "default", "meaning"])
    keys = [r[0] for r in rows]
    assert "min_bet" in keys and "stars_enabled" in keys
    assert ok("settings", "set", "min_bet", "25", "--db", db_path).strip() == "min_bet = 25"
    assert ok("settings", "set", "stars_enabled", "on", "--db", db_path).strip() == \
        "stars_enabled = on"
    assert ok("settings", "set", "quick_bets", "100,25", "--db", db_path).strip() == \
        "quick_bets = 25,100"
    data = json.loads(ok("settings", "show", "--db", db_path, "--json"))
    assert data["min_bet"] == 25
    assert data["stars_enabled"] is True
    assert data["quick_bets"] == [25, 100]
    assert data["max_bet"] == 10_000
    rows = assert_aligned_table(ok("settings", "show", "--db", db_path),
                                ["key", "value", "default", "meaning"])
    assert [r[1:3] for r in rows if r[0] == "min_bet"] == [["25", "10"]]

    for args, message in [
        (["nope", "1"], "unknown setting 'nope'"),
        (["min_bet", "ten"], "min_bet must be a whole number, not 'ten'"),
        (["min_bet", "20000"], "min_bet (20000) cannot exceed max_bet (10000)"),
        (["house_fee_percent", "99"], "between 0 and 50"),
        (["stars_enabled", "perhaps"], "must be on or off"),
    ]:
        code, out, err = run_main(monkeypatch, capsys, "settings", "set", *args, "--db", db_path)
        assert_one_error_line(code, out, err, message)
    assert json.loads(ok("settings", "show", "--db", db_path, "--json")) == data


# -- stats ----------------------------------------------------------------------------------

def test_stats(populated):
    data = assert_pairs(ok("stats", "--db", populated))
    assert data["users"] == "3"
    assert data["credits_held_by_users"] == "150"
    figures = json.loads(ok("stats", "--db", populated, "--json"))
    assert figures["users"] == 3
    assert figures["users_accepted_terms"] == 1
    assert figures["users_banned"] == 1
    assert figures["issued_bonus"] == 100
    assert figures["issued_adjust"] == 50
    assert figures["transfers"] == 2
