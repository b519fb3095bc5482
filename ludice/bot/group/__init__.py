"""Group chats: opt-in and settings, challenge cards, group duels and throw-your-own rounds,
invitations through deep links, leaderboards."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    """Fresh routers for one dispatcher (aiogram attaches a router to one parent only)."""
    # Imported here: a package's __init__ runs whenever any module in it is imported, and
    # these handlers need the duel runner, which needs this package's group rounds.
    from ludice.bot.group import admin, invite, play, throws, top

    return [invite.make_router(), admin.make_router(), play.make_router(),
            throws.make_router(), top.make_router()]
