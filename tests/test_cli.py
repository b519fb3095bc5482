"""The `ludice` admin command. Success paths run through Typer's CliRunner; error paths go
through `main()` (which turns LudiceError/Failure into one `error:` line and exit 1) either
in-process or as a real `python -m ludice` subprocess."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ludice import cli, db, ledger, schema, users

NOW = 1_700_000_000
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ambient_db(monkeypatch):
    """A LUDICE_DB from the developer's shell must not leak into these tests."""
    monkeypatch.delenv("LUDICE_DB", raising=False)


@pytest.fixture
def populated(db_path, conn, make_user):
    """Ann (42, @Ann_X) holding 150, Bob (43) holding 0 and banned, Cy (44, no username)."""
    make_user(conn, 42, "Ann_X", first_name="Ann", now=NOW)
    make_user(conn, 43, "bob", first_name="Bob", now=NOW + 10)
    make_user(conn, 44, None, first_name="Cy", now=NOW + 5)
    with db.transaction(conn):
        users.accept_terms(conn, 42, NOW)
        ledger.transfer(conn, debit=ledger.BONUS, credit=42, amount=100, kind="bonus",
                        key="welcome:42", now=NOW)
        ledger.adjust(conn, 42, 50, reason="goodwill", key="adj:1", now=NOW + 1)
        users.ban(conn, 43, "spam", NOW)
    return db_path


def invoke(*args: str, env: dict | None = None):
    result = runner.invoke(cli.app, [str(a) for a in args], env=env, catch_exceptions=False)
    return result


