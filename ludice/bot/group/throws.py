"""Throw-your-own mode: members' own dice in the group. A die counts only if the domain says
so (ludice.throws.throw: the game's emoji, a player of this round who has not thrown yet,
not forwarded, not sent via a bot, inside the window); anything else from a player gets at
most one short hint per round, and dice from everybody else are none of our business. No
throttle here: a throw is not a button to spam, and a flood of dice is ignored by the rules."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from html import escape

from aiogram import F, Router
from aiogram.types import Message

from ludice import throws
from ludice.bot.duel import DuelRunner
from ludice.bot.group.admin import topic_of
from ludice.bot.players import touch
from ludice.bot.texts import t
from ludice.bot.transport.middlewares import GROUP_CHATS
from ludice.db import Store
from ludice.groups import Group
from ludice.redelivery import write_once
from ludice.rules import GAMES

Clock = Callable[[], float]


def _throw(conn: sqlite3.Connection, message: Message, now: int) -> throws.Throw | None:
    topic = topic_of(message)
    outcome = throws.throw(
        conn, message.chat.id, message.from_user.id, message.dice.emoji, message.dice.value,
        forwarded=message.forward_origin is not None, via_bot=message.via_bot is not None,
        thread_id=message.message_thread_id if topic else None,
        message_id=message.message_id, now=now, sent_at=int(message.date.timestamp()))
    if outcome is not None and outcome.counted:
        touch(conn, message.from_user, now)
    return outcome


class Hints:
    """Who already heard a hint in which round: at most one each, so a player spamming dice
    can't make the bot spam the group back. Forgetting after many entries is harmless."""

    def __init__(self, remember: int = 10_000) -> None:
        self._given: OrderedDict[tuple[int, int, int], None] = OrderedDict()
        self._remember = remember

    def first(self, lobby_id: int, round_no: int, user_id: int) -> bool:
        key = (lobby_id, round_no, user_id)
        if key in self._given:
            return False
        self._given[key] = None
        if len(self._given) > self._remember:
            self._given.popitem(last=False)
        return True


def make_router() -> Router:
    router = Router(name="group_throws")
    router.message.filter(F.chat.type.in_(GROUP_CHATS), F.dice)
    hints = Hints()

    async def on_dice(message: Message, group: Group | None, store: Store, clock: Clock,
                      duels: DuelRunner, update_id: int) -> None:
        if group is None or message.from_user.is_bot:
            return
        # Recorded: a die from round 1 delivered again after a restart must not count as
        # the same player's throw in a tie-break round.
        now = int(clock())
        outcome = await write_once(store, update_id, now, _throw, message, now)
        if outcome is None:
            return
        if outcome.counted:
            if outcome.complete:
                duels.finish_throws(outcome.lobby_id)
            return
        if hints.first(outcome.lobby_id, outcome.round, message.from_user.id):
            await message.reply(t(group.lang, outcome.hint, emoji=GAMES[outcome.game].emoji,
                                  name=escape(message.from_user.first_name)))

    router.message.register(on_dice)
    return router

