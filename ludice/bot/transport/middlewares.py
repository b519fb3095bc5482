"""Per-update work: drop updates this process saw already, hand handlers the update id (an
update that moves money or lobbies records it with its effect: ludice.redelivery, the
dedupe that survives a crash), track in-flight handlers so a stop can wait for them, load
the player, the settings and (in a group) the group, hold back users who have not accepted
the terms, and throttle game actions. Nothing here writes to the database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from ludice import groups, users
from ludice import settings as game_settings
from ludice.bot import admin as bot_admin
from ludice.bot import keyboards
from ludice.bot.texts import language, t

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
OPEN_COMMANDS = ("/start", "/help", "/privacy")


class UpdateGuard(BaseMiddleware):
    def __init__(self, remember: int = 10_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._remember = remember
        self.in_flight: set[asyncio.Task] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if event.update_id in self._seen:
            log.info("ignoring redelivered update %s", event.update_id)
            return None
        self._seen[event.update_id] = None
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        data["update_id"] = event.update_id
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        try:
            return await handler(event, data)
        finally:
            self.in_flight.discard(task)

    async def drain(self, timeout: float) -> int:
        """Wait for handlers still running; returns how many did not finish in time."""
        current = asyncio.current_task()
        pending = [task for task in self.in_flight if task is not current]
        if not pending:
            return 0
        _, still = await asyncio.wait(pending, timeout=timeout)
        return len(still)


GROUP_CHATS = ("group", "supergroup")


def _context(conn: Any, user_id: int, chat_id: int | None
             ) -> tuple[users.User | None, game_settings.Settings, groups.Group | None]:
    group = groups.get(conn, chat_id) if chat_id is not None else None
    return users.get(conn, user_id), game_settings.load(conn), group


def in_group(event: TelegramObject) -> bool:
    chat = event.chat if isinstance(event, Message) else (
        event.message.chat if isinstance(event, CallbackQuery) and event.message else None)
    return chat is not None and chat.type in GROUP_CHATS


def _anonymous_admin(event: TelegramObject) -> bool:
    """A group admin posting as the group itself (Telegram's GroupAnonymousBot sends it)."""
    return (isinstance(event, Message) and event.sender_chat is not None
            and event.sender_chat.id == event.chat.id)


def _open_before_terms(event: TelegramObject, admins: frozenset[int]) -> bool:
    admin = event.from_user.id in admins  # type: ignore[attr-defined]
    if isinstance(event, CallbackQuery):
        return keyboards.is_accept(event.data) or (
            admin and (event.data or "").startswith(bot_admin.BUTTONS))
    if isinstance(event, Message) and event.successful_payment:
        return True  # Telegram already took the stars: a receipt must never be held back
    if isinstance(event, Message) and event.text:
        command = event.text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        return command in OPEN_COMMANDS or (admin and command in bot_admin.COMMANDS)
    return False


class PlayerContext(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = getattr(event, "from_user", None)
        chat = event.chat if isinstance(event, Message) else (
            event.message.chat if isinstance(event, CallbackQuery) and event.message else None)
        group_chat = chat is not None and chat.type in GROUP_CHATS
        if sender is None or (chat is not None and chat.type not in ("private", *GROUP_CHATS)):
            return None  # channels are not ours
        if sender.is_bot and not (group_chat and _anonymous_admin(event)):
            return None
        player, current, group = await data["store"].read(
            _context, sender.id, chat.id if group_chat else None)
        lang = language(sender.language_code or (player.language_code if player else None))
        data.update(player=player, settings=current, lang=lang, group=group)
        if group_chat:
            # Group handlers meet newcomers themselves: the terms go to a private chat
            # through a deep link, never into the group.
            return await handler(event, data)
        if ((player is None or player.terms_accepted_at is None)
                and not _open_before_terms(event, data["config"].admins)):
            if isinstance(event, CallbackQuery):
                await event.answer(t(lang, "terms_needed"), show_alert=True)
            else:
                await event.answer(t(lang, "terms"), reply_markup=keyboards.terms(lang))
            return None
        return await handler(event, data)


class Throttle(BaseMiddleware):
    """At most one game action per `throttle_seconds` per user; a flood hears about it once."""

    def __init__(self) -> None:
        self._last: dict[int, float] = {}
        self._warned: set[int] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user_id = event.from_user.id  # type: ignore[attr-defined]
        gap = data["settings"].throttle_seconds
        now = time.monotonic()
        last = self._last.get(user_id)
        if last is not None and now - last < gap:
            # A group never hears about one member's flood; the member hears it once, on a
            # button (answered to them alone) or in private.
            silent = isinstance(event, Message) and in_group(event)
            first_warning = user_id not in self._warned and not silent
            text = t(data["lang"], "throttled")
            if first_warning:
                self._warned.add(user_id)
            if isinstance(event, CallbackQuery):
                await event.answer(text if first_warning else None)
            elif first_warning:
                await event.answer(text)
            return None
        self._last[user_id] = now
        self._warned.discard(user_id)
        if len(self._last) > 10_000:
            self._forget_older_than(now - 60)
        return await handler(event, data)

    def _forget_older_than(self, cutoff: float) -> None:
        for user_id in [u for u, seen in self._last.items() if seen < cutoff]:
            del self._last[user_id]
            self._warned.discard(user_id)
