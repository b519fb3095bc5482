"""The CLI as a package an operator meets: --version, completion, a systemd unit for this
install, --help that says what is required and which values an option takes, tables that fit
100 columns, times labelled UTC."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from ludice import __version__, cli

runner = CliRunner()


def _ok(*args) -> str:
    result = runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_version():
    proc = subprocess.run([sys.executable, "-m", "ludice", "--version"], capture_output=True,
                          text=True, timeout=30)
    assert (proc.returncode, proc.stdout) == (0, f"ludice {__version__}\n")


def test_help_offers_completion_and_says_what_is_required():
    top = _ok("--help")
    assert "--install-completion" in top and "--version" in top
    assert "Required: why" in _ok("balance", "adjust", "--help")
    run_help = _ok("run", "--help")
    assert "debug|info|warning|error" in run_help and "text|json" in run_help


def test_service_prints_a_unit_for_this_install(tmp_path, db_path):
    unit = _ok("service", "--db", db_path, "--env-file", tmp_path / "ludice.env",
               "--user", "ludice")
    lines = unit.splitlines()
    assert "[Unit]" in lines and "[Service]" in lines and "[Install]" in lines
    [start] = [line for line in lines if line.startswith("ExecStart=")]
    assert start.endswith(f" run --db {db_path}")
    assert sys.executable in start or "/ludice " in start
    for wanted in ("Restart=always", "User=ludice", f"EnvironmentFile={tmp_path / 'ludice.env'}",
                   f"WorkingDirectory={db_path.parent}", "NoNewPrivileges=yes",
                   "ProtectSystem=strict", f"ReadWritePaths={db_path.parent}",
                   "WantedBy=multi-user.target"):
        assert wanted in lines, wanted


def test_settings_show_fits_100_columns(db_path):
    _ok("settings", "set", "star_packs", ",".join(str(n) for n in range(1, 30)), "--db",
        db_path)
    shown = _ok("settings", "show", "--db", db_path)
    assert max(len(line) for line in shown.splitlines()) <= 100
    assert "backup_interval_hours" in shown


def test_times_are_labelled_utc(db_path, conn, make_user):
    make_user(conn, 42, "ann", now=1_700_000_000)
    assert "2023-11-14 22:13:20 UTC" in _ok("user", "show", "42", "--db", db_path)