def ok(*args: str, env: dict | None = None) -> str:
    result = invoke(*args, env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    return result.stdout


def run_main(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run `ludice ARGS` through cli.main() in this process; returns (code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["ludice", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    code = exit_info.value.code
    code = 0 if code is None else code
    out, err = capsys.readouterr()
    return code, out, err


def run_proc(*args, env: dict | None = None, cwd: Path | None = None):
    full_env = {k: v for k, v in os.environ.items() if k != "LUDICE_DB"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "ludice", *map(str, args)], env=full_env,
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def assert_one_error_line(code: int, out: str, err: str, match: str | None = None) -> str:
    assert code != 0
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    if match is not None:
        assert match in lines[0], (match, lines[0])
    return lines[0]


def assert_aligned_table(text: str, columns: list[str]) -> list[list[str]]:
    """Header, a dash rule, rows; every column starts at the same offset on every line."""
    lines = text.rstrip("\n").splitlines()
    assert lines[0].split() == columns
    rule = lines[1]
    assert set(rule) <= {"-", " "}
    spans, start = [], None
    for i, ch in enumerate(rule + " "):
        if ch == "-" and start is None:
            start = i
        elif ch == " " and start is not None:
            spans.append((start, i))
            start = None
    assert len(spans) == len(columns)
    rows = []
    for line in [lines[0], *lines[2:]]:
        padded = line.ljust(spans[-1][1])
        for (_, end), (next_start, _) in itertools.pairwise(spans):
            assert padded[end:next_start].strip() == "", (line, end, next_start)
        rows.append([padded[a:b].strip() for a, b in spans])
    return rows[1:]


def assert_pairs(text: str) -> dict[str, str]:
    lines = text.rstrip("\n").splitlines()
    keys = [line.split()[0] for line in lines]
    width = max(map(len, keys))
    data = {}
    for line, key in zip(lines, keys, strict=True):
        assert line[width:width + 2] == "  ", line
        assert line[width + 2] != " ", line
        data[key] = line[width + 2:]
    return data


def count_transfers(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT count(*) FROM transfers").fetchone()[0]
    finally:
        raw.close()


def bump_version(path: Path) -> None:
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {schema.latest_version() + 1}")
    raw.close()


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


# -- errors common to every command ---------------------------------------------------------

DATA_COMMANDS = [
    ["db", "backup", "{tmp}/b.db"],
    ["db", "check"],
    ["audit"],
    ["user", "list"],
    ["user", "show", "42"],
    ["user", "ban", "42", "--reason", "r"],
    ["user", "unban", "42"],
    ["balance", "show", "42"],
    ["balance", "adjust", "42", "5", "--reason", "r"],
    ["ledger"],
    ["settings", "show"],
    ["settings", "set", "min_bet", "5"],
    ["stats"],
]


@pytest.mark.parametrize("command", DATA_COMMANDS, ids=" ".join)
def test_missing_database_is_an_error_and_creates_nothing(tmp_path, monkeypatch, capsys,
                                                          command):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    # Both the default ./ludice.db and an explicit --db.
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert_one_error_line(code, out, err, "no database at ludice.db")
    code, out, err = run_main(monkeypatch, capsys, *args, "--db", tmp_path / "absent.db")
    assert_one_error_line(code, out, err, "no database at")
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


@pytest.mark.parametrize("command", DATA_COMMANDS, ids=" ".join)
def test_newer_schema_is_an_error(tmp_path, populated, monkeypatch, capsys, command):
    bump_version(populated)
    before = count_transfers(populated)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    code, out, err = run_main(monkeypatch, capsys, *args, "--db", populated)
    assert_one_error_line(code, out, err, "newer than this ludice knows")
    assert count_transfers(populated) == before
    assert not (tmp_path / "b.db").exists()


def test_unmigrated_database_is_an_error(tmp_path, monkeypatch, capsys):
    path = tmp_path / "empty.db"
    db.open_db(path, create=True).close()
    code, out, err = run_main(monkeypatch, capsys, "stats", "--db", path)
    assert_one_error_line(code, out, err, "run `ludice db migrate`")


def test_ludice_db_env_var(populated, monkeypatch, capsys):
    assert json.loads(ok("balance", "show", "42", "--json",
                         env={"LUDICE_DB": str(populated)}))["balance"] == 150
    monkeypatch.setenv("LUDICE_DB", str(populated))
    code, out, err = run_main(monkeypatch, capsys, "balance", "show", "42")
    assert (code, out.strip(), err) == (0, "@Ann_X (42): 150 credits", "")
    # An explicit --db wins over the variable.
    code, out, err = run_main(monkeypatch, capsys, "stats", "--db", populated.parent / "x.db")
    assert_one_error_line(code, out, err, "no database at")


# -- as a real process ----------------------------------------------------------------------

def test_subprocess_success_paths(tmp_path):
    path = tmp_path / "p.db"
    env = {"LUDICE_DB": str(path)}
    proc = run_proc("db", "migrate", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "migrated schema from version 0" in proc.stdout
    conn = db.open_current(path)
    try:
        with db.transaction(conn):
            users.upsert(conn, 42, first_name="Ann", username="ann", language_code=None,
                         now=NOW)
    finally:
        conn.close()
    proc = run_proc("balance", "adjust", "@ann", "-5", "--reason", "r", env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == "error: user 42 holds 0; cannot take 5\n"
    proc = run_proc("balance", "adjust", "@ann", "12", "--reason", "r", "--key", "k", env=env)
    assert (proc.returncode, proc.stdout.strip()) == (0, "adjusted: @ann (42) +12, balance now 12")
    proc = run_proc("balance", "adjust", "@ann", "-12", "--reason", "r", env=env)
    assert (proc.returncode, proc.stdout.strip()) == (0, "adjusted: @ann (42) -12, balance now 0")
    proc = run_proc("ledger", "--json", env=env)
    assert proc.returncode == 0
    assert [e["amount"] for e in json.loads(proc.stdout)] == [12, 12]
    proc = run_proc("audit", "--db", path)
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (
        0, "ledger balanced: no violations", "")


@pytest.mark.parametrize(("args", "message"), [
    (["balance", "show", "999"], "no user with id 999"),
    (["balance", "adjust", "42", "x", "--reason", "r"], "AMOUNT must be a whole number"),
    (["balance", "adjust", "42", "0", "--reason", "r"], "AMOUNT cannot be 0"),
    (["balance", "adjust", "42", "-151", "--reason", "r"], "holds 150; cannot take 151"),
    (["balance", "adjust", "42", "-5"], "--reason is required"),
    (["settings", "set", "min_bet", "x"], "must be a whole number"),
])
def test_subprocess_error_paths(populated, args, message):
    before = count_transfers(populated)
    proc = run_proc(*args, "--db", populated)
    assert_one_error_line(proc.returncode, proc.stdout, proc.stderr, message)
    assert proc.returncode == 1
    assert count_transfers(populated) == before


def test_subprocess_missing_database_creates_nothing(tmp_path):
    proc = run_proc("stats", cwd=tmp_path)
    assert_one_error_line(proc.returncode, proc.stdout, proc.stderr, "no database at ludice.db")
    proc = run_proc("audit", env={"LUDICE_DB": str(tmp_path / "env.db")}, cwd=tmp_path)
    assert_one_error_line(proc.returncode, proc.stdout, proc.stderr, "no database at")
    assert list(tmp_path.iterdir()) == []


def test_subprocess_newer_schema(populated):
    bump_version(populated)
    proc = run_proc("balance", "show", "42", "--db", populated)
    assert_one_error_line(proc.returncode, proc.stdout, proc.stderr, "upgrade ludice")


def test_negative_adjust_with_key_applies_once(populated):
    first = run_proc("balance", "adjust", "42", "-150", "--reason", "r", "--key", "N",
                     "--db", populated)
    assert first.returncode == 0, first.stderr
    again = run_proc("balance", "adjust", "42", "-150", "--reason", "r", "--key", "N",
                     "--db", populated)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("already applied")


def test_oversized_lobby_id_is_one_clear_line(populated, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "lobby", "cancel", "99999999999999999999",
                              "--reason", "r", "--db", populated)
    assert_one_error_line(code, out, err, "a number is too large")
