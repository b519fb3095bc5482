"""aiogram validates every answer with `Response[T]`, a pydantic generic model that pydantic
keeps only in a weak cache: each full garbage collection throws those models away and the
next call rebuilds its model (~7 ms of CPU each, measured on ludice). Held here, one per
method the bot uses, from its first call on."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response


class HoldResponseModels(BaseRequestMiddleware):
    def __init__(self) -> None:
        self.held: dict[type, Any] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        kind = type(method)
        if kind not in self.held:
            self.held[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
