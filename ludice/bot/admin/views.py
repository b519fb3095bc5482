"""What admins read: /lobbies, /settings, /stats and /audit, each the same domain call as its
CLI command (`ludice lobby list`, `settings show`, `stats`, `audit`), on the bot's reader."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from ludice import games, ledger, reports
from ludice import settings as game_settings
from ludice.bot.texts import t
from ludice.db import Store
from ludice.rules import GAMES

# A message holds at most 4096 characters: 15 lobbies with the longest group titles and six
# players each fit, and so do 20 audit problems.
LOBBIES_SHOWN = 15
PROBLEMS_SHOWN = 20


async def lobbies(lang: str, store: Store) -> str:
    rows = await store.read(games.listing, include_closed=False, limit=LOBBIES_SHOWN)
    if not rows:
        return t(lang, "admin_lobbies_none")
    lines = [t(lang, "admin_lobby_line", lobby_id=r["id"], emoji=GAMES[r["game"]].emoji,
               bet=r["bet"], status=t(lang, f"admin_status_{r['status']}"),
               players=escape(r["players"] or "-"),
               where=(escape(r["group_title"] or str(r["chat_id"])) if r["chat_id"]
                      else t(lang, "admin_lobby_private")))
             for r in rows]
    return "\n".join([t(lang, "admin_lobbies"), *lines])


def _described(conn: sqlite3.Connection) -> list[dict[str, str]]:
    return game_settings.described(game_settings.load(conn))


async def settings(lang: str, store: Store) -> str:
    lines = [t(lang, "admin_setting_line", setting=r["key"], value=escape(r["value"]),
               meaning=escape(r["meaning"]),
               default=(t(lang, "admin_setting_default", default=escape(r["default"]))
                        if r["default"] else ""))
             for r in await store.read(_described)]
    return "\n".join([t(lang, "admin_settings"), *lines])


async def stats(lang: str, store: Store) -> str:
    figures = await store.report(reports.stats)
    lines = [f"<code>{escape(key)}</code>: {escape(str(value))}" for key, value in figures.items()]
    return "\n".join([t(lang, "admin_stats"), *lines])


async def audit(lang: str, store: Store) -> str:
    problems = await store.report(ledger.audit)
    if not problems:
        return t(lang, "admin_audit_ok")
    shown = [f"• {escape(p[:150])}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        shown.append("• …")
    return t(lang, "admin_audit_bad", count=len(problems), problems="\n".join(shown))


VIEWS: dict[str, Callable[[str, Store], Awaitable[str]]] = {
    "lobbies": lobbies, "settings": settings, "stats": stats, "audit": audit,
}


def _command(view: Callable[[str, Store], Awaitable[str]]) -> Callable[..., Awaitable[None]]:
    async def handler(message: Message, lang: str, store: Store) -> None:
        await message.answer(await view(lang, store))

    handler.__name__ = handler.__qualname__ = f"cmd_{view.__name__}"
    return handler


def register(router: Router) -> None:
    for name, view in VIEWS.items():
        router.message.register(_command(view), Command(name))
