"""The arithmetic of a player's limits, with no database and no clock of its own (`now` is
always passed in): rolling windows, the 24-hour wait before a looser limit applies, and the
lengths of time-outs and self-exclusions a player may choose.

Windows roll: a day is the last 24 hours, a week the last 7 days, a month the last 30 days,
counted back from now. A movement at time `at` counts while `at > now - window`, so it leaves
the window at `at + window`. A movement is (at, amount), amount signed: what counts toward
the limit is positive (a stake), what gives room back negative (a payout or a refund)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DAY = 86_400
WINDOWS = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY}
LONGEST = max(WINDOWS.values())
KINDS = ("stake", "loss")
ITEMS = tuple(f"{kind}_{window}" for kind in KINDS for window in WINDOWS)
COOLING_OFF = DAY  # a looser limit waits this long (UK Gambling Commission RTS 12)
MAX_LIMIT = 10**12
TIMEOUT_DAYS = (1, 7, 30, 42)  # 24 hours, 7 days, 30 days, 6 weeks
EXCLUSION_DAYS = (183, 365, 1826)  # 6 months, 1 year, 5 years
REMINDER_MINUTES = (30, 60)
Movement = tuple[int, int]


def window_of(item: str) -> int:
    return WINDOWS[item.split("_", 1)[1]]


def floor_of(item: str) -> int | None:
    """A loss window may hold less than nothing (winnings are room to lose back); a stake
    window can't (a refund whose stake already left the window gives no extra room)."""
    return 0 if item.startswith("stake") else None


def _held(total: int, floor: int | None) -> int:
    return total if floor is None else max(floor, total)


def used(movements: Iterable[Movement], window: int, now: int, floor: int | None = None
         ) -> int:
    """What counts toward a limit now: the sum of the movements in the window."""
    return _held(sum(amount for at, amount in movements if now - window < at <= now), floor)


def fits_at(movements: Iterable[Movement], window: int, limit: int, bet: int, now: int,
            floor: int | None = None) -> int:
    """The first moment, now or later, at which `bet` more stays within `limit` if nothing
    else happens meanwhile: movements leave the window one moment after another. A bet over
    the limit itself never fits; then the moment the window is empty again."""
    inside: dict[int, int] = {}
    for at, amount in movements:
        if now - window < at <= now:
            inside[at] = inside.get(at, 0) + amount
    total = sum(inside.values())
    if _held(total, floor) + bet <= limit:
        return now
    moment = now
    for at in sorted(inside):
        total -= inside[at]
        moment = at + window
        if _held(total, floor) + bet <= limit:
            return moment
    return moment


@dataclass(frozen=True)
class Limit:
    """One limit as stored: the value in force until `pending_at`, then `pending_value`
    (None: no limit)."""
    value: int | None = None
    pending_value: int | None = None
    pending_at: int | None = None

    def in_force(self, now: int) -> int | None:
        if self.pending_at is not None and self.pending_at <= now:
            return self.pending_value
        return self.value

    def waiting(self, now: int) -> bool:
        """A looser value is waiting for its 24 hours."""
        return self.pending_at is not None and self.pending_at > now


def stricter(new: int | None, old: int | None) -> bool:
    """`new` limits at least as much as `old` (None: no limit, the loosest of all)."""
    return new is not None and (old is None or new <= old)


def change(limit: Limit, new: int | None, now: int) -> Limit:
    """The limit after the player asks for `new`: stricter applies at once, looser after
    the cooling-off; asking again for what is in force cancels a looser value waiting."""
    current = limit.in_force(now)
    if new == current or stricter(new, current):
        return Limit(new)
    if limit.waiting(now) and new == limit.pending_value:
        return limit  # asked again: the wait already running is not started over
    return Limit(current, new, now + COOLING_OFF)


def check_amount(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_LIMIT:
        raise ValueError(f"a limit is a whole number of credits from 1 to {MAX_LIMIT}")
    return value


OFF_WORDS = frozenset({"0", "off", "none", "no", "нет", "выкл"})


def parse_amount(text: str) -> int | None:
    """A limit as a player types it: credits, or 0/off/none for no limit."""
    word = text.strip().lower()
    if word in OFF_WORDS:
        return None
    if not (word.isascii() and word.isdigit()):
        raise ValueError(f"not a limit: {text!r}")
    return check_amount(int(word))


def parse_item(kind: str, window: str) -> str:
    """`stake day` -> stake_day; anything else is not a limit."""
    item = f"{kind.strip().lower()}_{window.strip().lower()}"
    if item not in ITEMS:
        raise ValueError(f"not a limit: {kind} {window}")
    return item
