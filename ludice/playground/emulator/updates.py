"""The bot's update queue as getUpdates serves it: long polling, confirmation by offset, and
redelivery of whatever was fetched but not confirmed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from ludice.playground.emulator.wire import ApiError

# What Telegram delivers when a bot never said (or said []): all but these.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running")


@dataclass
class _Queued:
    update: dict[str, Any]
    fetched: bool = False


@dataclass
class UpdateQueue:
    pushed: list[dict[str, Any]] = field(default_factory=list)
    keep: int | None = None
    last_id: int = 0
    _queue: list[_Queued] = field(default_factory=list)
    allowed: frozenset[str] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: bool = False
    _poll: int = 0

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update; without an update_id it gets the next one. An update_id already
        used is delivered again (Telegram redelivers unconfirmed updates)."""
        if "update_id" not in update:
            update = {"update_id": self.last_id + 1, **update}
        self.last_id = max(self.last_id, update["update_id"])
        self._queue.append(_Queued(update))
        self.pushed.append(update)
        if self.keep is not None and len(self.pushed) > 2 * self.keep:
            del self.pushed[:-self.keep]
        self._wake.set()
        self._wake = asyncio.Event()
        return update

    @property
    def polls(self) -> int:
        """How many getUpdates calls have started (a long poll is recorded only when answered)."""
        return self._poll

    def delivered(self) -> bool:
        """Everything pushed was fetched and confirmed."""
        return not self._queue

    def close(self) -> None:
        # Release pending long polls, otherwise a server shutdown waits for them to time out.
        self._closing = True
        self._wake.set()

    async def fetch(self, offset: int, limit: int, timeout: float,
                    allowed_updates: list[str] | None = None) -> list[dict[str, Any]]:
        """One getUpdates: a newer call ends a pending one with 409 Conflict, and
        `allowed_updates` (kept until changed, as Telegram does) drops other kinds."""
        self._poll += 1
        poll = self._poll
        self._wake.set()  # a pending poll wakes up to find it was superseded
        self._wake = asyncio.Event()
        if allowed_updates is not None:
            self.allowed = frozenset(allowed_updates) or None
        deadline = time.monotonic() + timeout
        # Fetched updates below offset are confirmed and forgotten; never-fetched ones are
        # still delivered, so an old update_id pushed again arrives as a duplicate.
        self._queue = [q for q in self._queue
                       if not (q.fetched and q.update["update_id"] < offset)
                       and self._wanted(q.update)]
        while not self._queue and not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)
            if poll != self._poll:
                raise ApiError(CONFLICT, 409)
            self._queue = [q for q in self._queue if self._wanted(q.update)]
        batch = self._queue[:limit]
        for queued in batch:
            queued.fetched = True
        return [queued.update for queued in batch]

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        return kind in self.allowed if self.allowed is not None else kind not in NOT_BY_DEFAULT
