"""Rolling a die in a chat and waiting out its animation: shared by private duels
(ludice.bot.duel) and group rounds (ludice.bot.group.duel)."""

from __future__ import annotations

import asyncio
import sqlite3

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.types import Message

from ludice.db import Store
from ludice.settings import load

AMBIGUOUS = (TelegramServerError, TelegramNetworkError, TimeoutError)


class LostDie(Exception):
    """A sendDice whose answer was lost (5xx, network, timeout): Telegram may or may not
    have posted the die."""


async def send_die(bot: Bot, chat_id: int, emoji: str, **kwargs: object) -> Message:
    """sendDice, with an ambiguous failure raised as LostDie so that no caller mistakes it
    for a die that was never rolled (and rolls a second, different one)."""
    try:
        return await bot.send_dice(chat_id, emoji=emoji, **kwargs)
    except AMBIGUOUS as exc:
        raise LostDie(repr(exc)) from exc


async def wait_for_reveal(store: Store) -> None:
    """Let the dice animation play out (the `reveal_delay_seconds` setting) before a result;
    the caller is a background task, so no handler waits on this."""
    await asyncio.sleep(await store.read(_reveal_delay))


def _reveal_delay(conn: sqlite3.Connection) -> float:
    return load(conn).reveal_delay_seconds
