"""/admin: what an admin can do, with buttons for the views."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ludice.bot.admin.views import VIEWS
from ludice.bot.texts import t
from ludice.db import Store


class AdminView(CallbackData, prefix="av"):
    name: str


def keyboard(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for name in VIEWS:
        kb.button(text=t(lang, f"admin_btn_{name}"), callback_data=AdminView(name=name))
    kb.adjust(2)
    return kb.as_markup()


async def cmd_admin(message: Message, lang: str) -> None:
    await message.answer(t(lang, "admin_menu"), reply_markup=keyboard(lang))


async def show_view(query: CallbackQuery, callback_data: AdminView, lang: str,
                    store: Store) -> None:
    view = VIEWS.get(callback_data.name)
    if view is None:  # forged: the ordinary answer to a stale button
        await query.answer(t(lang, "stale_button"), show_alert=True)
        return
    await query.answer()
    await query.bot.send_message(query.from_user.id, await view(lang, store))


def register(router: Router) -> None:
    router.message.register(cmd_admin, Command("admin"))
    router.callback_query.register(show_view, AdminView.filter())
