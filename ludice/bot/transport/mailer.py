"""Sends what the domain left in the outbox, in each recipient's language (a group's own
language for a group), oldest first per chat, and marks each message done. A message that
fails for a passing reason stays pending and goes out on the next round; one Telegram refuses
for good (bot blocked, chat gone) is marked with the error instead of being retried forever,
and if it was a group's news of a lobby, each player gets it privately instead.

Each chat has its own sender task, so a group held back by its pacing
(ludice.bot.transport.pacing) or a 429 never delays anybody else's messages, and one chat's
messages stay in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramMigrateToChat
from aiogram.types import InlineKeyboardMarkup

from ludice import outbox
from ludice.bot.texts import language, render_outbox, t
from ludice.db import Store

log = logging.getLogger(__name__)
# Refused for good: blocked, removed, no right to post, chat gone, or a group that became a
# supergroup (its old chat id takes nothing any more).
REFUSED = (TelegramForbiddenError, TelegramBadRequest, TelegramMigrateToChat)
# (language, text key, params) -> the text and buttons of a group message
GroupRenderer = Callable[[str, str, dict[str, Any]], tuple[str, InlineKeyboardMarkup | None]]
# (language, text key, params) -> the buttons of a private message, if it has any
PrivateButtons = Callable[[str, str, dict[str, Any]], Awaitable[InlineKeyboardMarkup | None]]


def _languages(conn: sqlite3.Connection, chat_ids: set[int]) -> dict[int, str]:
    """The language to write in per chat: the user's, or the group's own."""
    people = [c for c in chat_ids if c > 0]
    groups = [c for c in chat_ids if c < 0]
    codes = dict(conn.execute(
        f"SELECT id, language_code FROM users WHERE id IN ({','.join('?' * len(people))})",
        people)) if people else {}
    if groups:
        codes.update(conn.execute(
            f"SELECT chat_id, lang FROM groups WHERE chat_id IN ({','.join('?' * len(groups))})",
            groups))
    return {c: language(codes.get(c)) for c in chat_ids}


def _pending(conn: sqlite3.Connection, chat_id: int | None = None
             ) -> list[tuple[outbox.Message, str]]:
    messages = outbox.pending(conn, chat_id=chat_id)
    langs = _languages(conn, {m.chat_id for m in messages})
    return [(m, langs[m.chat_id]) for m in messages]


class Mailer:
    def __init__(self, bot: Bot, store: Store, clock: Callable[[], float],
                 interval: float = 2.0, *, render_group: GroupRenderer,
                 redraw: Callable[[int], Awaitable[None]] | None = None,
                 private_buttons: PrivateButtons | None = None) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.interval = interval
        # Group play hands these in (ludice.bot.group.cards), so the way to Telegram
        # knows nothing of it.
        self.render_group = render_group
        self.redraw = redraw  # redraws a challenge card (outbox key `group_card`)
        self.private_buttons = private_buttons
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._chats: dict[int, asyncio.Task] = {}  # the sender of each chat
        self._again: set[int] = set()  # chats whose sender must look again before it stops
        self._handed: dict[int, int] = {}  # the newest message each chat's sender has in hand
        # Sent messages whose mark a read may not see yet (it rides with the next batch of
        # writes, ludice.commits): no read may hand them out again. `_landed`: of those, the
        # ones whose mark committed; only a read that began before that can miss it.
        self._sent: set[int] = set()
        self._landed: set[int] = set()
        self._reading = 0  # reads of the outbox under way

    def kick(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            try:
                await self.dispatch()
            except Exception:
                log.exception("sending the outbox failed; retrying in %.0f s", self.interval)

    async def dispatch(self) -> None:
        """Hand each chat's pending messages to a sender of its own. One read serves every
        chat; a chat whose sender is still busy is left to that sender, told to look again
        when done if the read found more than it has in hand, so no message can go out
        twice and none waits for the next round."""
        async with self._lock:
            busy = {c for c, task in self._chats.items() if not task.done()}
            self._chats = {c: task for c, task in self._chats.items() if c in busy}
            self._handed = {c: last for c, last in self._handed.items() if c in busy}
            by_chat: dict[int, list[tuple[outbox.Message, str]]] = defaultdict(list)
            for message, lang in await self._unsent():
                by_chat[message.chat_id].append((message, lang))
            for chat_id, items in by_chat.items():
                if chat_id in busy:
                    if self._chats[chat_id].done():  # it finished while we read
                        self.kick()
                    elif items[-1][0].id > self._handed[chat_id]:  # more than it has in hand
                        self._again.add(chat_id)
                    continue
                self._handed[chat_id] = items[-1][0].id
                self._chats[chat_id] = asyncio.create_task(self._send_chat(chat_id, items),
                                                           name=f"outbox-{chat_id}")

    async def drain(self) -> int:
        """Send everything pending now and wait until it is out (a stop, the tests)."""
        await self.dispatch()
        results = await asyncio.gather(*self._chats.values(), return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def _unsent(self, chat_id: int | None = None) -> list[tuple[outbox.Message, str]]:
        self._reading += 1
        try:
            pending = await self.store.read(_pending, chat_id)
        finally:
            self._reading -= 1
        unsent = [(message, lang) for message, lang in pending if message.id not in self._sent]
        if not self._reading:  # every read from now on begins after these marks landed
            self._sent -= self._landed
            self._landed.clear()
        return unsent

    def _mark_sent(self, message_id: int) -> None:
        """Mark a message sent without waiting for it (ludice.commits: the mark rides with
        the next batch of writes, or goes alone within Store.RIDE_SECONDS). The outbox is at
        least once: a crash before the mark commits sends the message again at the next
        start, as a crash between the send and an awaited mark always could; the window
        grows from one write to at most RIDE_SECONDS plus one write, and what it risks is a
        second copy of a message, never a lost one nor a second effect."""
        self._sent.add(message_id)
        mark = self.store.write_soon(outbox.mark_done, message_id, int(self.clock()))
        mark.add_done_callback(lambda done: self._marked(message_id, done))

    def _marked(self, message_id: int, mark: asyncio.Future) -> None:
        if mark.cancelled() or mark.exception() is not None:
            # Still pending in the database: the next round sends it again.
            log.warning("outbox message %s was sent but not marked: %s", message_id,
                        "cancelled" if mark.cancelled() else mark.exception())
            self._sent.discard(message_id)
        else:
            self._landed.add(message_id)

    async def _send_chat(self, chat_id: int, items: list[tuple[outbox.Message, str]]) -> int:
        done = 0
        while True:
            for message, lang in items:
                error = None
                try:
                    await self._deliver(message, lang)
                except REFUSED as exc:
                    error = str(exc)
                    log.warning("outbox message %s to %s refused: %s", message.id,
                                message.chat_id, exc)
                except Exception as exc:
                    # Keep it pending and stop this chat here so its messages stay in order.
                    log.warning("outbox message %s to %s not sent yet: %s", message.id,
                                message.chat_id, exc)
                    return done
                if error is None:
                    self._mark_sent(message.id)
                elif await self.store.write(outbox.refused, message.id, int(self.clock()),
                                            error):
                    self.kick()  # the players' private copies are pending now
                done += 1
            if chat_id not in self._again:
                return done
            self._again.discard(chat_id)  # more came while we were sending
            items = await self._unsent(chat_id)
            if items:
                self._handed[chat_id] = items[-1][0].id

    async def _deliver(self, message: outbox.Message, lang: str) -> None:
        if message.text_key == "group_card":
            if self.redraw is not None:
                await self.redraw(message.params["lobby_id"])
            return
        if message.text_key == "group_relayed":
            # What the group would have read, in the player's language, under the group's name,
            # without the group's buttons.
            params = message.params
            text, _buttons = self.render_group(lang, params["key"], params["params"])
            heading = t(lang, "group_relayed", group=escape(params["group"]))
            await self.bot.send_message(message.chat_id, f"{heading}\n{text}")
            return
        if message.chat_id > 0:
            markup = (await self.private_buttons(lang, message.text_key, message.params)
                      if self.private_buttons is not None else None)
            await self.bot.send_message(message.chat_id,
                                        render_outbox(lang, message.text_key, message.params),
                                        reply_markup=markup)
            return
        text, markup = self.render_group(lang, message.text_key, message.params)
        try:
            await self.bot.send_message(message.chat_id, text, reply_markup=markup,
                                        message_thread_id=message.thread_id)
        except TelegramBadRequest as exc:
            # The topic was deleted or closed: the group still hears the result, in General.
            if message.thread_id is None or "thread" not in str(exc).lower():
                raise
            await self.bot.send_message(message.chat_id, text, reply_markup=markup)
