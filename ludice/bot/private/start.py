"""/start (with a group's deep link too), the terms, /help and /privacy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, User

from ludice import ledger, limits, users
from ludice.bot import keyboards
from ludice.bot.group.invite import lobby_from, offer
from ludice.bot.players import accepted
from ludice.bot.texts import button_texts, t
from ludice.db import Store
from ludice.redelivery import write_once
from ludice.settings import Settings, load

Clock = Callable[[], float]


async def cmd_start(message: Message, command: CommandObject, player: users.User | None,
                    lang: str, store: Store, clock: Clock) -> None:
    from_lobby = lobby_from(command.args)
    if not accepted(player):
        await message.answer(t(lang, "terms"), reply_markup=keyboards.terms(lang, from_lobby))
        return
    balance = await store.read(ledger.balance, player.id)
    await message.answer(t(lang, "welcome_back", balance=balance),
                         reply_markup=keyboards.menu(lang))
    if from_lobby is not None:
        await offer(message.bot, player.id, from_lobby, lang, store, clock)


async def welcome_text(store: Store, user_id: int, lang: str, first: bool, bonus: int) -> str:
    balance = await store.read(ledger.balance, user_id)
    if not first:
        return t(lang, "already_accepted") + "\n" + t(lang, "welcome_back", balance=balance)
    bonus_line = t(lang, "welcome_bonus_line", bonus=bonus) if bonus else ""
    return t(lang, "welcome", bonus_line=bonus_line, balance=balance)


async def accept_terms(query: CallbackQuery, lang: str, store: Store, clock: Clock,
                       update_id: int) -> None:
    sender = query.from_user
    now = int(clock())
    first, bonus = await write_once(store, update_id, now, _register, sender, now)
    await query.answer()
    await keyboards.drop(query)
    await query.bot.send_message(sender.id, await welcome_text(store, sender.id, lang, first,
                                                               bonus),
                                 reply_markup=keyboards.menu(lang))


async def accept_from_group(query: CallbackQuery, callback_data: keyboards.AcceptFromGroup,
                            lang: str, store: Store, clock: Clock, update_id: int) -> None:
    """Accepting after a group's deep link: then the challenge the player came for."""
    await accept_terms(query, lang, store, clock, update_id)
    await offer(query.bot, query.from_user.id, callback_data.lobby_id, lang, store, clock)


def _register(conn: sqlite3.Connection, sender: User, now: int) -> tuple[bool, int]:
    current = load(conn)
    first, bonus = users.register(conn, sender.id, first_name=sender.first_name,
                                  username=sender.username, language_code=sender.language_code,
                                  welcome_bonus=current.welcome_bonus, now=now)
    if first:
        limits.apply_default(conn, sender.id, current.default_daily_loss_limit, now)
    return first, bonus


async def cmd_help(message: Message, lang: str, settings: Settings) -> None:
    fee = settings.house_fee_percent
    fee_part = t(lang, "fee_part", fee=fee) if fee else ""
    await message.answer(t(lang, "help", ttl_minutes=max(1, settings.lobby_ttl_seconds // 60),
                           fee_part=fee_part, tie_rounds=settings.tie_rounds,
                           min_bet=settings.min_bet, max_bet=settings.max_bet)
                         + (t(lang, "help_house") if settings.house_play else "")
                         + t(lang, "help_friendly"))


async def cmd_privacy(message: Message, lang: str) -> None:
    await message.answer(t(lang, "privacy"))


def make_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(accept_terms, keyboards.AcceptTerms.filter())
    router.callback_query.register(accept_from_group, keyboards.AcceptFromGroup.filter())
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, F.text.in_(button_texts("btn_help")))
    router.message.register(cmd_privacy, Command("privacy"))
    return router
