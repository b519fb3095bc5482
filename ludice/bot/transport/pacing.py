"""Telegram's flood limits, kept on our side so that a burst queues instead of collecting
429s: about 20 messages a minute into one group, about 30 messages a second overall.

Every call that posts into a group (a negative chat id) waits for a free slot in that group's
sliding window (edits count as well: they are what a busy card does most, and Telegram limits
them too); then every call that posts a message, anywhere, waits for a slot in the bot's
overall window, a forwardMessages taking one per message it carries. A group held back by its
own window does not hold an overall slot while it waits. Calls waiting for one window go out
in the order they asked (asyncio locks are fair)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

GROUP_PACED_PREFIXES = ("Send", "Forward", "Copy", "Edit")
POSTING_PREFIXES = ("Send", "Forward", "Copy")
Clock = Callable[[], float]


class Window:
    """A sliding window of `limit` messages per `seconds`. A message counts from the moment
    its call is answered, and while it is in flight: Telegram counts it when it arrives,
    which is after it left, so counting from the departure would let the next window start
    early by however long the first calls took to get there."""

    def __init__(self, limit: int, seconds: float, clock: Clock) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self.sent: deque[float] = deque()
        self.in_flight = 0
        self.lock = asyncio.Lock()
        self._waiting = 0  # calls queued for a slot
        self._freed = asyncio.Event()

    def _room(self, count: int) -> tuple[int, float]:
        """(how many messages too many `count` more would make, now)."""
        now = self.clock()
        while self.sent and self.sent[0] <= now - self.seconds:
            self.sent.popleft()
        return len(self.sent) + self.in_flight + count - self.limit, now

    async def acquire(self, count: int = 1) -> int:
        """Hold `count` messages of the window (at most the window's limit, returned) for a
        call; `release` them when it is answered."""
        count = min(count, self.limit)
        # Nobody queued and room now: take it without the lock, a duel's every call does
        # (lock and context manager: ~5 % of the loop in a cProfile of duels). Our own count
        # of who waits, not lock.locked(): between a release and its waiter waking the lock
        # reads unlocked, and this must not overtake that waiter.
        if not self._waiting and self._room(count)[0] <= 0:
            self.in_flight += count
            return count
        self._waiting += 1
        try:
            async with self.lock:  # asyncio locks are fair: first come, first served
                while (over := self._room(count))[0] > 0:
                    excess, now = over
                    # Room comes when enough answered messages age out, or a call in flight
                    # is answered (then it ages out from its answer).
                    wait = (self.sent[excess - 1] + self.seconds - now
                            if excess <= len(self.sent) else self.seconds)
                    self._freed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._freed.wait(), wait)
                self.in_flight += count
        finally:
            self._waiting -= 1
        return count

    def release(self, count: int) -> None:
        self.in_flight -= count
        self.sent.extend([self.clock()] * count)
        self._freed.set()

    def quiet(self, now: float) -> bool:
        return (not self.in_flight and not self._waiting
                and (not self.sent or self.sent[-1] <= now - self.seconds))


def messages_in(method: TelegramMethod[Any]) -> int:
    ids = getattr(method, "message_ids", None)
    return len(ids) if isinstance(ids, list) and ids else 1


class GroupPace(BaseRequestMiddleware):
    def __init__(self, limit: int = 20, window: float = 60.0,
                 clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._groups: dict[int, Window] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        chat_id = getattr(method, "chat_id", None)
        if not (isinstance(chat_id, int) and chat_id < 0
                and type(method).__name__.startswith(GROUP_PACED_PREFIXES)):
            return await make_request(bot, method)
        if len(self._groups) > 1000:  # forget quiet groups
            now = self.clock()
            for quiet in [c for c, w in self._groups.items() if w.quiet(now)]:
                del self._groups[quiet]
        window = self._groups.setdefault(chat_id, Window(self.limit, self.window, self.clock))
        held = await window.acquire(messages_in(method))
        try:
            return await make_request(bot, method)
        finally:
            window.release(held)


class GlobalPace(BaseRequestMiddleware):
    """The bot's overall pace (Telegram: about 30 messages a second)."""

    def __init__(self, limit: int = 30, window: float = 1.0,
                 clock: Clock = time.monotonic) -> None:
        self.window = Window(limit, window, clock)

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        if not type(method).__name__.startswith(POSTING_PREFIXES):
            return await make_request(bot, method)
        held = await self.window.acquire(messages_in(method))
        try:
            return await make_request(bot, method)
        finally:
            self.window.release(held)
