"""The buttons of /limits and of the reality check, and the callback data they carry. Every
field is client-controlled: handlers accept only the choices offered (ludice.windows), and
there is no button, forged or not, that lifts a time-out or an exclusion."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ludice import windows
from ludice.bot.keyboards import ClaimBonus, Number
from ludice.bot.texts import t


class LimitsMenu(CallbackData, prefix="lm"):
    section: str  # overview, stake, loss, reminder, timeout, exclusion


class LimitWindow(CallbackData, prefix="lw"):
    item: str  # stake_day … loss_month


class SetReminder(CallbackData, prefix="lr"):
    minutes: Number


class TimeOut(CallbackData, prefix="lt"):
    days: Number
    confirmed: bool = False


class Exclude(CallbackData, prefix="lx"):
    days: Number
    step: Number  # 0: chosen, 1: confirmed once, 2: confirmed twice


class RealityCheck(CallbackData, prefix="rc"):
    action: str  # keep, break


SECTIONS = ("stake", "loss", "reminder", "timeout", "exclusion")


def menu(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for section in SECTIONS:
        key = f"btn_limit_{section}" if section in windows.KINDS else f"btn_{section}"
        kb.button(text=t(lang, key), callback_data=LimitsMenu(section=section))
    kb.adjust(2)
    return kb.as_markup()


def windows_of(lang: str, kind: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for window in windows.WINDOWS:
        kb.button(text=t(lang, f"btn_window_{window}"),
                  callback_data=LimitWindow(item=f"{kind}_{window}"))
    return kb.as_markup()


def reminders(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for minutes in (*windows.REMINDER_MINUTES, 0):
        kb.button(text=t(lang, f"btn_reminder_{minutes}"),
                  callback_data=SetReminder(minutes=minutes))
    return kb.as_markup()


def timeouts(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for days in windows.TIMEOUT_DAYS:
        kb.button(text=t(lang, f"length_{days}"), callback_data=TimeOut(days=days))
    kb.adjust(2)
    return kb.as_markup()


def confirm_timeout(lang: str, days: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_timeout_yes"), callback_data=TimeOut(days=days, confirmed=True))
    return kb.as_markup()


def exclusions(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for days in windows.EXCLUSION_DAYS:
        kb.button(text=t(lang, f"length_{days}"), callback_data=Exclude(days=days, step=0))
    return kb.as_markup()


def confirm_exclusion(lang: str, days: int, step: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    key = "btn_exclusion_yes" if step == 1 else "btn_exclusion_final"
    kb.button(text=t(lang, key), callback_data=Exclude(days=days, step=step))
    return kb.as_markup()


def reality_check(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_keep_playing"), callback_data=RealityCheck(action="keep"))
    kb.button(text=t(lang, "btn_take_break"), callback_data=RealityCheck(action="break"))
    return kb.as_markup()


def longer_break(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_timeout"), callback_data=LimitsMenu(section="timeout"))
    return kb.as_markup()


def profile(lang: str, bonus: bool) -> InlineKeyboardMarkup:
    """/profile's buttons: the daily bonus (when it is on) and the limits."""
    kb = InlineKeyboardBuilder()
    if bonus:
        kb.button(text=t(lang, "bonus_button"), callback_data=ClaimBonus())
    kb.button(text=t(lang, "btn_limits"), callback_data=LimitsMenu(section="overview"))
    return kb.as_markup()


Buttons = Callable[[str, str, dict[str, Any]], Awaitable[InlineKeyboardMarkup | None]]


def with_reality_check(other: Buttons) -> Buttons:
    """The buttons of private outbox messages (the mailer's `private_buttons`): the reality
    check's own, anything else as `other` says."""
    async def buttons(lang: str, text_key: str, params: dict[str, Any]
                      ) -> InlineKeyboardMarkup | None:
        if text_key == "reality_check":
            return reality_check(lang)
        return await other(lang, text_key, params)

    return buttons
