"""The wheel is what pipx installs: it must carry migrations.sql and the playground's page
inside the package, and the installed `ludice` must work from any directory, far from the
source checkout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Messages pip prints when the package index cannot be reached.
OFFLINE_SIGNS = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No matching distribution found",
    "Could not find a version that satisfies",
    "ProxyError",
    "Max retries exceeded",
)


def run(args: list, *, cwd: Path, timeout: float = 300, env: dict | None = None):
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def clean_env() -> dict[str, str]:
    """No LUDICE_DB, no PYTHONPATH, no active venv: only what the install itself provides."""
    drop = {"LUDICE_DB", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repo(tmp_path):
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "-w", dist, "-q"],
                cwd=tmp_path)
    if built.returncode != 0 and any(s in built.stderr for s in OFFLINE_SIGNS):
        pytest.skip(f"cannot fetch the build backend from the package index: "
                    f"{built.stderr.strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stderr
    wheels = list(dist.glob("ludice-*.whl"))
    assert len(wheels) == 1, wheels

    with zipfile.ZipFile(wheels[0]) as whl:
        names = whl.namelist()
        assert "ludice/migrations.sql" in names
        assert whl.read("ludice/migrations.sql").decode() == (
            REPO / "migrations.sql").read_text(encoding="utf-8")
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "ludice = ludice.cli:main" in whl.read(entry_points).decode()
        assert "ludice/cli/app.py" in names and "ludice/db.py" in names
        assert not any(n.startswith("tests/") for n in names)
        # the playground's page is package data: `ludice playground` serves it from here
        static = REPO / "ludice" / "playground" / "static"
        for asset in sorted(static.iterdir()):
            packaged = f"ludice/playground/static/{asset.name}"
            assert packaged in names, packaged
            assert whl.read(packaged) == asset.read_bytes()
        assert "ludice/playground/static/index.html" in names

    venv = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", venv], cwd=tmp_path, timeout=120)
    assert made.returncode == 0, made.stderr
    python, ludice = venv / "bin" / "python", venv / "bin" / "ludice"
    installed = run([python, "-m", "pip", "install", "-q", wheels[0]], cwd=tmp_path,
                    env=clean_env())
    if installed.returncode != 0 and any(s in installed.stderr for s in OFFLINE_SIGNS):
        pytest.skip(f"cannot fetch the dependencies from the package index: "
                    f"{installed.stderr.strip().splitlines()[-1]}")
    assert installed.returncode == 0, installed.stderr
    assert ludice.exists()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env()
    # The installed package, not the checkout, and it finds the migrations inside itself.
    where = run([python, "-c",
                 "import ludice, ludice.schema as s; from importlib import resources;"
                 "print(ludice.__file__);"
                 "print(resources.files('ludice').joinpath('migrations.sql').is_file());"
                 "print(s.latest_version())"],
                cwd=elsewhere, env=env)
    assert where.returncode == 0, where.stderr
    module_file, packaged, latest = where.stdout.split()
    assert Path(module_file).resolve().is_relative_to(venv.resolve())
    assert packaged == "True"
    assert int(latest) >= 2

    database = elsewhere / "x.db"
    migrated = run([ludice, "db", "migrate", "--db", database], cwd=elsewhere, env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert f"migrated schema from version 0 to {latest}" in migrated.stdout

    shown = run([ludice, "settings", "show", "--db", database, "--json"], cwd=elsewhere, env=env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["min_bet"] >= 1

    audited = run([ludice, "audit", "--db", database], cwd=elsewhere, env=env)
    assert audited.returncode == 0, audited.stderr
    assert audited.stdout.strip() == "ledger balanced: no violations"

    failed = run([ludice, "balance", "show", "42", "--db", elsewhere / "none.db"],
                 cwd=elsewhere, env=env)
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: no database at")
    assert "Traceback" not in failed.stdout + failed.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.db"]

    # the installed playground serves its page from the installed package
    playground = subprocess.Popen([ludice, "playground", "--no-browser"], cwd=elsewhere,
                                  env={**env, "TMPDIR": str(elsewhere)},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while not line.startswith("ludice playground: "):
            line = playground.stdout.readline()
            assert line or playground.poll() is None, playground.stderr.read()
        url = line.split()[2]
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"ludice playground" in page.read()
        with urllib.request.urlopen(url + "static/app.js", timeout=10) as script:
            assert script.read() == (REPO / "ludice/playground/static/app.js").read_bytes()
    finally:
        playground.send_signal(signal.SIGINT)
        _, err = playground.communicate(timeout=60)
    assert playground.returncode == 0, err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.db"]
