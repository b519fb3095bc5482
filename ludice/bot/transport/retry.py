"""Outgoing calls answered 429 wait `retry_after` and go again, so a burst slows down instead
of dropping a result. Applied to the bot session, i.e. to every call the bot makes.

A 5xx or a network error is different: the request may have reached Telegram and taken
effect before the answer was lost, so only calls that are safe to repeat are retried (reads,
edits, answers to queries). A send is not: a retried sendMessage can post the message twice,
and a retried sendDice would even roll a second die. The outbox and the duel runner already
recover from a send that failed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response

log = logging.getLogger(__name__)
IDEMPOTENT_PREFIXES = ("Get", "Edit", "Set", "Delete", "Answer", "LeaveChat")


def idempotent(method: TelegramMethod[Any]) -> bool:
    return type(method).__name__.startswith(IDEMPOTENT_PREFIXES)


class RetryAfter(BaseRequestMiddleware):
    def __init__(self, attempts: int = 6, max_wait: float = 60.0) -> None:
        self.attempts = attempts
        self.max_wait = max_wait

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        # Polling has its own back-off; retrying getUpdates here would only stall a stop.
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts:
                    raise
                wait = min(float(exc.retry_after), self.max_wait)
                log.warning("%s answered 429, retrying in %.1f s (attempt %d)",
                            type(method).__name__, wait, attempt)
                await asyncio.sleep(wait)
            except (TelegramNetworkError, TelegramServerError) as exc:
                if attempt >= 3 or not idempotent(method):
                    raise
                log.warning("%s failed (%s), retrying", type(method).__name__, exc)
                await asyncio.sleep(0.5 * attempt)
        raise AssertionError("unreachable")


class PollingConflict(BaseRequestMiddleware):
    """getUpdates answered 409 Conflict: something else polls this token (another ludice on
    another database or machine) or a webhook is set. Said once, clearly; then retried every
    `wait` seconds without a line per attempt until the other poller goes away."""

    def __init__(self, wait: float = 5.0) -> None:
        self.wait = wait
        self.conflicted = False

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        if not isinstance(method, GetUpdates):
            return await make_request(bot, method)
        while True:
            try:
                result = await make_request(bot, method)
            except TelegramConflictError as exc:
                if not self.conflicted:
                    self.conflicted = True
                    log.error("Telegram answered 409 Conflict (%s): another process is polling "
                              "this bot token; stop it. Retrying quietly every %.0f s.",
                              exc.message, self.wait)
                else:
                    log.debug("still 409 Conflict: %s", exc.message)
                await asyncio.sleep(self.wait)
                continue
            if self.conflicted:
                self.conflicted = False
                log.warning("polling again: the other poller of this token went away")
            return result
