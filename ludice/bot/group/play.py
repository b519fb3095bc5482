"""Challenges in a group: /duel, the card's Join / Cancel / Start buttons, Rematch, and /help
in a group. Members who never accepted the terms get a deep link to a private chat instead of
a seat: no stake is ever taken from someone who did not accept them."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User

from ludice import challenges, rules, users, windows
from ludice.bot import keyboards
from ludice.bot.duel import DuelRunner
from ludice.bot.group.admin import describe_mode, is_member, topic_of
from ludice.bot.group.cards import Cards
from ludice.bot.players import accepted, touch
from ludice.bot.texts import CATALOGS, language, refusal, t
from ludice.bot.transport.mailer import Mailer
from ludice.bot.transport.middlewares import GROUP_CHATS, Throttle
from ludice.db import Store
from ludice.games import Entered, GameRefused
from ludice.groups import Group
from ludice.redelivery import write_once
from ludice.scheduler import Jobs
from ludice.settings import Settings, load

Clock = Callable[[], float]
# Refusals by a player's own limits, time-out or exclusion: their business, not the group's.
PRIVATE_REFUSALS = frozenset({"timeout_active", "exclusion_active",
                              *(f"{why}_{item}" for why in ("over", "above")
                                for item in windows.ITEMS)})
# Game names as players type them, in every language we speak ("дартс" is darts).
GAME_WORDS = {catalog[f"game_{name}"].lower(): name
              for catalog in CATALOGS.values() for name in rules.GAMES}


async def deep_link(bot: Bot, payload: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={payload}"


def parse_duel(args: str | None, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    """(bet text, game) from `/duel 50`, `/duel 50 🎯`, `/duel darts 50`; None if unclear.
    Without a game the group's first allowed game is played (dice when allowed)."""
    words = (args or "").split()
    if len(words) == 1:
        return words[0], "dice" if "dice" in allowed else allowed[0]
    if len(words) == 2:
        for i, word in enumerate(words):
            game = rules.game_named(word) or rules.GAMES.get(GAME_WORDS.get(word.lower(), ""))
            if game is not None:
                return words[1 - i], game.name
    return None


def _target(message: Message) -> User | None:
    """The person a `/duel` replies to. In a forum every message of a topic "replies" to the
    topic's first service message: that is no challenge to anybody."""
    reply = message.reply_to_message
    if reply is None or reply.forum_topic_created is not None or reply.from_user is None:
        return None
    return reply.from_user


async def playing_here(message: Message, group: Group | None) -> bool:
    """Play is on and this is the group's game topic; a wrong topic gets one short pointer."""
    if group is None or not group.enabled or not group.present:
        return False
    if not group.plays_in(topic_of(message)):
        await message.reply(t(group.lang, "group_wrong_topic"))
        return False
    return True


def _create(conn: sqlite3.Connection, sender: User, chat_id: int, game: str, bet: int,
            target: tuple[int, str] | None, thread: int | None, now: int) -> Entered:
    touch(conn, sender, now)
    return challenges.create(conn, chat_id, sender.id, game, bet, target=target,
                             thread_id=thread, settings=load(conn), now=now)


async def cmd_duel(message: Message, command: CommandObject, group: Group | None,
                   player: users.User | None, store: Store, clock: Clock, cards: Cards,
                   jobs: Jobs, update_id: int) -> None:
    if message.from_user.is_bot or not await playing_here(message, group):
        return
    lang, sender = group.lang, message.from_user
    if not accepted(player):
        await message.reply(t(lang, "group_terms", name=escape(sender.first_name)),
                            reply_markup=keyboards.open_bot(lang, await deep_link(
                                message.bot, "g0")))
        return
    parsed = parse_duel(command.args, group.games)
    if parsed is None:
        await message.reply(t(lang, "duel_usage"))
        return
    target_user = _target(message)
    if target_user is not None and target_user.is_bot:
        await message.reply(t(lang, "challenge_bot"))
        return
    target = (target_user.id, target_user.first_name) if target_user else None
    try:
        bet = rules.parse_bet(parsed[0])
        now = int(clock())
        entered = await write_once(store, update_id, now, _create, sender, message.chat.id,
                                   parsed[1], bet, target,
                                   message.message_thread_id if topic_of(message) else None,
                                   now)
    except rules.BetRefused as refused:
        await message.reply(t(lang, refused.reason, limit=refused.limit))
        return
    except GameRefused as refused:
        if refused.reason in PRIVATE_REFUSALS:
            await _refuse_privately(message, refused, lang)
            return
        await message.reply(refusal(lang, refused))
        return
    jobs.schedule_expiry(entered.lobby.id, entered.lobby.expires_at)
    await cards.post(entered.lobby.id, reply_to=message)


async def _refuse_privately(message: Message, refused: GameRefused, lang: str) -> None:
    """The group hears a neutral refusal; the player the details, in a private message."""
    sender = message.from_user
    with contextlib.suppress(TelegramAPIError):  # they may have blocked the bot
        await message.bot.send_message(sender.id, refusal(language(sender.language_code),
                                                            refused))
    await message.reply(t(lang, "refused_privately"))


async def seated(entered: Entered, *, store: Store, cards: Cards, duels: DuelRunner,
                 jobs: Jobs, mailer: Mailer) -> None:
    """After someone took a seat: redraw the card; a full lobby starts now."""
    if entered.started:
        await begin(entered.lobby.id, store=store, cards=cards, duels=duels, jobs=jobs,
                    mailer=mailer)
    else:
        await cards.refresh(entered.lobby.id)


