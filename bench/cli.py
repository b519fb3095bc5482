"""Cold start of admin commands: `ludice settings show` and `ludice balance show` as new
processes. Prints figures (bench/versions.py compares two versions); asserts nothing.

    python bench/cli.py [--runs 15]

Median and min of `--runs` processes each, alternating the two commands; the min is the
figure least disturbed by other work on a shared machine. Aim (issue 13): settings show
< 0.25 s."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SRC = Path(os.environ.get("LUDICE_BENCH_SRC") or BENCH.parent)
sys.path.insert(0, str(BENCH))
from versions import report  # noqa: E402

from ludice import db, ledger, users  # noqa: E402

COMMANDS = {"settings_show": ["settings", "show"], "balance_show": ["balance", "show", "7"]}


def prepared(path: Path) -> Path:
    conn = db.open_db(path, create=True)
    try:
        db.migrate(conn)
        with db.transaction(conn):
            users.upsert(conn, 7, first_name="P", username="p7", language_code=None, now=1)
            ledger.transfer(conn, debit=ledger.BONUS, credit=7, amount=50, kind="bonus",
                            key="seed", now=1)
    finally:
        conn.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("LUDICE_DB", None)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="ludice-cli-") as tmp:
        path = prepared(Path(tmp) / "ludice.db")
        for _ in range(args.runs):
            for name, words in COMMANDS.items():
                start = time.perf_counter()
                # cwd: `python -m` puts it first on sys.path, before PYTHONPATH
                done = subprocess.run([sys.executable, "-m", "ludice", *words, "--db", str(path)],
                                      env=env, cwd=SRC, capture_output=True, text=True)
                times[name].append(time.perf_counter() - start)
                if done.returncode != 0:
                    print(f"warning: {name}: {done.stderr.strip()}", file=sys.stderr)
    figures = {}
    for name, got in times.items():
        figures[f"{name}_median_s"] = statistics.median(got)
        figures[f"{name}_min_s"] = min(got)
    for name, value in figures.items():
        print(f"{name:24} {value:8.3f}")
    report(figures)


if __name__ == "__main__":
    main()
