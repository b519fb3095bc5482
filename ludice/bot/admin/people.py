"""/user: a player's card, as `ludice user show` has it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from html import escape
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from ludice import users
from ludice.bot.admin.confirm import say
from ludice.bot.texts import t
from ludice.config import Config
from ludice.db import Store
from ludice.errors import UnknownUser


def stamp(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _card(conn: sqlite3.Connection, ref: str, admins: frozenset[int]) -> dict[str, Any]:
    return users.card(conn, users.resolve(conn, ref), admins)


def render_card(lang: str, card: dict[str, Any]) -> str:
    yes, no = t(lang, "admin_yes"), t(lang, "admin_no")
    banned = no
    if card["banned"]:
        banned = t(lang, "admin_banned_since", when=stamp(card["banned"]),
                   reason=escape(card["ban_reason"]))
        if card["banned_by"]:
            banned = t(lang, "admin_banned_by", banned=banned, by=card["banned_by"])
    return t(lang, "admin_card", name=escape(card["first_name"] or str(card["id"])),
             username=escape(f"@{card['username']}") if card["username"] else "",
             id=card["id"], balance=card["balance"], language=escape(card["language"] or "-"),
             admin=yes if card["admin"] else no,
             terms=stamp(card["terms_accepted"]) if card["terms_accepted"] else no,
             banned=banned, created=stamp(card["created"]), last_seen=stamp(card["last_seen"]))


async def cmd_user(message: Message, command: CommandObject, lang: str, store: Store,
                   config: Config) -> None:
    ref = (command.args or "").strip()
    if not ref or len(ref.split()) > 1:
        await message.answer(t(lang, "admin_usage_user"))
        return
    try:
        card = await store.read(_card, ref, config.admins)
    except UnknownUser:
        await message.answer(say(lang, "admin_unknown_user", ref=ref))
        return
    await message.answer(render_card(lang, card))


def register(router: Router) -> None:
    router.message.register(cmd_user, Command("user"))
