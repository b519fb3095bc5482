"""Sends what the domain left in the outbox, in each recipient's language, oldest first per
chat, and marks each message done. A message that fails for a passing reason stays pending
and goes out on the next round; one Telegram refuses for good (bot blocked, chat gone) is
marked with the error instead of being retried forever."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from ludice import outbox
from ludice.bot.texts import language, render_outbox
from ludice.db import Store

log = logging.getLogger(__name__)


def _pending_with_languages(conn: sqlite3.Connection) -> list[tuple[outbox.Message, str]]:
    messages = outbox.pending(conn)
    codes = dict(conn.execute(
        f"SELECT id, language_code FROM users WHERE id IN ({','.join('?' * len(messages))})",
        [m.chat_id for m in messages])) if messages else {}
    return [(m, language(codes.get(m.chat_id))) for m in messages]


class Mailer:
    def __init__(self, bot: Bot, store: Store, clock: Callable[[], float],
                 interval: float = 2.0) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.interval = interval
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def kick(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("sending the outbox failed; retrying in %.0f s", self.interval)

    async def drain(self) -> int:
        async with self._lock:  # one sender at a time, or a message could go out twice
            batch = await self.store.read(_pending_with_languages)
            by_chat: dict[int, list[tuple[outbox.Message, str]]] = defaultdict(list)
            for message, lang in batch:
                by_chat[message.chat_id].append((message, lang))
            sent = await asyncio.gather(*(self._send_chat(items) for items in by_chat.values()))
            return sum(sent)

    async def _send_chat(self, items: list[tuple[outbox.Message, str]]) -> int:
        done = 0
        for message, lang in items:
            error = None
            try:
                await self.bot.send_message(message.chat_id,
                                            render_outbox(lang, message.text_key, message.params))
            except (TelegramForbiddenError, TelegramBadRequest) as exc:
                error = str(exc)
                log.warning("outbox message %s to %s refused: %s", message.id, message.chat_id,
                            exc)
            except Exception as exc:
                # Keep it pending and stop this chat here so its messages stay in order.
                log.warning("outbox message %s to %s not sent yet: %s", message.id,
                            message.chat_id, exc)
                return done
            await self.store.write(outbox.mark_done, message.id, int(self.clock()), error)
            done += 1
        return done
