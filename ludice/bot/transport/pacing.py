"""Group manners: Telegram lets a bot post about 20 messages a minute into one group and
answers 429 beyond that. Every call that posts into a group (a negative chat id) waits here
for a free slot in that group's sliding window, so a burst is spread out instead of refused;
calls for one group go out in the order they asked. Private chats are not held back.

Edits count as well: they are what a busy card does most, and Telegram limits them too."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

PACED_PREFIXES = ("Send", "Forward", "Copy", "Edit")


class GroupPace(BaseRequestMiddleware):
    def __init__(self, limit: int = 20, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._sent: dict[int, deque[float]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        chat_id = getattr(method, "chat_id", None)
        if (isinstance(chat_id, int) and chat_id < 0
                and type(method).__name__.startswith(PACED_PREFIXES)):
            await self.slot(chat_id)
        return await make_request(bot, method)

    async def slot(self, chat_id: int) -> None:
        """Wait until `chat_id` may take one more message, and take it."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # asyncio locks are fair: first come, first served
            sent = self._sent.setdefault(chat_id, deque())
            while True:
                now = self.clock()
                while sent and sent[0] <= now - self.window:
                    sent.popleft()
                if len(sent) < self.limit:
                    break
                await asyncio.sleep(sent[0] + self.window - now)
            sent.append(now)
        if len(self._sent) > 1000:  # forget quiet groups
            self._forget_quiet(now)

    def _forget_quiet(self, now: float) -> None:
        for chat_id in [c for c, sent in self._sent.items()
                        if (not sent or sent[-1] <= now - self.window)
                        and not self._locks[c].locked()]:
            del self._sent[chat_id]
            del self._locks[chat_id]
