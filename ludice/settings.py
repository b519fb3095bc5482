"""Game settings: typed values with defaults and limits, stored in the `settings` table so an
admin can change them with the CLI while the bot runs (the bot reads them per unit of work)."""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
from dataclasses import dataclass
from typing import Any

from ludice.errors import SettingError


@dataclass(frozen=True)
class Spec:
    kind: type  # int, float, bool, str or tuple (a comma-separated list of whole numbers)
    default: Any
    minimum: float = 0
    maximum: float = 10**12
    help: str = ""


SPECS: dict[str, Spec] = {
    "min_bet": Spec(int, 10, 1, 10**9, "smallest bet in credits"),
    "max_bet": Spec(int, 10_000, 1, 10**9, "largest bet in credits"),
    "house_fee_percent": Spec(int, 0, 0, 50, "share of each pot kept by the house, in %"),
    "welcome_bonus": Spec(int, 100, 0, 10**9,
                          "credits granted once on accepting the terms; 0 = off"),
    "daily_bonus": Spec(int, 50, 0, 10**9, "credits /bonus grants once per 24 h; 0 = off"),
    "lobby_ttl_seconds": Spec(int, 300, 1, 7 * 86400, "how long an open lobby waits for players"),
    "reveal_delay_seconds": Spec(float, 4.0, 0, 60, "wait after the dice before the result"),
    "tie_rounds": Spec(int, 3, 0, 10, "re-rolls among tied players before the pot is split"),
    "quick_bets": Spec(tuple, (10, 50, 100, 500), 1, 10**9, "bet buttons offered after /play"),
    "throttle_seconds": Spec(float, 1.0, 0, 60, "minimum gap between a user's game actions"),
    "sweep_interval_seconds": Spec(int, 30, 1, 3600, "how often expired lobbies are swept"),
    "stars_enabled": Spec(bool, False, help="accept Telegram Stars top-ups"),
    "credits_per_star": Spec(int, 10, 1, 10**6, "credits bought by one star"),
    "star_packs": Spec(tuple, (15, 50, 100, 500, 1000, 10_000, 100_000, 1_000_000), 1, 10**6,
                       "top-up packs offered, in stars"),
    "default_daily_loss_limit": Spec(int, 0, 0, 10**12,
                                     "daily loss limit new players start with; 0 = none"),
    "topups_per_day": Spec(int, 0, 0, 1000, "cap on a user's top-ups per 24 h; 0 = no cap"),
    "reconcile_interval_seconds": Spec(int, 3600, 60, 86400,
                                       "how often payments are reconciled with Telegram"),
    "backup_interval_hours": Spec(int, 24, 0, 24 * 365, "hours between backups; 0 = off"),
    "backup_keep": Spec(int, 7, 1, 10_000, "backups kept; older ones are deleted"),
    "backup_dir": Spec(str, "", help="backup folder; empty = backups/ beside the db"),
    "house_play": Spec(bool, True, help="players may duel the house (/house)"),
    "house_max_bet": Spec(int, 0, 0, 10**9, "largest bet against the house; 0 = max_bet"),
    "house_daily_loss_cap": Spec(int, 0, 0, 10**12,
                                 "most the house may lose in 24 h, all players; 0 = no cap"),
    "outbox_retention_days": Spec(int, 7, 0, 3650,
                                  "days sent bot messages stay in the database; 0 = pruned"
                                  " at the next sweep"),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    min_bet: int
    max_bet: int
    house_fee_percent: int
    welcome_bonus: int
    daily_bonus: int
    lobby_ttl_seconds: int
    reveal_delay_seconds: float
    tie_rounds: int
    quick_bets: tuple[int, ...]
    throttle_seconds: float
    sweep_interval_seconds: int
    stars_enabled: bool
    credits_per_star: int
    star_packs: tuple[int, ...]
    default_daily_loss_limit: int
    topups_per_day: int
    reconcile_interval_seconds: int
    backup_interval_hours: int
    backup_keep: int
    backup_dir: str
    house_play: bool
    house_max_bet: int
    house_daily_loss_cap: int
    outbox_retention_days: int

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def house_bet_limit(self) -> int:
        return self.house_max_bet or self.max_bet


DEFAULTS = Settings(**{key: spec.default for key, spec in SPECS.items()})


def parse(key: str, raw: str) -> Any:
    spec = SPECS.get(key)
    if spec is None:
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(SPECS)}")
    text = raw.strip()
    if spec.kind is str:
        if "\n" in text or "\x00" in text:
            raise SettingError(f"{key} must be one line of text")
        return text
    if spec.kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise SettingError(f"{key} must be on or off, not {raw!r}")
    if spec.kind is tuple:
        try:
            values = tuple(int(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise SettingError(f"{key} must be whole numbers separated by commas, not {raw!r}"
                               ) from None
        if not values:
            raise SettingError(f"{key} needs at least one value")
        for value in values:
            _check_range(key, spec, value)
        return tuple(sorted(set(values)))
    try:
        value = spec.kind(text)
    except ValueError:
        kind = "a whole number" if spec.kind is int else "a number"
        raise SettingError(f"{key} must be {kind}, not {raw!r}") from None
    if spec.kind is float and value != value:  # NaN
        raise SettingError(f"{key} must be a number, not {raw!r}")
    _check_range(key, spec, value)
    return value


def _check_range(key: str, spec: Spec, value: float) -> None:
    if not spec.minimum <= value <= spec.maximum:
        raise SettingError(f"{key} must be between {_fmt(spec.minimum)} and "
                           f"{_fmt(spec.maximum)}, not {_fmt(value)}")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def render(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def load(conn: sqlite3.Connection) -> Settings:
    rows = conn.execute("SELECT key, value FROM settings ORDER BY key")
    return _from_rows(tuple((key, value) for key, value in rows))


@functools.lru_cache(maxsize=16)
def _from_rows(rows: tuple[tuple[str, str], ...]) -> Settings:
    # The bot reads settings in nearly every unit of work; parsing is memoised on the stored
    # text, so a change made by `ludice settings set` still shows up at the next read.
    stored = {key: parse(key, raw) for key, raw in rows if key in SPECS}
    return DEFAULTS.replace(**stored)


def check(conn: sqlite3.Connection, key: str, raw: str) -> Any:
    """The value `raw` would store for `key`, or SettingError saying why it can't."""
    value = parse(key, raw)
    merged = load(conn).replace(**{key: value})
    if merged.min_bet > merged.max_bet:
        raise SettingError(f"min_bet ({merged.min_bet}) cannot exceed max_bet ({merged.max_bet})")
    if merged.house_bet_limit < merged.min_bet:
        raise SettingError(f"house_max_bet ({merged.house_max_bet}) cannot be below min_bet "
                           f"({merged.min_bet}); 0 means the same as max_bet")
    return value


def set_value(conn: sqlite3.Connection, key: str, raw: str, now: int,
              by: int | None = None) -> Any:
    """Store a checked value. `by`: the admin setting it from Telegram (None: the CLI)."""
    value = check(conn, key, raw)
    conn.execute(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        (key, render(value), now, by),
    )
    return value


def described(current: Settings) -> list[dict[str, str]]:
    """Every setting as admins read it: key, value, the default where it differs, meaning."""
    rows = []
    for key, spec in SPECS.items():
        value, default = render(getattr(current, key)), render(spec.default)
        rows.append({"key": key, "value": value, "default": "" if value == default else default,
                     "meaning": spec.help})
    return rows
