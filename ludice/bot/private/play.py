"""Choosing a game and a bet, matchmaking, and leaving a lobby before it fills."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User

from ludice import games, ledger, refunds, rules
from ludice.bot import keyboards
from ludice.bot.duel import DuelRunner
from ludice.bot.players import touch
from ludice.bot.texts import button_texts, game_title, refusal, t
from ludice.bot.transport.mailer import Mailer
from ludice.bot.transport.middlewares import Throttle
from ludice.db import Store
from ludice.redelivery import write_once
from ludice.scheduler import Jobs
from ludice.settings import Settings, load

Clock = Callable[[], float]
# Menu taps while a bet is awaited are menu taps, not bets (the menu handlers come later).
MENU_BUTTONS = frozenset().union(*(button_texts(key) for key in
                                   ("btn_play", "btn_profile", "btn_topup", "btn_help")))


class PlayFlow(StatesGroup):
    choosing_bet = State()


def _enter(conn: sqlite3.Connection, sender: User, game: str, bet: int, now: int
           ) -> games.Entered:
    touch(conn, sender, now)
    return games.enter(conn, sender.id, game, bet, settings=load(conn), now=now)


async def stake_once(store: Store, update_id: int, now: int,
                     unit: Callable[..., games.Entered], sender: User, game: str, bet_text: str,
                     *, lang: str, refuse: Callable[[str], Awaitable]) -> games.Entered | None:
    """Read the bet and run `unit` (which takes the stake) once for this update; a refusal
    goes to `refuse` and gives None. Matchmaking and the house both stake this way."""
    try:
        bet = rules.parse_bet(bet_text)
        return await write_once(store, update_id, now, unit, sender, game, bet, now)
    except rules.BetRefused as refused:
        await refuse(t(lang, refused.reason, limit=refused.limit))
    except games.GameRefused as refused:
        await refuse(refusal(lang, refused))
    return None


async def _play(message: Message, sender: User, game: str, bet_text: str, *, lang: str,
                store: Store, duels: DuelRunner, jobs: Jobs, clock: Clock,
                state: FSMContext, update_id: int,
                refuse: Callable[[str], Awaitable] | None = None) -> bool:
    """Enter matchmaking; a refusal goes to `refuse` (default: a reply). True if entered."""
    now = int(clock())
    entered = await stake_once(store, update_id, now, _enter, sender, game, bet_text,
                               lang=lang, refuse=refuse or message.answer)
    if entered is None:
        return False
    await state.clear()
    lobby = entered.lobby
    if entered.started:
        duels.start(lobby.id)  # its start message tells this player: one send, not two
        return True
    jobs.schedule_expiry(lobby.id, lobby.expires_at)
    expires = datetime.fromtimestamp(lobby.expires_at, UTC).strftime("%H:%M:%S")
    waiting_key = "lobby_waiting" if lobby.bet else "friendly_waiting"
    waiting = await message.answer(
        t(lang, waiting_key, emoji=lobby.emoji, lobby_id=lobby.id, bet=lobby.bet,
          minutes=max(1, round((lobby.expires_at - now) / 60)), expires_at=expires),
        reply_markup=keyboards.leave(lang, lobby.id),
    )
    duels.note_lobby_message(lobby.id, waiting.chat.id, waiting.message_id)
    return True


async def _ask_bet(message: Message, user_id: int, game: str, *, lang: str, store: Store,
                   settings: Settings, state: FSMContext) -> None:
    balance = await store.read(ledger.balance, user_id)
    await state.set_state(PlayFlow.choosing_bet)
    await state.update_data(game=game)
    await message.answer(
        t(lang, "bet_prompt", emoji=rules.GAMES[game].emoji, game=game_title(lang, game),
          min_bet=settings.min_bet, max_bet=settings.max_bet, balance=balance),
        reply_markup=keyboards.bets(game, tuple(b for b in settings.quick_bets
                                                if settings.min_bet <= b <= settings.max_bet),
                                    lang),
    )


async def cmd_play(message: Message, command: CommandObject, lang: str, store: Store,
                   settings: Settings, duels: DuelRunner, jobs: Jobs, clock: Clock,
                   state: FSMContext, update_id: int) -> None:
    game = "darts" if command.command.lower() == "darts" else "dice"
    if command.args:
        await _play(message, message.from_user, game, command.args, lang=lang, store=store,
                    duels=duels, jobs=jobs, clock=clock, state=state, update_id=update_id)
    elif command.command.lower() == "play":
        await message.answer(t(lang, "choose_game"),
                             reply_markup=keyboards.games(lang, settings.house_play))
    else:
        await _ask_bet(message, message.from_user.id, game, lang=lang, store=store,
                       settings=settings, state=state)


async def btn_play(message: Message, lang: str, settings: Settings) -> None:
    await message.answer(t(lang, "choose_game"),
                         reply_markup=keyboards.games(lang, settings.house_play))


async def choose_game(query: CallbackQuery, callback_data: keyboards.ChooseGame, lang: str,
                      store: Store, settings: Settings, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _ask_bet(query.message, query.from_user.id, callback_data.game, lang=lang,
                       store=store, settings=settings, state=state)


async def choose_bet(query: CallbackQuery, callback_data: keyboards.ChooseBet, lang: str,
                     store: Store, duels: DuelRunner, jobs: Jobs, clock: Clock,
                     state: FSMContext, update_id: int) -> None:
    if not isinstance(query.message, Message):
        await query.answer(t(lang, "stale_button"), show_alert=True)
        return

    async def refuse(text: str) -> None:  # the button itself says why, as an alert
        await query.answer(text, show_alert=True)

    if await _play(query.message, query.from_user, callback_data.game,
                   str(callback_data.amount), lang=lang, store=store, duels=duels, jobs=jobs,
                   clock=clock, state=state, update_id=update_id, refuse=refuse):
        await query.answer()


async def typed_bet(message: Message, state: FSMContext, lang: str, store: Store,
                    duels: DuelRunner, jobs: Jobs, clock: Clock, update_id: int) -> None:
    game = (await state.get_data()).get("game", "dice")
    await _play(message, message.from_user, game, message.text, lang=lang, store=store,
                duels=duels, jobs=jobs, clock=clock, state=state, update_id=update_id)


async def cmd_leave(message: Message, lang: str, store: Store, mailer: Mailer,
                    clock: Clock, update_id: int) -> None:
    await _leave(message.answer, message.from_user, None, lang=lang, store=store,
                 mailer=mailer, clock=clock, update_id=update_id)


async def leave_button(query: CallbackQuery, callback_data: keyboards.LeaveLobby, lang: str,
                       store: Store, mailer: Mailer, clock: Clock,
                       update_id: int) -> None:
    async def reply(text: str) -> None:
        await query.answer(text, show_alert=True)
        await keyboards.drop(query)

    await _leave(reply, query.from_user, callback_data.lobby_id, lang=lang, store=store,
                 mailer=mailer, clock=clock, update_id=update_id)


def _leave_unit(conn: sqlite3.Connection, sender: User, lobby_id: int | None, now: int
                ) -> tuple[games.Lobby, int]:
    touch(conn, sender, now)
    lobby = refunds.leave(conn, sender.id, lobby_id, now=now)
    return lobby, ledger.balance(conn, sender.id)


async def _leave(reply: Callable, sender: User, lobby_id: int | None, *, lang: str,
                 store: Store, mailer: Mailer, clock: Clock, update_id: int) -> None:
    now = int(clock())
    try:
        lobby, balance = await write_once(store, update_id, now, _leave_unit, sender,
                                          lobby_id, now)
    except games.GameRefused as refused:
        await reply(refusal(lang, refused))
        return
    mailer.kick()  # a group challenge withdrawn from here: its card and its other players
    await reply(t(lang, "lobby_left", lobby_id=lobby.id, bet=lobby.bet, balance=balance))


def make_router() -> Router:
    """A fresh router (with its own throttle) per dispatcher: aiogram attaches a router to
    one parent only, and throttle state belongs to one running bot."""
    router = Router(name="play")
    router.message.filter(F.chat.type == "private")  # groups have their own commands
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.middleware(Throttle())
    router.callback_query.middleware(Throttle())
    router.message.register(cmd_play, Command("play", "dice", "darts"))
    router.message.register(btn_play, F.text.in_(button_texts("btn_play")))
    router.callback_query.register(
        choose_game, keyboards.ChooseGame.filter(F.game.in_(rules.PRIVATE_GAMES)))
    router.callback_query.register(
        choose_bet, keyboards.ChooseBet.filter(F.game.in_(rules.PRIVATE_GAMES)))
    router.message.register(typed_bet, StateFilter(PlayFlow.choosing_bet), F.text,
                            ~F.text.startswith("/"), ~F.text.in_(MENU_BUTTONS))
    router.message.register(cmd_leave, Command("leave"))
    router.callback_query.register(leave_button, keyboards.LeaveLobby.filter())
    return router
