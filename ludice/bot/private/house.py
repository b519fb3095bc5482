"""Duels against the house: /house [bet] [game], the 🏠 button of the game menu, and the
"Play the house instead" button on the notice of a lobby nobody joined. The duel itself is
run like any private duel (ludice.bot.duel); the house's rules are ludice.house's."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User

from ludice import house, ledger, rules
from ludice.bot import keyboards
from ludice.bot.duel import DuelRunner
from ludice.bot.group.play import parse_duel
from ludice.bot.players import touch
from ludice.bot.private.play import MENU_BUTTONS, stake_once
from ludice.bot.texts import game_title, t
from ludice.bot.transport.middlewares import Throttle
from ludice.db import Store
from ludice.games import Entered
from ludice.settings import Settings, load

Clock = Callable[[], float]
Reply = Callable[[str], Awaitable[Any]]


class HouseFlow(StatesGroup):
    choosing_bet = State()


def _play(conn: sqlite3.Connection, sender: User, game: str, bet: int, now: int) -> Entered:
    touch(conn, sender, now)
    return house.play(conn, sender.id, game, bet, settings=load(conn), now=now)


async def _start(sender: User, game: str, bet_text: str, refuse: Reply, *, lang: str,
                 store: Store, duels: DuelRunner, clock: Clock, state: FSMContext,
                 update_id: int) -> bool:
    """Start a duel against the house; a refusal goes to `refuse`. True if it started (the
    runner tells the player, as in any duel)."""
    entered = await stake_once(store, update_id, int(clock()), _play, sender, game, bet_text,
                               lang=lang, refuse=refuse)
    if entered is None:
        return False
    await state.clear()
    duels.start(entered.lobby.id)
    return True


async def cmd_house(message: Message, command: CommandObject, lang: str, settings: Settings,
                    store: Store, duels: DuelRunner, clock: Clock, state: FSMContext,
                    update_id: int) -> None:
    if not settings.house_play:
        await message.answer(t(lang, "house_off"))
        return
    if not command.args:
        await message.answer(t(lang, "house_choose_game"),
                             reply_markup=keyboards.house_games(lang))
        return
    parsed = parse_duel(command.args, rules.PRIVATE_GAMES)
    if parsed is None:
        await message.answer(t(lang, "house_usage"))
        return
    bet_text, game = parsed
    await _start(message.from_user, game, bet_text, message.answer, lang=lang, store=store,
                 duels=duels, clock=clock, state=state, update_id=update_id)


async def house_menu(query: CallbackQuery, lang: str, settings: Settings) -> None:
    if not settings.house_play:
        await query.answer(t(lang, "house_off"), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t(lang, "house_choose_game"),
                                   reply_markup=keyboards.house_games(lang))


async def house_game(query: CallbackQuery, callback_data: keyboards.HouseGame, lang: str,
                     settings: Settings, store: Store, state: FSMContext) -> None:
    if not settings.house_play:
        await query.answer(t(lang, "house_off"), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    game, limit = callback_data.game, settings.house_bet_limit
    balance = await store.read(ledger.balance, query.from_user.id)
    await state.set_state(HouseFlow.choosing_bet)
    await state.update_data(game=game)
    amounts = tuple(b for b in settings.quick_bets if settings.min_bet <= b <= limit)
    await query.message.answer(
        t(lang, "house_bet_prompt", emoji=rules.GAMES[game].emoji, game=game_title(lang, game),
          min_bet=settings.min_bet, max_bet=limit, balance=balance),
        reply_markup=keyboards.bets(game, amounts, house=True))


async def house_bet(query: CallbackQuery, callback_data: keyboards.HouseBet, lang: str,
                    store: Store, duels: DuelRunner, clock: Clock, state: FSMContext,
                    update_id: int) -> None:
    async def refuse(text: str) -> None:  # the button itself says why, as an alert
        await query.answer(text, show_alert=True)

    if await _start(query.from_user, callback_data.game, str(callback_data.amount), refuse,
                    lang=lang, store=store, duels=duels, clock=clock, state=state,
                    update_id=update_id):
        await query.answer()


async def typed_bet(message: Message, state: FSMContext, lang: str, store: Store,
                    duels: DuelRunner, clock: Clock, update_id: int) -> None:
    game = (await state.get_data()).get("game", "dice")
    await _start(message.from_user, game, message.text, message.answer, lang=lang,
                 store=store, duels=duels, clock=clock, state=state, update_id=update_id)


def instead_offer(store: Store) -> Callable[[str, str, dict[str, Any]],
                                            Awaitable[InlineKeyboardMarkup | None]]:
    """The buttons of a private outbox message (ludice.bot.transport.mailer): a lobby
    nobody joined offers the same game and bet against the house, while the house would
    take it."""
    async def buttons(lang: str, key: str, params: dict[str, Any]
                      ) -> InlineKeyboardMarkup | None:
        game, bet = params.get("game"), params.get("bet")
        if key != "lobby_expired" or not bet or game not in rules.PRIVATE_GAMES:
            return None
        settings = await store.read(load)
        if not settings.house_play or bet > settings.house_bet_limit:
            return None
        return keyboards.house_instead(lang, game, bet)

    return buttons


def make_router() -> Router:
    router = Router(name="house")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.middleware(Throttle())
    router.callback_query.middleware(Throttle())
    router.message.register(cmd_house, Command("house"))
    router.callback_query.register(house_menu, keyboards.HouseMenu.filter())
    router.callback_query.register(
        house_game, keyboards.HouseGame.filter(F.game.in_(rules.PRIVATE_GAMES)))
    router.callback_query.register(
        house_bet, keyboards.HouseBet.filter(F.game.in_(rules.PRIVATE_GAMES)))
    router.message.register(typed_bet, StateFilter(HouseFlow.choosing_bet), F.text,
                            ~F.text.startswith("/"), ~F.text.in_(MENU_BUTTONS))
    return router
