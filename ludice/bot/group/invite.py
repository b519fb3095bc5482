"""Coming from a group through a deep link (t.me/<bot>?start=g<lobby>): accept the terms in
private, then join the challenge with one more tap here. The tap is the player's own
decision to stake; a link alone never takes credits, so a link posted by someone else can't
spend anybody's balance."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from html import escape

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from ludice import challenges, games, users
from ludice.bot import keyboards
from ludice.bot.duel import DuelRunner
from ludice.bot.group.admin import is_member
from ludice.bot.group.cards import Cards
from ludice.bot.group.play import join_unit, seated
from ludice.bot.texts import game_title, t
from ludice.bot.transport.mailer import Mailer
from ludice.db import Store
from ludice.games import GameRefused
from ludice.redelivery import write_once
from ludice.rules import GAMES
from ludice.scheduler import Jobs

Clock = Callable[[], float]


def lobby_from(payload: str | None) -> int | None:
    """The lobby a /start payload names: "g12" -> 12, "g0" -> 0 (from a group, no lobby)."""
    if payload and payload.startswith("g") and payload[1:].isascii() and payload[1:].isdigit():
        lobby_id = int(payload[1:])
        return lobby_id if lobby_id < keyboards.MAX_ID else None  # no such row can exist
    return None


def _offer(conn: sqlite3.Connection, lobby_id: int) -> tuple[challenges.Card | None, str]:
    view = challenges.card(conn, lobby_id)
    title = games.group_title(conn, view.extra.chat_id) if view else ""
    return view, title


async def offer(bot: Bot, user_id: int, lobby_id: int, lang: str, store: Store, clock: Clock
                ) -> None:
    """In private: the challenge the player came for, with a Join button (or why not)."""
    if lobby_id == 0:
        await bot.send_message(user_id, t(lang, "group_back"))
        return
    view, title = await store.read(_offer, lobby_id)
    if view is None:
        await bot.send_message(user_id, t(lang, "unknown_lobby"))
        return
    lobby = view.lobby
    if lobby.status != "open" or lobby.expires_at <= clock():
        await bot.send_message(user_id, t(lang, "lobby_started" if lobby.status == "rolling"
                                          else "lobby_closed"))
        return
    await bot.send_message(
        user_id, t(lang, "private_join_offer", emoji=GAMES[lobby.game].emoji, lobby_id=lobby.id,
                   group=escape(title), game=game_title(lang, lobby.game), bet=lobby.bet,
                   left=lobby.seats - len(view.players)),
        reply_markup=keyboards.join_from_private(lang, lobby.id))


async def join_from_private(query: CallbackQuery, callback_data: keyboards.JoinFromPrivate,
                            player: users.User, lang: str, store: Store, clock: Clock,
                            cards: Cards, duels: DuelRunner, jobs: Jobs, mailer: Mailer,
                            update_id: int) -> None:
    view, title = await store.read(_offer, callback_data.lobby_id)
    if view is None:
        await query.answer(t(lang, "unknown_lobby"), show_alert=True)
        return
    # Only members of the group sit at its table, whoever learnt the lobby's number.
    if not await is_member(query.bot, view.extra.chat_id, query.from_user.id):
        await query.answer(t(lang, "unknown_lobby"), show_alert=True)
        return
    try:
        now = int(clock())
        entered = await write_once(store, update_id, now, join_unit, query.from_user,
                                   callback_data.lobby_id, None, now)
    except GameRefused as refused:
        await query.answer(t(lang, refused.reason, **refused.details), show_alert=True)
        return
    await query.answer()
    await keyboards.drop(query)
    await query.bot.send_message(query.from_user.id, t(lang, "private_joined",
                                                       lobby_id=entered.lobby.id,
                                                       group=escape(title)))
    await seated(entered, store=store, cards=cards, duels=duels, jobs=jobs, mailer=mailer)


def make_router() -> Router:
    router = Router(name="group_invite")
    router.callback_query.filter(F.message.chat.type == "private")
    router.callback_query.register(join_from_private, keyboards.JoinFromPrivate.filter())
    return router
