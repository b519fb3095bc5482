"""Last in line: anything no feature router took gets a hint instead of silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from ludice.bot.texts import t


async def stale_button(query: CallbackQuery, lang: str) -> None:
    # Forged, malformed or from an older version of a keyboard: answer, change nothing.
    await query.answer(t(lang, "stale_button"), show_alert=True)


async def unknown_message(message: Message, lang: str) -> None:
    await message.answer(t(lang, "unknown_text"))


def make_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    # In a group, what is not for us is none of our business: never "I didn't get that".
    router.message.register(unknown_message, F.chat.type == "private")
    return router
