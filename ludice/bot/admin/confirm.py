"""Asking before a change and carrying it out on the admin's confirmation. The button carries
only the request's id; ludice.admin checks that the presser is the admin who asked, that the
request is still undecided and fresh, and decides it in the same transaction as its effect
(and with the update id: a redelivered press does nothing)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from html import escape
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ludice import admin, stars
from ludice.bot.keyboards import Number
from ludice.bot.texts import t
from ludice.bot.transport.mailer import Mailer
from ludice.config import Config
from ludice.db import Store
from ludice.errors import LudiceError
from ludice.redelivery import write_once

log = logging.getLogger(__name__)
Clock = Callable[[], float]
# Said in a button's alert rather than in place of the confirmation: nothing new to read.
ALERTS = ("admin_stale", "admin_decided")


class AdminConfirm(CallbackData, prefix="ac"):
    request_id: Number
    yes: bool


def say(lang: str, key: str, **params: Any) -> str:
    """A catalog text with its values made safe for HTML; a signed amount shown with its sign,
    a lobby's status in words."""
    if isinstance(params.get("amount"), int):
        params["amount"] = f"{params['amount']:+d}"
    if "status" in params:
        params["status"] = t(lang, f"admin_status_{params['status']}")
    return t(lang, key, **{k: escape(v, quote=False) if isinstance(v, str) else v
                           for k, v in params.items()})


def keyboard(lang: str, request_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "admin_btn_confirm"),
              callback_data=AdminConfirm(request_id=request_id, yes=True))
    kb.button(text=t(lang, "admin_btn_drop"),
              callback_data=AdminConfirm(request_id=request_id, yes=False))
    return kb.as_markup()


async def ask(message: Message, lang: str, store: Store, clock: Clock, update_id: int,
              action: str, *, target: str, value: str = "", reason: str = "") -> None:
    """Check an admin's change and ask them to confirm it; a refusal says why."""
    now = int(clock())
    try:
        request, preview = await write_once(store, update_id, now, admin.ask,
                                            message.from_user.id, action, target=target,
                                            value=value, reason=reason, now=now)
    except admin.AdminRefused as refused:
        await message.answer(say(lang, refused.reason, **refused.details))
        return
    await message.answer(say(lang, f"admin_ask_{action}", **preview),
                         reply_markup=keyboard(lang, request.id))


async def _show(query: CallbackQuery, text: str) -> None:
    """The outcome in place of the confirmation (its buttons go), or below it when Telegram
    won't edit that message any more."""
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=None)
            return
    await query.bot.send_message(query.from_user.id, text)


async def _finish_refund(lang: str, done: dict[str, Any], store: Store, clock: Clock,
                         config: Config) -> str:
    # The credits are back and the intent recorded; now Telegram returns the stars, outside
    # any transaction (as `ludice payment refund` does).
    api = stars.BotApi(config.token, config.api_url)
    try:
        paid = await stars.complete_refund(api, store.write, done["payment"], clock)
    except LudiceError as exc:
        return say(lang, "admin_refund_waiting", charge_id=done["charge_id"], error=str(exc))
    return say(lang, "admin_done_refund", charge_id=paid.charge_id, id=paid.user_id,
               stars=paid.stars, credits=paid.refund_taken or 0)


async def decide(query: CallbackQuery, callback_data: AdminConfirm, lang: str, store: Store,
                 clock: Clock, update_id: int, config: Config, mailer: Mailer) -> None:
    now = int(clock())
    decision = admin.confirm if callback_data.yes else admin.drop
    try:
        outcome = await write_once(store, update_id, now, decision, callback_data.request_id,
                                   query.from_user.id, now)
    except admin.AdminRefused as refused:
        text = say(lang, refused.reason, **refused.details)
        if refused.reason in ALERTS:
            await query.answer(text, show_alert=True)
            return
        await query.answer()
        await _show(query, text)
        return
    await query.answer()
    if not callback_data.yes:
        await _show(query, t(lang, "admin_dropped"))
        return
    request, done = outcome
    log.info("admin %s: %s %s %s (%s)", request.admin_id, request.action, request.target,
             request.value, request.reason,
             extra={"user_id": request.admin_id, "action": request.action})
    if request.action == "refund":
        text = await _finish_refund(lang, done, store, clock, config)
    else:
        text = say(lang, f"admin_done_{request.action}", **done)
    mailer.kick()  # a cancelled lobby's players are told through the outbox
    await _show(query, text)


def register(router: Router) -> None:
    router.callback_query.register(decide, AdminConfirm.filter())
