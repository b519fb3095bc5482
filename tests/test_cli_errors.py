"""The `ludice` admin command: the errors every command shares (no database, a newer or
unmigrated schema, LUDICE_DB) and the command as a real process (helpers in clihelpers.py)."""

from __future__ import annotations

import json

import pytest
from clihelpers import (
    NOW,
    assert_one_error_line,
    bump_version,
    count_transfers,
    ok,
    run_main,
    run_proc,
)

from ludice import db, users

# A LUDICE_DB from the developer's shell must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_ambient_db")

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
