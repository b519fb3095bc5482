"""Run one measurement against two versions of ludice, interleaved, and print them side by side.

    python bench/versions.py [--baseline REF] [--repeats 3] -- python bench/X.py [args]

The measurement command comes from the current tree and runs once per version per repeat, in
the order baseline, current, baseline, current, … so that a machine growing busier or quieter
during the run tilts both columns alike. Each run sees the version under test first on
PYTHONPATH (and in LUDICE_BENCH_SRC); the baseline is `git archive REF` unpacked in a temporary
folder, so nothing is checked out in this tree. A measurement prints its figures as the last
line of its output: `FIGURES {"name": number, …}` (see `report`). The table shows, per figure,
min / median / max of each version and the ratio of the medians (current / baseline)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "FIGURES "


def report(figures: dict[str, float]) -> None:
    """What a measurement script calls last, to hand its figures to this runner."""
    print(MARK + json.dumps(figures), flush=True)


def unpack(ref: str, into: Path) -> Path:
    """The tree of `ref` (a commit, tag or branch of this repository) as plain files."""
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "src", filter="data")
    archive.unlink()
    return into / "src"


def measure(command: Sequence[str], src: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(src), *filter(None, [os.environ.get("PYTHONPATH")])]), "LUDICE_BENCH_SRC": str(src)}
    done = subprocess.run(list(command), env=env, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"{' '.join(command)} failed against {src} (exit {done.returncode})")
    return json.loads(lines[-1].removeprefix(MARK))


def compare(command: Sequence[str], baseline: str, repeats: int) -> dict[str, dict[str, list]]:
    """figure -> version -> values, the versions measured alternately."""
    with tempfile.TemporaryDirectory(prefix="ludice-baseline-") as tmp:
        versions = {f"baseline {baseline}": unpack(baseline, Path(tmp)), "current": ROOT}
        runs: dict[str, dict[str, list]] = {}
        for _ in range(repeats):
            for name, src in versions.items():
                for figure, value in measure(command, src).items():
                    runs.setdefault(figure, {v: [] for v in versions})[name].append(value)
        return runs


def table(runs: dict[str, dict[str, list]]) -> str:
    def cell(values: list) -> str:
        if not values:
            return "n/a"
        return "/".join(f"{v:.4g}" for v in (min(values), statistics.median(values), max(values)))

    names = list(next(iter(runs.values()))) if runs else []
    rows = [["figure", *(f"{n} (min/med/max)" for n in names), "ratio"]]
    for figure, by_version in runs.items():
        base, current = (by_version[n] for n in names)
        ratio = (f"{statistics.median(current) / statistics.median(base):.2f}x"
                 if base and current and statistics.median(base) else "")
        rows.append([figure, cell(base), cell(current), ratio])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="6e15b60",
                        help="git ref to compare with (default: the start of issue 13's work)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="after --: the measurement, e.g. python bench/startup.py")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or args.repeats < 1:
        parser.error("give a measurement command after --, and --repeats of at least 1")
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        parser.error(f"no such program: {command[0]}")
    print(table(compare(command, args.baseline, args.repeats)))


if __name__ == "__main__":
    main()
