"""/game ID (also /game_ID, the tappable form results link to): a settled game's full record
(ludice.records), in private to its players and in a group for that group's own games."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from ludice import fairness, records
from ludice.bot.texts import game_title, refusal, t
from ludice.bot.transport.middlewares import GROUP_CHATS, Throttle
from ludice.db import Store
from ludice.groups import Group
from ludice.records import Die, Record
from ludice.rules import GAMES

MESSAGE_LIMIT = 4096  # Telegram's, in characters of the text as sent
TAPPABLE = re.compile(r"^game_(\d+)$", re.IGNORECASE)


def _stamp(ts: int | None, with_date: bool = False) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S" if with_date
                                                    else "%H:%M:%S")


def _die_line(lang: str, record: Record, die: Die) -> str:
    emoji = GAMES[record.lobby.game].emoji
    common = dict(name=escape(die.name), emoji=emoji, value=die.value,
                  time=_stamp(die.sent_at if die.sent_at is not None else die.recorded_at))
    if die.roller == "server":
        hmac_message = fairness.message(record.lobby.id, die.round, die.user_id).decode()
        return t(lang, "record_die_server", message=hmac_message, **common)
    if die.chat_id is not None and die.chat_id == record.lobby.chat_id:
        where = t(lang, "record_in_group")
    elif die.chat_id is not None:
        where = t(lang, "record_in_chat_of", name=escape(record.account(die.chat_id)))
    else:
        where = ""
    key = "record_die_player" if die.roller == "player" else "record_die_bot"
    return t(lang, key, message_id=die.message_id if die.message_id is not None else "-",
             where=where, **common)


def render(lang: str, record: Record) -> str:
    lobby = record.lobby
    where = (t(lang, "record_where_group", group=escape(record.group))
             if record.group is not None else t(lang, "record_where_private"))
    lines = [t(lang, "record_head", emoji=GAMES[lobby.game].emoji, lobby_id=lobby.id,
               game=game_title(lang, lobby.game), where=where,
               started=_stamp(lobby.created_at, True), settled=_stamp(lobby.resolved_at, True))]
    lines += [t(lang, "record_player", seat=s.seat, name=escape(s.name), stake=s.stake,
                payout=s.payout if s.payout is not None else "-") for s in record.players]
    for number, dice in record.rounds():
        lines.append(t(lang, "record_round", round=number))
        lines += [_die_line(lang, record, die) for die in dice]
    lines.append(t(lang, "record_fee", pot=record.pot, fee=lobby.fee,
                   percent=lobby.fee_percent if lobby.fee_percent is not None else "-"))
    lines.append(t(lang, "record_transfers"))
    lines += [t(lang, "record_transfer", id=m.id, kind=escape(m.kind),
                debit=escape(record.account(m.debit_id)),
                credit=escape(record.account(m.credit_id)), amount=m.amount)
              for m in record.transfers]
    if record.commitment is not None:
        lines.append(t(lang, "record_commitment", commitment=record.commitment))
    if record.seed is not None:
        lines.append(t(lang, "record_seed", seed=record.seed))
    if record.server_draws:
        lines.append(t(lang, "record_verify", lobby_id=lobby.id, faces=record.faces,
                       limit=fairness.byte_limit(record.faces)))
    else:
        lines.append(t(lang, "record_no_server"))
    return "\n".join(lines)


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole lines per message, each message within Telegram's limit (a game of six players
    and ten tie-breaks runs past one message)."""
    parts, current = [], ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            parts.append(current)
            candidate = line
        current = candidate
    return [*parts, current] if current else parts


async def cmd_game(message: Message, command: CommandObject, lang: str, group: Group | None,
                   store: Store) -> None:
    in_group = message.chat.type in GROUP_CHATS
    if in_group and group is not None:
        lang = group.lang
    send = message.reply if in_group else message.answer
    tapped = TAPPABLE.match(command.command)
    lobby_id = records.parse_id(tapped.group(1) if tapped else command.args)
    if lobby_id is None:
        await send(t(lang, "record_usage"))
        return
    try:
        record = await store.read(records.for_viewer, lobby_id, viewer=message.from_user.id,
                                  chat_id=message.chat.id if in_group else None)
    except records.RecordRefused as refused:
        await send(refusal(lang, refused))
        return
    for part in chunks(render(lang, record)):
        await send(part)


def make_router() -> Router:
    router = Router(name="records")
    router.message.filter(F.chat.type.in_(("private", *GROUP_CHATS)))
    router.message.middleware(Throttle())
    router.message.register(cmd_game, Command("game", TAPPABLE))
    return router
