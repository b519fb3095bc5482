"""Joining and leaving groups, and /ludice: play on or off and the group's settings. Only
group admins (Telegram's answer to getChatMember, or an admin posting anonymously as the
group) change anything; everyone may look."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import ChatMemberUpdated, Message

from ludice import groups, stranded
from ludice.bot.texts import language, refusal, t
from ludice.bot.transport.mailer import Mailer
from ludice.bot.transport.middlewares import GROUP_CHATS, Throttle
from ludice.db import Store
from ludice.games import GameRefused, Lobby
from ludice.groups import Group
from ludice.redelivery import write_once
from ludice.rules import GAMES
from ludice.scheduler import Jobs
from ludice.settings import Settings, load

log = logging.getLogger(__name__)

Clock = Callable[[], float]
INSIDE = ("member", "administrator", "creator", "restricted")
ADMINS = ("creator", "administrator")
MEMBERS = ("creator", "administrator", "member")


async def is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Whether Telegram counts `user_id` as in the group: its creator, an admin, a member, or
    a restricted user still in the chat. Who may join a group's challenges, whichever way
    they press Join (a public group's card can be pressed by anyone who can read it)."""
    member = await bot.get_chat_member(chat_id, user_id)
    if member.status == "restricted":
        return bool(getattr(member, "is_member", False))
    return member.status in MEMBERS


def topic_of(message: Message) -> int | None:
    """The forum topic a message is in: its thread id, 0 for General, None outside forums."""
    if not message.chat.is_forum:
        return None
    return message.message_thread_id if message.is_topic_message else 0


async def is_admin(bot: Bot, message: Message) -> bool:
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True  # an anonymous admin posts as the group itself
    member = await bot.get_chat_member(message.chat.id, message.from_user.id)
    return member.status in ADMINS


def describe_mode(group: Group) -> str:
    return (t(group.lang, "mode_throw", turn=group.turn_seconds) if group.throw_mode
            else t(group.lang, "mode_bot"))


def describe(group: Group, settings: Settings) -> str:
    lang = group.lang
    low, high = group.bet_limits(settings)
    mode = describe_mode(group)
    topic = (t(lang, "topic_any") if group.topic_id is None or not group.is_forum
             else t(lang, "topic_general") if group.topic_id == 0
             else t(lang, "topic_id", topic=group.topic_id))
    return t(lang, "group_settings", title=escape(group.title),
             state=t(lang, "state_on" if group.enabled else "state_off"),
             games=" ".join(f"{GAMES[g].emoji} {g}" for g in group.games), min_bet=low,
             max_bet=high, seats=group.seats, mode=mode, topic=topic, language=group.lang)


async def bot_membership(event: ChatMemberUpdated, store: Store, clock: Clock, jobs: Jobs,
                         mailer: Mailer, update_id: int) -> None:
    chat = event.chat
    if chat.type not in GROUP_CHATS:
        return
    now = int(clock())
    if event.new_chat_member.status not in INSIDE:
        closed = await write_once(store, update_id, now, _removed, chat.id, now)
        await _stop_turns(jobs, closed)
        mailer.kick()  # players hear about their refunds and results privately
        return
    lang = language(event.from_user.language_code)
    arrived = await write_once(store, update_id, now, groups.seen, chat.id,
                               title=chat.title or "", is_forum=bool(chat.is_forum), lang=lang,
                               now=now)
    if arrived and event.old_chat_member.status not in INSIDE:
        await event.bot.send_message(chat.id, t(lang, "group_intro"))


async def group_moved(message: Message, store: Store, clock: Clock, jobs: Jobs,
                      mailer: Mailer, update_id: int) -> None:
    """A group upgraded to a supergroup gets a new chat id: its settings follow it."""
    now = int(clock())
    closed = await write_once(store, update_id, now, _moved, message.chat.id,
                              message.migrate_to_chat_id, now)
    await _stop_turns(jobs, closed)
    mailer.kick()


