"""`ludice audit` starts reading while Typer parses the command line (cli.db.EarlyAudit): the
early result counts only for the file Typer hands the command, and anything unsure falls back
to the command reading for itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ludice import cli, db, ledger
from ludice.cli.common import DEFAULT_DB
from ludice.cli.db import EarlyAudit, _named_db


def _ledger(path: Path, make_user, *, corrupt: bool) -> Path:
    conn = db.open_db(path, create=True)
    try:
        db.migrate(conn)
        make_user(conn, 42)
        with db.transaction(conn):
            ledger.transfer(conn, debit=ledger.BONUS, credit=42, amount=150, kind="bonus",
                            key="seed", now=1)
        if corrupt:
            conn.execute("UPDATE accounts SET balance = balance + 7 WHERE id = 42")
    finally:
        conn.close()
    return path


@pytest.fixture
def clean(tmp_path, make_user) -> Path:
    return _ledger(tmp_path / "clean.db", make_user, corrupt=False)


@pytest.fixture
def broken(tmp_path, make_user) -> Path:
    return _ledger(tmp_path / "broken.db", make_user, corrupt=True)


BROKEN = ["balances sum to 7, not 0", "account user:42 holds 157 but its transfers add up to 150"]


def test_the_command_line_names_the_file_or_nothing(monkeypatch):
    monkeypatch.delenv("LUDICE_DB", raising=False)
    assert _named_db([]) == DEFAULT_DB
    assert _named_db(["--db", "a.db"]) == Path("a.db")
    assert _named_db(["--json", "--db=b.db"]) == Path("b.db")
    assert _named_db(["--db", "a.db", "--db", "c.db"]) == Path("c.db")  # the last, as Typer
    assert _named_db(["--db"]) is None
    assert _named_db(["--help"]) is None
    assert _named_db(["--db", "a.db", "extra"]) is None
    monkeypatch.setenv("LUDICE_DB", "env.db")
    assert _named_db([]) == Path("env.db")
    assert _named_db(["--db", "a.db"]) == Path("a.db")


def test_the_early_result_counts_only_for_the_file_it_read(clean, broken):
    early = EarlyAudit(["--db", str(broken)])
    assert early.problems(clean) is None  # another file: the command reads it itself
    assert early.problems(broken) == BROKEN
    assert EarlyAudit(["--help"]).problems(broken) is None


def test_an_early_failure_leaves_the_command_to_read_and_report(tmp_path):
    missing = tmp_path / "missing.db"
    assert EarlyAudit(["--db", str(missing)]).problems(missing) is None
    assert not missing.exists()  # reading never creates the file


@pytest.mark.parametrize(("which", "code", "first"), [
    ("clean", 0, "ledger balanced: no violations"), ("broken", 1, f"problem: {BROKEN[0]}")])
def test_ludice_audit_through_main(request, monkeypatch, capsys, which, code, first):
    path = request.getfixturevalue(which)
    monkeypatch.setattr(sys, "argv", ["ludice", "audit", "--db", str(path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert (exit_info.value.code or 0) == code
    assert capsys.readouterr().out.splitlines()[0] == first


def test_ludice_audit_of_a_missing_file_through_main(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "missing.db"
    monkeypatch.setattr(sys, "argv", ["ludice", "audit", "--db", str(missing)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.startswith(f"error: no database at {missing}")
    assert not missing.exists()
