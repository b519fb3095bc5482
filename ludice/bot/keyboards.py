"""Keyboards and the callback data they carry. Callback data is client-controlled: handlers
re-check every field against the database, and every number is bounded to what SQLite can
hold, so a forged oversized one simply doesn't match (the stale-button answer)."""

from __future__ import annotations

import contextlib
from typing import Annotated

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder
from pydantic import Field

from ludice.bot.texts import game_title, t
from ludice.rules import GAMES, PRIVATE_GAMES

MAX_ID = 2**63  # SQLite's INTEGER is signed 64-bit: anything above can't name a row
Number = Annotated[int, Field(ge=0, lt=MAX_ID)]


class AcceptTerms(CallbackData, prefix="terms"):
    pass


class ChooseGame(CallbackData, prefix="game"):
    game: str


class ChooseBet(CallbackData, prefix="bet"):
    game: str
    amount: Number


class HouseMenu(CallbackData, prefix="hm"):
    pass


class HouseGame(CallbackData, prefix="hg"):
    game: str


class HouseBet(CallbackData, prefix="hb"):
    game: str
    amount: Number


class LeaveLobby(CallbackData, prefix="leave"):
    lobby_id: Number


class AcceptFromGroup(CallbackData, prefix="tg"):
    """Accept the terms after following a group's deep link; lobby_id 0: no challenge yet."""
    lobby_id: Number


class GroupJoin(CallbackData, prefix="gj"):
    lobby_id: Number


class GroupCancel(CallbackData, prefix="gc"):
    lobby_id: Number


class GroupStart(CallbackData, prefix="gs"):
    lobby_id: Number


class Rematch(CallbackData, prefix="gr"):
    lobby_id: Number


class JoinFromPrivate(CallbackData, prefix="gp"):
    lobby_id: Number


class ChoosePack(CallbackData, prefix="pack"):
    stars: Number


class ClaimBonus(CallbackData, prefix="bonus"):
    pass


def terms(lang: str, from_lobby: int | None = None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    data = AcceptTerms() if from_lobby is None else AcceptFromGroup(lobby_id=from_lobby)
    kb.button(text=t(lang, "terms_button"), callback_data=data)
    return kb.as_markup()


def is_accept(data: str | None) -> bool:
    """Whether callback data is one of the Accept buttons (open before the terms)."""
    if data == AcceptTerms().pack():
        return True
    try:
        AcceptFromGroup.unpack(data or "")
    except (TypeError, ValueError):
        return False
    return True


def card(lang: str, lobby_id: int, can_start: bool) -> InlineKeyboardMarkup:
    """The buttons of an open challenge card. Everyone sees the same buttons; who may press
    which is checked when pressed."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_join"), callback_data=GroupJoin(lobby_id=lobby_id))
    kb.button(text=t(lang, "btn_cancel"), callback_data=GroupCancel(lobby_id=lobby_id))
    if can_start:
        kb.button(text=t(lang, "btn_start"), callback_data=GroupStart(lobby_id=lobby_id))
    kb.adjust(2)
    return kb.as_markup()


def rematch(lang: str, lobby_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_rematch"), callback_data=Rematch(lobby_id=lobby_id))
    return kb.as_markup()


def open_bot(lang: str, url: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "group_terms_button"), url=url)
    return kb.as_markup()


def join_from_private(lang: str, lobby_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_join_private", lobby_id=lobby_id),
              callback_data=JoinFromPrivate(lobby_id=lobby_id))
    return kb.as_markup()


def menu(lang: str) -> ReplyKeyboardMarkup:
    kb = ReplyKeyboardBuilder()
    for key in ("btn_play", "btn_profile", "btn_topup", "btn_help"):
        kb.button(text=t(lang, key))
    kb.adjust(2)
    return kb.as_markup(resize_keyboard=True, is_persistent=True)


def games(lang: str, house: bool = False) -> InlineKeyboardMarkup:
    """The game menu; with `house`, a way to duel the house below the games."""
    kb = InlineKeyboardBuilder()
    for name in PRIVATE_GAMES:
        kb.button(text=f"{GAMES[name].emoji} {game_title(lang, name)}",
                  callback_data=ChooseGame(game=name))
    if house:
        kb.button(text=t(lang, "btn_house"), callback_data=HouseMenu())
    kb.adjust(len(PRIVATE_GAMES), 1)
    return kb.as_markup()


def house_games(lang: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for name in PRIVATE_GAMES:
        kb.button(text=f"{GAMES[name].emoji} {game_title(lang, name)}",
                  callback_data=HouseGame(game=name))
    return kb.as_markup()


def bets(game: str, amounts: tuple[int, ...], lang: str | None = None,
         house: bool = False) -> InlineKeyboardMarkup:
    """Quick bets; with `lang`, a "just for fun" (0) bet after them (never against the
    house, who plays for credits only)."""
    kb = InlineKeyboardBuilder()
    for amount in amounts:
        data = (HouseBet if house else ChooseBet)(game=game, amount=amount)
        kb.button(text=str(amount), callback_data=data)
    rows = [4] * ((len(amounts) + 3) // 4)
    if lang is not None and not house:
        kb.button(text=t(lang, "btn_friendly"), callback_data=ChooseBet(game=game, amount=0))
        rows.append(1)
    kb.adjust(*(rows or [4]))
    return kb.as_markup()


def house_instead(lang: str, game: str, bet: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "btn_house_instead"), callback_data=HouseBet(game=game, amount=bet))
    return kb.as_markup()


def leave(lang: str, lobby_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t(lang, "leave_button"), callback_data=LeaveLobby(lobby_id=lobby_id))
    return kb.as_markup()


async def drop(query: CallbackQuery) -> None:
    """Remove the inline keyboard a button was pressed on. A message without one any more
    (a replayed button, a double tap) or one Telegram won't edit is left alone: that is not
    an error the player should hear about."""
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


def packs(lang: str, stars: tuple[int, ...], rate: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for amount in stars:
        kb.button(text=t(lang, "pack_button", stars=amount, credits=amount * rate),
                  callback_data=ChoosePack(stars=amount))
    kb.adjust(2)
    return kb.as_markup()

