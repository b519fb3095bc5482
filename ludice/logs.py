"""The bot's log: one line per event worth an operator's attention at INFO (start, stop,
settled duels, payments, refunds, admin actions, warnings, errors). Times are UTC, ISO 8601.
`--log-format json` writes one object a line carrying every `extra=` field."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Libraries that log each update and each scheduler run at INFO: that is DEBUG for us.
CHATTY = ("aiogram.event", "apscheduler")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def utc_iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class Demote(logging.Filter):
    """Turn the chatty libraries' INFO lines into DEBUG ones, then drop what is below the
    handler's level (the level set on the root logger lets them through first)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and record.name.startswith(CHATTY):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record.levelno >= self.level


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{utc_iso(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {"time": utc_iso(record.created), "level": record.levelname,
                                    "logger": record.name, "message": record.getMessage()}
        entry.update(extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: str, stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    numeric = logging.getLevelName(level)
    handler.addFilter(Demote(numeric))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(min(numeric, logging.INFO))