def _removed(conn: sqlite3.Connection, chat_id: int, now: int) -> list[Lobby]:
    return stranded.bot_removed(conn, chat_id, settings=load(conn), now=now)


def _moved(conn: sqlite3.Connection, old_id: int, new_id: int, now: int) -> list[Lobby]:
    return stranded.group_moved(conn, old_id, new_id, settings=load(conn), now=now)


async def _stop_turns(jobs: Jobs, closed: list[Lobby]) -> None:
    """Drop the round-closing jobs of lobbies that are over (the expiry timer finds out
    for itself: ludice.scheduler)."""
    for lobby in closed:
        await jobs.track_turn(lobby.id)


def _switch(conn: sqlite3.Connection, message: Message, on: bool, lang: str, now: int
            ) -> tuple[Group, list]:
    chat = message.chat
    groups.seen(conn, chat.id, title=chat.title or "", is_forum=bool(chat.is_forum), lang=lang,
                now=now)
    return groups.set_enabled(conn, chat.id, on, by=message.from_user.id, now=now)


def _configure(conn: sqlite3.Connection, message: Message, args: list[str], lang: str,
               settings: Settings, now: int) -> Group:
    chat = message.chat
    groups.seen(conn, chat.id, title=chat.title or "", is_forum=bool(chat.is_forum), lang=lang,
                now=now)
    return groups.configure(conn, chat.id, args[0], args[1:], settings=settings,
                            thread=topic_of(message), by=message.from_user.id, now=now)


async def cmd_ludice(message: Message, command: CommandObject, group: Group | None,
                     lang: str, settings: Settings, store: Store, clock: Clock,
                     mailer: Mailer, update_id: int) -> None:
    args = (command.args or "").split()
    here = group.lang if group else lang  # what the group reads is in the group's language
    if not args:
        if group is None or not group.enabled:
            await message.reply(t(here, "group_off_status"))
        else:
            await message.reply(describe(group, settings))
        return
    if not await is_admin(message.bot, message):
        await message.reply(t(here, "admins_only"))
        return
    now = int(clock())
    action = args[0].lower()
    log.info("group %s: admin %s ran /ludice %s", message.chat.id, message.from_user.id,
             " ".join(args), extra={"chat_id": message.chat.id, "user_id": message.from_user.id,
                                    "action": action})
    if action in ("on", "off"):
        group, closed = await write_once(store, update_id, now, _switch, message,
                                         action == "on", lang, now)
        mailer.kick()
        await message.reply(t(group.lang, "group_on") if group.enabled
                            else t(group.lang, "group_off_done", count=len(closed)))
        return
    try:
        group = await write_once(store, update_id, now, _configure, message, args, lang,
                                 settings, now)
    except GameRefused as refused:
        await message.reply(refusal(here, refused))
        return
    text = t(group.lang, "setting_saved") + "\n\n" + describe(group, settings)
    if action == "throw" and group.throw_mode and not await _sees_dice(message):
        text += "\n\n" + t(group.lang, "throw_needs_messages")
    await message.reply(text)


async def _sees_dice(message: Message) -> bool:
    """Whether Telegram shows the bot members' own dice: bots in privacy mode only see
    commands and replies, unless they are admins."""
    me = await message.bot.me()
    if me.can_read_all_group_messages:
        return True
    member = await message.bot.get_chat_member(message.chat.id, me.id)
    return member.status in ADMINS


def make_router() -> Router:
    router = Router(name="group_admin")
    router.message.filter(F.chat.type.in_(GROUP_CHATS))
    router.my_chat_member.register(bot_membership)
    router.message.register(group_moved, F.migrate_to_chat_id)  # never throttled
    commands = Router(name="group_settings")
    commands.message.middleware(Throttle())
    commands.message.register(cmd_ludice, Command("ludice"))
    router.include_router(commands)
    return router
