"""Magic filters (`F.chat.type == "private"`) resolved on the event loop. aiogram runs a
filter that is not a coroutine through `asyncio.to_thread`, and a magic filter's `resolve` is
a plain function: every router-level and handler filter of that kind cost each update a
thread hop (and a context copy) for an attribute lookup. Routers keep writing `F...`; the
dispatcher's filters are rewritten once, after the routers are included."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class OnLoop(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


def magic_on_loop(root: Router) -> int:
    """Rewrite every magic filter of `root` and the routers under it; returns how many."""
    rewritten = 0
    for router in root.chain_tail:
        for observer in router.observers.values():
            for handler in (observer._handler, *observer.handlers):
                for i, item in enumerate(handler.filters or []):
                    if item.magic is not None:
                        handler.filters[i] = FilterObject(OnLoop(item.magic))
                        rewritten += 1
    return rewritten


def thread_filters(root: Router) -> list[str]:
    """Filters aiogram would still run through a thread (what a test wants empty)."""
    return [f"{router.name}.{name}: {item.callback!r}"
            for router in root.chain_tail for name, observer in router.observers.items()
            for handler in (observer._handler, *observer.handlers)
            for item in handler.filters or [] if not item.awaitable]
