"""Process configuration for `ludice run`, from CLI options and LUDICE_* variables. Game
settings that admins tune at run time live in the database instead (ludice.settings)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ludice.errors import LudiceError

LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Config:
    token: str
    db_path: Path
    api_url: str | None = None
    admins: frozenset[int] = frozenset()
    log_level: str = "INFO"
    log_format: str = "text"
    drain_seconds: float = 10.0  # how long a stop waits for in-flight work
    polling_timeout: int = 30


def parse_admins(raw: str | None) -> frozenset[int]:
    if not raw:
        return frozenset()
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise LudiceError(f"admins must be numeric Telegram ids, not {part!r}") from None
    return frozenset(ids)


def build(
    *,
    token: str | None,
    db_path: Path,
    api_url: str | None,
    admins: str | None,
    log_level: str,
    log_format: str,
) -> Config:
    token = (token or "").strip()
    if not token:
        raise LudiceError("no bot token: pass --token or set LUDICE_TOKEN "
                          "(ask @BotFather for one)")
    if ":" not in token:
        raise LudiceError("that does not look like a bot token (expected 123456:ABC...)")
    level = log_level.upper()
    if not isinstance(logging.getLevelName(level), int):
        raise LudiceError(f"unknown log level {log_level!r}; use DEBUG, INFO, WARNING or ERROR")
    if log_format not in LOG_FORMATS:
        raise LudiceError(f"log format must be text or json, not {log_format!r}")
    if api_url is not None:
        api_url = api_url.strip().rstrip("/")
        if not api_url.startswith(("http://", "https://")):
            raise LudiceError(f"api url must start with http:// or https://, not {api_url!r}")
    return Config(token=token, db_path=db_path, api_url=api_url or None,
                  admins=parse_admins(admins), log_level=level, log_format=log_format)