async def begin(lobby_id: int, *, store: Store, cards: Cards, duels: DuelRunner, jobs: Jobs,
                mailer: Mailer) -> None:
    extra = await store.read(challenges.get, lobby_id)
    if extra is not None and extra.throw_mode:
        await cards.refresh(lobby_id)
        await jobs.track_turn(lobby_id)  # the round's window closes on its own
        mailer.kick()  # "throw now!" waits in the outbox
    else:
        # One card edit, by the runner: the card shows the first round's label, no
        # separate message announces it.
        duels.start(lobby_id)


def join_unit(conn: sqlite3.Connection, sender: User, lobby_id: int, chat_id: int | None,
              now: int) -> Entered:
    touch(conn, sender, now)
    return challenges.join(conn, lobby_id, sender.id, chat_id=chat_id, now=now)


async def _refuse(query: CallbackQuery, lang: str, refused: GameRefused) -> None:
    await query.answer(t(lang, refused.reason, **refused.details), show_alert=True)


async def join_button(query: CallbackQuery, callback_data: keyboards.GroupJoin,
                      player: users.User | None, lang: str, update_id: int, store: Store,
                      clock: Clock, cards: Cards, duels: DuelRunner, jobs: Jobs,
                      mailer: Mailer) -> None:
    lobby_id = callback_data.lobby_id
    if not accepted(player):
        # Telegram opens this link for the presser: the private chat, with the terms.
        await query.answer(url=await deep_link(query.bot, f"g{lobby_id}"))
        return
    if not await is_member(query.bot, query.message.chat.id, query.from_user.id):
        await query.answer(t(lang, "members_only"), show_alert=True)
        return
    try:
        now = int(clock())
        entered = await write_once(store, update_id, now, join_unit, query.from_user,
                                   lobby_id, query.message.chat.id, now)
    except GameRefused as refused:
        await _refuse(query, lang, refused)
        return
    await query.answer(t(lang, "joined_toast"))
    await seated(entered, store=store, cards=cards, duels=duels, jobs=jobs, mailer=mailer)


async def cancel_button(query: CallbackQuery, callback_data: keyboards.GroupCancel, lang: str,
                        store: Store, clock: Clock, mailer: Mailer, update_id: int) -> None:
    now = int(clock())
    try:
        await write_once(store, update_id, now, challenges.withdraw, callback_data.lobby_id,
                         query.from_user.id, chat_id=query.message.chat.id, now=now)
    except GameRefused as refused:
        await _refuse(query, lang, refused)
        return
    await query.answer(t(lang, "withdrawn_toast"))
    mailer.kick()  # the card redraw and the other players' notices are in the outbox


async def start_button(query: CallbackQuery, callback_data: keyboards.GroupStart, lang: str,
                       update_id: int, store: Store, clock: Clock, cards: Cards,
                       duels: DuelRunner, jobs: Jobs, mailer: Mailer) -> None:
    now = int(clock())
    try:
        lobby = await write_once(store, update_id, now, challenges.start_early,
                                 callback_data.lobby_id, query.from_user.id,
                                 chat_id=query.message.chat.id, now=now)
    except GameRefused as refused:
        await _refuse(query, lang, refused)
        return
    await query.answer(t(lang, "started_toast"))
    await begin(lobby.id, store=store, cards=cards, duels=duels, jobs=jobs, mailer=mailer)


def _rematch(conn: sqlite3.Connection, sender: User, lobby_id: int, chat_id: int, now: int
             ) -> Entered:
    touch(conn, sender, now)
    return challenges.rematch(conn, lobby_id, sender.id, chat_id=chat_id, settings=load(conn),
                              now=now)


async def rematch_button(query: CallbackQuery, callback_data: keyboards.Rematch,
                         player: users.User | None, lang: str, store: Store, clock: Clock,
                         cards: Cards, jobs: Jobs, update_id: int) -> None:
    if not accepted(player):
        await query.answer(url=await deep_link(query.bot, "g0"))
        return
    try:
        now = int(clock())
        entered = await write_once(store, update_id, now, _rematch, query.from_user,
                                   callback_data.lobby_id, query.message.chat.id, now)
    except GameRefused as refused:
        await _refuse(query, lang, refused)
        return
    await query.answer()
    jobs.schedule_expiry(entered.lobby.id, entered.lobby.expires_at)
    extra = await store.read(challenges.get, entered.lobby.id)
    await cards.post(entered.lobby.id, chat_id=extra.chat_id, thread_id=extra.thread_id)


async def cmd_group_help(message: Message, group: Group | None, settings: Settings) -> None:
    if not await playing_here(message, group):
        return
    lang = group.lang
    low, high = group.bet_limits(settings)
    fee = settings.house_fee_percent
    await message.reply(t(lang, "group_help", games=" ".join(
        rules.GAMES[g].emoji for g in group.games), min_bet=low, max_bet=high,
        seats=group.seats, mode=describe_mode(group),
        fee_part=t(lang, "fee_part", fee=fee) if fee else "", tie_rounds=settings.tie_rounds)
        + t(lang, "group_help_friendly"))


def make_router() -> Router:
    router = Router(name="group_play")
    router.message.filter(F.chat.type.in_(GROUP_CHATS))
    router.callback_query.filter(F.message.chat.type.in_(GROUP_CHATS))
    throttle = Throttle()  # typed or pressed, a game action is a game action
    router.message.middleware(throttle)
    router.callback_query.middleware(throttle)
    router.message.register(cmd_duel, Command("duel"))
    router.message.register(cmd_group_help, Command("help"))
    router.callback_query.register(join_button, keyboards.GroupJoin.filter())
    router.callback_query.register(cancel_button, keyboards.GroupCancel.filter())
    router.callback_query.register(start_button, keyboards.GroupStart.filter())
    router.callback_query.register(rematch_button, keyboards.Rematch.filter())
    return router
