"""What the bot shows in a group: the challenge card (one message per challenge, edited in
place as it changes) and the group messages the outbox holds (rounds, results, notices)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, Message

from ludice import challenges
from ludice.bot import keyboards
from ludice.bot.texts import CATALOGS, game_title, t
from ludice.challenges import Card
from ludice.db import Store
from ludice.rules import GAMES

log = logging.getLogger(__name__)
Rendered = tuple[str, InlineKeyboardMarkup | None]


def hhmm(ts: int, seconds: bool = False) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S" if seconds else "%H:%M")


def names(items: list[str]) -> str:
    return ", ".join(escape(n) for n in items)


def rolls_line(emoji: str, rolls: list[list]) -> str:
    return " · ".join(f"{escape(str(name))} {emoji}{value}" for name, value in rolls)


def render_card(view: Card, round_label: str | None = None) -> Rendered:
    """The card as it stands; a bot-rolled challenge in play shows `round_label` (the
    round being rolled, see `round_label`) when there is one."""
    lobby, extra, lang = view.lobby, view.extra, view.lang
    emoji = GAMES[lobby.game].emoji
    head = "card_head" if lobby.bet else "card_head_friendly"
    lines = [t(lang, head, emoji=emoji, game=game_title(lang, lobby.game), lobby_id=lobby.id,
               bet=lobby.bet)]
    creator = escape(view.creator)
    if lobby.status == "open":
        lines.append(t(lang, "card_direct_call", creator=creator,
                       target=escape(extra.target_name)) if extra.target_id is not None
                     else t(lang, "card_open_call", creator=creator))
        lines.append(t(lang, "card_players", count=len(view.players), seats=lobby.seats,
                       players=names(view.players)))
        lines.append(t(lang, "card_seats", left=lobby.seats - len(view.players),
                       expires_at=hhmm(lobby.expires_at)))
        return "\n".join(lines), keyboards.card(lang, lobby.id, len(view.players) >= 2)
    if lobby.status == "rolling" and round_label and not extra.throw_mode:
        lines.append(t(lang, "card_players_in_play", players=names(view.players)))
        lines.append(round_label)
    elif lobby.status == "rolling":
        key = "card_rolling_throw" if extra.throw_mode else "card_rolling"
        lines.append(t(lang, key, players=names(view.players), emoji=emoji))
    elif lobby.status == "settled":
        lines.append(t(lang, "card_settled", players=names(view.players)))
        lines.append(t(lang, "record_link", lobby_id=lobby.id))
    elif lobby.status == "expired" and lobby.cancel_reason is None:
        lines.append(t(lang, "card_expired"))
    elif lobby.cancel_reason == "left":
        lines.append(t(lang, "card_left", creator=creator))
    elif f"why_{lobby.cancel_reason}" in CATALOGS["en"]:  # a group's reason, as a code
        lines.append(t(lang, "card_closed", why=t(lang, f"why_{lobby.cancel_reason}")))
    else:
        lines.append(t(lang, "card_cancelled", reason=escape(lobby.cancel_reason or "")))
    if view.commitment is not None and lobby.status in ("rolling", "settled"):
        lines.append(t(lang, "commitment_line", commitment=view.commitment))
    return "\n".join(lines), None


def render_group(lang: str, key: str, params: dict[str, Any]) -> Rendered:
    """A group message from the outbox, with its buttons (a result offers a rematch)."""
    emoji = GAMES[params["game"]].emoji if "game" in params else ""
    lobby_id = params.get("lobby_id")
    if key == "group_result":
        missing = (t(lang, "group_missing", names=names(params["missing"]))
                   if params.get("missing") else "")
        shown = rolls_line(emoji, params["rolls"]) or t(lang, "group_no_rolls")
        fee_note = t(lang, "fee_note", fee=params["fee"]) if params["fee"] else ""
        common = dict(emoji=emoji, lobby_id=lobby_id, rolls=shown, missing=missing,
                      pot=params["pot"], each=params["each"], fee_note=fee_note)
        kind = "group_result" if params["pot"] else "group_friendly"  # friendly: no figures
        if params["split"]:
            text = t(lang, f"{kind}_split", winners=names(params["winners"]), **common)
        else:
            text = t(lang, f"{kind}_win", winner=escape(params["winners"][0]), **common)
        text += "\n" + t(lang, "record_link", lobby_id=lobby_id)
        return text, keyboards.rematch(lang, lobby_id)
    if key == "group_turn":
        tie = (t(lang, "tie_prefix", rolls=rolls_line(emoji, params["tie"]))
               if params.get("tie") else "")
        return t(lang, "group_turn", tie=tie, emoji=emoji, lobby_id=lobby_id,
                 round=params["round"], players=names(params["players"]),
                 seconds=params["seconds"], until=hhmm(params["ends_at"], seconds=True)), None
    safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
    return t(lang, key, **safe), None


def round_label(lang: str, lobby_id: int, game: str, round_no: int, players: list[str],
                tie: list[list]) -> str:
    """Announces the bot's dice of one round, in order, so each die has its player's name."""
    emoji = GAMES[game].emoji
    prefix = t(lang, "tie_prefix", rolls=rolls_line(emoji, tie)) if tie else ""
    return prefix + t(lang, "group_roll_round", emoji=emoji, lobby_id=lobby_id, round=round_no,
                      players=names(players))


class Cards:
    """Posts challenge cards and redraws them from the database. Redraws of one card are
    serialized and always show the state read inside the lock, so two joins landing at once
    can never leave an older picture on top. The label of the round being rolled lives on
    the card (edited in, not posted), so a duel costs the group fewer messages."""

    def __init__(self, bot: Bot, store: Store) -> None:
        self.bot = bot
        self.store = store
        self._locks: dict[int, asyncio.Lock] = {}
        self._rounds: dict[int, str] = {}  # lobby -> label of the round being rolled

    async def show_round(self, lobby_id: int, label: str) -> None:
        self._rounds[lobby_id] = label
        await self.refresh(lobby_id)

    async def post(self, lobby_id: int, *, reply_to: Message | None = None,
                   chat_id: int | None = None, thread_id: int | None = None) -> None:
        view = await self.store.read(challenges.card, lobby_id)
        text, markup = render_card(view)
        if reply_to is not None:
            sent = await reply_to.reply(text, reply_markup=markup)
        else:
            sent = await self.bot.send_message(chat_id, text, reply_markup=markup,
                                               message_thread_id=thread_id)
        await self.store.write(challenges.set_card, lobby_id, sent.message_id)
        if view.lobby.status != "open":  # it changed while we posted: show the news
            await self.refresh(lobby_id)

    async def post_missing(self) -> int:
        """Post the cards of open challenges that have none, once, at start-up: a challenge
        committed just before a crash would otherwise wait unseen until it expires. A group
        that refuses, or Telegram failing now, is left to the expiry (its stakes come back
        then): start-up must not fail over a card."""
        missing = await self.store.read(challenges.without_card)
        for lobby_id, chat_id, thread_id in missing:
            try:
                await self.post(lobby_id, chat_id=chat_id, thread_id=thread_id)
            except TelegramAPIError as exc:  # network errors and 5xx included
                log.warning("card of lobby %s not posted at start-up: %s", lobby_id, exc)
        return len(missing)

    async def refresh(self, lobby_id: int) -> None:
        lock = self._locks.setdefault(lobby_id, asyncio.Lock())
        async with lock:
            view = await self.store.read(challenges.card, lobby_id)
            if view is None or view.extra.card_id is None:
                return
            text, markup = render_card(view, self._rounds.get(lobby_id))
            try:
                await self.bot.edit_message_text(text, chat_id=view.extra.chat_id,
                                                 message_id=view.extra.card_id,
                                                 reply_markup=markup)
            except TelegramBadRequest as exc:
                if "not modified" not in str(exc):  # e.g. an admin deleted the card
                    log.info("card of lobby %s not redrawn: %s", lobby_id, exc)
            except TelegramForbiddenError as exc:
                log.info("card of lobby %s not redrawn: %s", lobby_id, exc)
        if view is None or view.lobby.status not in ("open", "rolling"):
            self._rounds.pop(lobby_id, None)
            if not lock.locked():
                self._locks.pop(lobby_id, None)  # a closed card changes no more
