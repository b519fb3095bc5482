"""Private chats with the bot: terms, matchmaking duels, duels against the house, profile and
history, Stars top-ups, /limits."""

from __future__ import annotations

from aiogram import Router


def routers() -> list[Router]:
    """Fresh routers for one dispatcher (aiogram attaches a router to one parent only)."""
    # Imported here: a package's __init__ runs whenever any module in it is imported.
    from ludice.bot.private import house, limits, payments, play, profile, start

    return [start.make_router(), play.make_router(), house.make_router(),
            profile.make_router(), payments.make_router(), limits.make_router()]
