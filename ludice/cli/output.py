"""How the CLI prints: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any


def when(ts: int | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span(seconds: int | None) -> str:
    """A duration the way people say it: 2 h 5 min, 3 d 4 h, 12 s."""
    if seconds is None:
        return "-"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and len(parts) < 2:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts) if parts else f"{seconds} s"


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
          wrap: dict[str, int] | None = None) -> str:
    """Aligned columns. `wrap` caps a column's width (at spaces and commas); a value 0 gives
    the column whatever is left of WIDTH. A wrapped row goes on over the next lines."""
    if not rows:
        return "(none)"
    columns = list(columns or rows[0].keys())
    wrap = wrap or {}
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    for i, c in enumerate(columns):
        if wrap.get(c):
            widths[i] = min(widths[i], max(wrap[c], len(c)))
    for i, c in enumerate(columns):
        if c in wrap and not wrap[c]:
            rest = WIDTH - sum(w for j, w in enumerate(widths) if j != i) - 2 * (len(widths) - 1)
            widths[i] = min(widths[i], max(rest, len(c), 16))
    numeric = [all(_is_number(row.get(c)) for row in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w)
                 for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    for row in cells:
        pieces = [_wrap(v, w) for v, w in zip(row, widths, strict=True)]
        for k in range(max(map(len, pieces))):
            out.append(line([p[k] if k < len(p) else "" for p in pieces]))
    return "\n".join(out)


WIDTH = 100  # a terminal's width that tables aim to fit


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    lines, current = [], ""
    for token in re.findall(r"[^ ,]+[ ,]?|[ ,]", text):
        if current and len((current + token).rstrip()) > width:
            lines.append(current.rstrip())
            current = ""
        current += token
    return [*lines, current.rstrip()] if current.strip() else lines


def pairs(data: dict[str, Any]) -> str:
    width = max(len(k) for k in data)
    return "\n".join(f"{k.ljust(width)}  {_cell(v)}" for k, v in data.items())


def emit(data: Any, as_json: bool, human: str) -> None:
    if as_json:
        import json  # only for --json: a cold command's table needs no json (~2 ms)

        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(human + "\n")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
