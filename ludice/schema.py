"""migrations.sql, the schema in numbered steps: where to find it (inside the wheel, or at
the top of a source checkout) and how it splits into steps and statements. Applying the steps,
each with its version bump in one transaction, is ludice.db.migrate's job."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from ludice.errors import StoreError

_STEP_HEADER = re.compile(r"^-- step (\d+)\b.*$", re.MULTILINE)


def migrations_text() -> str:
    here = Path(__file__).resolve().parent
    beside = here / "migrations.sql"  # an installed wheel on disk: found without importlib
    if beside.is_file():
        return beside.read_text(encoding="utf-8")
    from importlib import resources  # a zipped package; importing it costs every CLI start

    packaged = resources.files("ludice").joinpath("migrations.sql")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # A source checkout (editable install, tests) keeps the file at the repo top level.
    return (here.parent / "migrations.sql").read_text(encoding="utf-8")


def parse_steps(text: str) -> list[tuple[int, str]]:
    headers = list(_STEP_HEADER.finditer(text))
    steps = []
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        steps.append((int(header.group(1)), text[header.end():end]))
    numbers = [n for n, _ in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise StoreError(f"migrations.sql steps must be numbered 1..n in order, found {numbers}")
    return steps


def latest_version() -> int:
    return len(parse_steps(migrations_text()))


def statements(sql: str) -> list[str]:
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):  # knows CREATE TRIGGER ... END;
            if buffer.strip().strip(";").strip():
                statements.append(buffer)
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise StoreError(f"unterminated statement in migrations.sql: {buffer.strip()[:60]}")
    return statements

