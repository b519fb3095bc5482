"""/top: in a group, its leaderboard (by net winnings and by wins, this week and all time);
in private, the player's own rank in each group they played in."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from ludice import leaderboard
from ludice.bot.group.play import playing_here
from ludice.bot.texts import t
from ludice.bot.transport.middlewares import GROUP_CHATS, Throttle
from ludice.db import Store
from ludice.groups import Group
from ludice.users import User

Clock = Callable[[], float]
MEDALS = ("🥇", "🥈", "🥉")


def _boards(conn: sqlite3.Connection, chat_id: int, now: int) -> tuple[dict, dict]:
    since = leaderboard.week_start(now)
    return (leaderboard.group_top(conn, chat_id, since=since),
            leaderboard.group_top(conn, chat_id))


def _ranking(lang: str, rows: list[tuple[str, int]], signed: bool) -> str:
    if not rows:
        return t(lang, "top_none")
    parts = []
    for i, (name, value) in enumerate(rows):
        place = MEDALS[i] if i < len(MEDALS) else f"{i + 1}."
        parts.append(f"{place} {escape(name)} {value:+d}" if signed
                     else f"{place} {escape(name)} {value}")
    return " · ".join(parts)


async def group_top(message: Message, group: Group | None, store: Store, clock: Clock) -> None:
    if not await playing_here(message, group):
        return
    lang = group.lang
    week, ever = await store.report(_boards, message.chat.id, int(clock()))
    lines = [t(lang, "top_title", title=escape(group.title))]
    for heading, board in (("top_week", week), ("top_all", ever)):
        lines += ["", t(lang, heading),
                  t(lang, "top_by_net", ranking=_ranking(lang, board["net"], signed=True)),
                  t(lang, "top_by_wins", ranking=_ranking(lang, board["wins"], signed=False))]
    await message.reply("\n".join(lines))


async def private_top(message: Message, player: User, lang: str, store: Store) -> None:
    ranks = await store.report(leaderboard.player_ranks, player.id)
    if not ranks:
        await message.answer(t(lang, "top_private_none"))
        return
    lines = [t(lang, "top_private_title")]
    lines += [t(lang, "top_private_line", **{**r, "title": escape(r["title"])}) for r in ranks]
    await message.answer("\n".join(lines))


def make_router() -> Router:
    router = Router(name="top")
    router.message.middleware(Throttle())
    router.message.register(group_top, Command("top"), F.chat.type.in_(GROUP_CHATS))
    router.message.register(private_top, Command("top"), F.chat.type == "private")
    return router
