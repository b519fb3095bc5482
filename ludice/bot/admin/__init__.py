"""Admin commands in a private chat, for the ids in --admins / LUDICE_ADMINS only: the CLI's
admin tools through the same domain functions (ludice.admin for the changes). The router lets
nobody else's message or button in, so those fall through to the ordinary answers of
ludice.bot.fallback: an unknown command, a stale button. Nothing tells that admin commands
exist."""

from __future__ import annotations

from aiogram import F, Router

# What admins may use before (or without ever) accepting the players' terms: running the bot
# is not playing. The callback data prefixes are those of confirm.AdminConfirm and
# menu.AdminView.
COMMANDS = frozenset({"/admin", "/user", "/ban", "/unban", "/adjust", "/lobbies", "/cancel",
                      "/refund", "/settings", "/set", "/stats", "/audit", "/status"})
BUTTONS = ("ac:", "av:")


def routers() -> list[Router]:
    """Fresh routers for one dispatcher (aiogram attaches a router to one parent only)."""
    from ludice.bot.admin import changes, confirm, menu, people, views
    from ludice.bot.status import is_admin

    router = Router(name="admin")
    router.message.filter(F.chat.type == "private", is_admin)
    router.callback_query.filter(F.message.chat.type == "private", is_admin)
    for part in (menu, people, views, changes, confirm):
        part.register(router)
    return [router]
