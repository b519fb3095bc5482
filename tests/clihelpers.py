"""Helpers of the tests of the `ludice` admin command: success paths run through Typer's
CliRunner; error paths go through `main()` (which turns LudiceError/Failure into one `error:`
line and exit 1) either in-process or as a real `python -m ludice` subprocess."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ludice import cli, schema

NOW = 1_700_000_000  # when conftest's `populated` users were made (its CLI_NOW)
runner = CliRunner()


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
