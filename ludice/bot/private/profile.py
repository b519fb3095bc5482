"""/profile (with its way to /limits) and /history."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from ludice import leaderboard, ledger
from ludice.bot import limit_keyboards
from ludice.bot.texts import CATALOGS, button_texts, t
from ludice.db import Store
from ludice.settings import Settings
from ludice.users import User

HISTORY_SIZE = 15


def _profile(conn: sqlite3.Connection, user_id: int) -> tuple[dict, dict]:
    """The balance and the games against people; the games against the house apart."""
    return ({"balance": ledger.balance(conn, user_id), **leaderboard.player_stats(conn, user_id)},
            leaderboard.player_stats(conn, user_id, house=True))


async def cmd_profile(message: Message, player: User, lang: str, store: Store,
                      settings: Settings) -> None:
    figures, against_house = await store.report(_profile, player.id)
    house_line = ("\n" + t(lang, "profile_house", count=against_house["games"],
                            **against_house) if against_house["games"] else "")
    await message.answer(t(lang, "profile", name=escape(player.first_name or player.label),
                           **figures) + house_line,
                         reply_markup=limit_keyboards.profile(lang, bool(settings.daily_bonus)))


def describe(lang: str, user_id: int, entry: ledger.Transfer) -> str:
    sign = "+" if entry.credit_id == user_id else "−"
    ref = entry.reference.removeprefix("lobby ").split(" ")[0] if entry.reference else ""
    key = f"h_{entry.kind}" if f"h_{entry.kind}" in CATALOGS["en"] else "h_other"
    label = t(lang, key, ref=f"#{ref}" if ref.isdigit() else ref, kind=entry.kind)
    stamp = datetime.fromtimestamp(entry.created_at, UTC).strftime("%d.%m %H:%M")
    return f"{stamp}  {sign}{entry.amount}  {label}"



async def cmd_history(message: Message, player: User, lang: str, store: Store) -> None:
    entries = await store.report(ledger.history, player.id, HISTORY_SIZE)
    if not entries:
        await message.answer(t(lang, "history_empty"))
        return
    lines = [describe(lang, player.id, e) for e in entries]
    await message.answer(t(lang, "history_title") + "\n" + "\n".join(lines))


def make_router() -> Router:
    router = Router(name="profile")
    router.message.filter(F.chat.type == "private")  # groups have their own commands
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_profile, Command("profile"))
    router.message.register(cmd_profile, F.text.in_(button_texts("btn_profile")))
    router.message.register(cmd_history, Command("history"))
    return router
