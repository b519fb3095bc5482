"""The commands that change something: /ban, /unban, /adjust, /cancel, /refund and /set. Each
only asks; ludice.bot.admin.confirm carries the change out when the admin confirms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from ludice.bot.admin.confirm import ask
from ludice.bot.texts import t
from ludice.db import Store

Clock = Callable[[], float]
Handler = Callable[..., Awaitable[None]]


def asking(action: str, *, with_value: bool = False) -> Handler:
    """The handler of `/ACTION TARGET [VALUE] reason…`: the words after the target (and the
    value) are the reason, which ludice.admin requires where the CLI does."""
    needed = 2 if with_value else 1

    async def handler(message: Message, command: CommandObject, lang: str, store: Store,
                      clock: Clock, update_id: int) -> None:
        parts = (command.args or "").split(maxsplit=needed)
        if len(parts) < needed:
            await message.answer(t(lang, f"admin_usage_{action}"))
            return
        await ask(message, lang, store, clock, update_id, action, target=parts[0],
                  value=parts[1] if with_value else "",
                  reason=parts[needed] if len(parts) > needed else "")

    handler.__name__ = handler.__qualname__ = f"cmd_{action}"
    return handler


async def cmd_set(message: Message, command: CommandObject, lang: str, store: Store,
                  clock: Clock, update_id: int) -> None:
    # A value may hold spaces (backup_dir): everything after the key is the value.
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2:
        await message.answer(t(lang, "admin_usage_set"))
        return
    await ask(message, lang, store, clock, update_id, "set", target=parts[0], value=parts[1])


def register(router: Router) -> None:
    for action in ("ban", "unban", "cancel", "refund"):
        router.message.register(asking(action), Command(action))
    router.message.register(asking("adjust", with_value=True), Command("adjust"))
    router.message.register(cmd_set, Command("set"))
