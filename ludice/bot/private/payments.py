"""Credits in: Stars top-ups (packs, invoice, pre-checkout, receipt), the daily bonus, and
/paysupport. Money moves only in ludice.payments / ludice.users, in one transaction each."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import Command
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery, TelegramObject

from ludice import payments, users
from ludice.bot import keyboards
from ludice.bot.texts import button_texts, language, t
from ludice.bot.transport.mailer import Mailer
from ludice.db import Store
from ludice.redelivery import write_once
from ludice.settings import Settings, load

log = logging.getLogger(__name__)

Clock = Callable[[], float]
PAYSUPPORT_PAYMENTS = 5


class RateLimit(BaseMiddleware):
    """At most `limit` payment actions (handlers flagged `payment`) per user per `window`
    seconds, sliding. Receipts and pre-checkout answers are never limited."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    async def __call__(self, handler: Callable, event: TelegramObject, data: dict[str, Any]
                       ) -> Any:
        if not get_flag(data, "payment"):
            return await handler(event, data)
        user_id = event.from_user.id  # type: ignore[attr-defined]
        now = time.monotonic()
        recent = self._seen[user_id]
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            text = t(data["lang"], "payment_rate_limited")
            if isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=True)
            else:
                await event.answer(text)
            return None
        recent.append(now)
        return await handler(event, data)


async def cmd_topup(message: Message, lang: str, settings: Settings) -> None:
    if not settings.stars_enabled:
        await message.answer(t(lang, "topups_off"))
        return
    await message.answer(t(lang, "topup_menu", rate=settings.credits_per_star),
                         reply_markup=keyboards.packs(lang, settings.star_packs,
                                                      settings.credits_per_star))


def _offer(conn: sqlite3.Connection, user_id: int, stars: int, now: int) -> tuple[str, int]:
    return payments.offer(conn, user_id, stars, settings=load(conn), now=now)


async def choose_pack(query: CallbackQuery, callback_data: keyboards.ChoosePack, lang: str,
                      store: Store, clock: Clock) -> None:
    try:
        payload, credits = await store.read(_offer, query.from_user.id, callback_data.stars,
                                            int(clock()))
    except payments.PaymentRefused as refused:
        await query.answer(t(lang, refused.reason, **refused.details), show_alert=True)
        return
    await query.answer()
    stars = callback_data.stars
    await query.bot.send_invoice(
        query.from_user.id,
        title=t(lang, "invoice_title", credits=credits),
        description=t(lang, "invoice_description", credits=credits, stars=stars),
        payload=payload, currency="XTR", provider_token="",
        prices=[LabeledPrice(label=t(lang, "invoice_label", credits=credits), amount=stars)],
    )


def _pre_checkout(conn: sqlite3.Connection, query: PreCheckoutQuery, now: int) -> None:
    payments.pre_checkout(conn, query.from_user.id, query.invoice_payload, query.currency,
                          query.total_amount, settings=load(conn), now=now)


async def pre_checkout(query: PreCheckoutQuery, store: Store, clock: Clock) -> None:
    # Telegram waits at most 10 s for this answer: one read, no other calls before it.
    lang = language(query.from_user.language_code)
    try:
        await store.read(_pre_checkout, query, int(clock()))
    except payments.PaymentRefused as refused:
        await query.answer(ok=False, error_message=t(lang, refused.reason, **refused.details))
        return
    await query.answer(ok=True)


async def successful_payment(message: Message, store: Store, mailer: Mailer,
                             clock: Clock) -> None:
    # Keyed by Telegram's charge id, not by the update: the same payment found by
    # reconciliation (another path, no update) must be credited once too.
    paid = message.successful_payment
    await store.write(payments.credit, paid.telegram_payment_charge_id, message.from_user.id,
                      paid.invoice_payload, paid.total_amount, now=int(clock()))
    log.info("payment %s: user %s paid %s stars", paid.telegram_payment_charge_id,
             message.from_user.id, paid.total_amount,
             extra={"user_id": message.from_user.id, "stars": paid.total_amount,
                    "charge_id": paid.telegram_payment_charge_id})
    mailer.kick()  # the receipt was written to the outbox with the credit


def _claim(conn: sqlite3.Connection, user_id: int, now: int) -> int:
    return users.claim_daily(conn, user_id, load(conn).daily_bonus, now)


async def _bonus(reply: Callable, user_id: int, lang: str, store: Store, clock: Clock,
                 update_id: int) -> None:
    now = int(clock())
    try:
        balance = await write_once(store, update_id, now, _claim, user_id, now)
    except users.BonusNotDue as not_due:
        wait = max(0, not_due.next_at - int(clock()))
        await reply(t(lang, "bonus_not_due", hours=wait // 3600, minutes=wait % 3600 // 60,
                      at=datetime.fromtimestamp(not_due.next_at, UTC).strftime("%d.%m %H:%M")))
        return
    except users.LudiceError:
        await reply(t(lang, "bonus_off"))
        return
    await reply(t(lang, "bonus_granted", balance=balance))


async def cmd_bonus(message: Message, lang: str, store: Store, clock: Clock,
                    update_id: int) -> None:
    await _bonus(message.answer, message.from_user.id, lang, store, clock, update_id)


async def bonus_button(query: CallbackQuery, lang: str, store: Store, clock: Clock,
                       update_id: int) -> None:
    async def reply(text: str) -> None:
        await query.answer(text, show_alert=True)

    await _bonus(reply, query.from_user.id, lang, store, clock, update_id)


async def cmd_paysupport(message: Message, lang: str, store: Store) -> None:
    recent = await store.read(payments.listing, message.from_user.id, PAYSUPPORT_PAYMENTS)
    lines = [t(lang, "paysupport_line", charge_id=p.charge_id, stars=p.stars, credits=p.credits,
               status=t(lang, f"payment_{p.status}"),
               date=datetime.fromtimestamp(p.created_at, UTC).strftime("%d.%m.%Y"))
             for p in recent]
    await message.answer(t(lang, "paysupport") + "\n\n"
                         + ("\n".join(lines) if lines else t(lang, "paysupport_none")))


def make_router() -> Router:
    router = Router(name="payments")
    router.message.filter(F.chat.type == "private")  # groups have their own commands
    router.callback_query.filter(F.message.chat.type == "private")
    limiter = RateLimit()
    router.message.middleware(limiter)
    router.callback_query.middleware(limiter)
    payment = {"payment": True}
    router.message.register(cmd_topup, Command("topup"), flags=payment)
    router.message.register(cmd_topup, F.text.in_(button_texts("btn_topup")), flags=payment)
    router.callback_query.register(choose_pack, keyboards.ChoosePack.filter(), flags=payment)
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, F.successful_payment)
    router.message.register(cmd_bonus, Command("bonus"))
    router.callback_query.register(bonus_button, keyboards.ClaimBonus.filter())
    router.message.register(cmd_paysupport, Command("paysupport"))
    return router
