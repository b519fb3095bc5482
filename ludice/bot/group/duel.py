"""The rounds of a group challenge. When the bot rolls, each round's label (naming the players
in order) is edited into the challenge card, then their dice (protected, so nobody can
forward them as their own), then after the reveal delay one result from the outbox. In
throw-your-own mode the players' own dice arrive as messages; once the last one is in, the
round closes after the reveal delay (or when its window ends: see ludice.scheduler)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from ludice import challenges, duels, games, groups, refunds, snapshots, stranded
from ludice.bot.dice import LostDie, send_die, wait_for_reveal
from ludice.bot.group.cards import round_label
from ludice.bot.transport.mailer import Mailer
from ludice.db import Store
from ludice.games import Lobby
from ludice.rules import GAMES
from ludice.settings import load

log = logging.getLogger(__name__)
UNREACHABLE = (TelegramForbiddenError, TelegramBadRequest)


class Runner(Protocol):
    """What group rounds use of the DuelRunner (ludice.bot.duel) that drives them."""

    bot: Bot
    store: Store
    mailer: Mailer
    clock: Callable[[], float]
    on_round: Callable[[int], Awaitable[None]] | None
    # Draws a round's label on the challenge card (ludice.bot.group.cards.Cards.show_round).
    show_round: Callable[[int, str], Awaitable[None]] | None


def _label(conn: sqlite3.Connection, lobby: Lobby, waiting: list[int]) -> str:
    group = groups.get(conn, lobby.chat_id)
    tie = duels.rolls(conn, lobby.id, lobby.round - 1) if lobby.round > 1 else {}
    label = duels.names(conn, [*waiting, *tie])
    return round_label(group.lang if group else "en", lobby.id, lobby.game, lobby.round,
                       [label[u] for u in waiting], [[label[u], v] for u, v in tie.items()])


def _round(conn: sqlite3.Connection, lobby_id: int
           ) -> tuple[Lobby | None, list[int], challenges.GroupLobby | None, str, float]:
    """The lobby, who still rolls this round, its group terms, the round's label and the
    reveal delay: one read hop and one snapshot for what a round used to read in four."""
    with snapshots.one(conn):
        lobby, waiting = duels.pending_rollers(conn, lobby_id)
        extra = challenges.get(conn, lobby_id)
        if lobby is None or lobby.status != "rolling" or extra is None or extra.throw_mode:
            return lobby, waiting, extra, "", 0.0
        return (lobby, waiting, extra, _label(conn, lobby, waiting) if waiting else "",
                load(conn).reveal_delay_seconds)


def _advance(conn: sqlite3.Connection, lobby_id: int, now: int) -> games.Advance | None:
    return challenges.advance(conn, lobby_id, settings=load(conn), now=now)


def _give_up(conn: sqlite3.Connection, lobby_id: int, now: int) -> None:
    stranded.unreachable(conn, lobby_id, settings=load(conn), now=now)


def _lost_die(conn: sqlite3.Connection, lobby_id: int, now: int) -> None:
    refunds.call_off(conn, lobby_id, reason="telegram_error", now=now,
                     group_note="group_called_off")


def bot_rolled(conn: sqlite3.Connection) -> list[int]:
    """Rolling lobbies a runner task must drive: private duels and bot-rolled challenges
    (throw-your-own rounds are driven by the players' dice and their window)."""
    return [lobby.id for lobby in games.rolling_lobbies(conn)
            if not ((extra := challenges.get(conn, lobby.id)) and extra.throw_mode)]


async def run_rounds(runner: Runner, lobby_id: int) -> None:
    store, bot = runner.store, runner.bot
    while True:
        lobby, waiting, extra, label, reveal_delay = await store.read(_round, lobby_id)
        if lobby is None or lobby.status != "rolling" or extra is None or extra.throw_mode:
            return
        if waiting:
            if runner.show_round is not None:  # on the card: an edit, not one more post
                await runner.show_round(lobby_id, label)
            try:
                for player in waiting:
                    if not await store.write(duels.intend_roll, lobby.id, lobby.round, player,
                                             now=int(runner.clock())):
                        return  # cancelled meanwhile: no die may go out for it
                    die = await send_die(bot, lobby.chat_id, GAMES[lobby.game].emoji,
                                         message_thread_id=extra.thread_id,
                                         protect_content=True)
                    await store.write(duels.record_roll, lobby.id, lobby.round, player,
                                      die.dice.value, now=int(runner.clock()),
                                      chat_id=lobby.chat_id, message_id=die.message_id,
                                      sent_at=int(die.date.timestamp()))
            except UNREACHABLE as exc:
                # Removed from the group or no right to post: refunded if no die was rolled
                # yet, else finished server-side and told privately (stranded.unreachable).
                log.warning("challenge %s: cannot roll in chat %s (%s); giving up", lobby_id,
                            lobby.chat_id, exc)
                await store.write(_give_up, lobby_id, int(runner.clock()))
                runner.mailer.kick()
                return
            except LostDie as exc:
                # Telegram may have posted a die we never heard of: rolling again would put
                # a second die next to it. Nobody can tell which one counts: call it off.
                log.warning("challenge %s: a die in chat %s may or may not have been sent"
                            " (%r); calling the challenge off", lobby_id, lobby.chat_id, exc)
                await store.write(_lost_die, lobby_id, int(runner.clock()))
                runner.mailer.kick()
                return
        await asyncio.sleep(reveal_delay)  # the animation plays out (dice.wait_for_reveal)
        outcome = await store.write(_advance, lobby_id, int(runner.clock()))
        runner.mailer.kick()
        if outcome is None or outcome.settled:
            return


async def finish_throws(runner: Runner, lobby_id: int) -> None:
    """Everyone of a round threw: let the last die land, then close the round."""
    await wait_for_reveal(runner.store)
    if await runner.store.write(_advance, lobby_id, int(runner.clock())) is not None:
        runner.mailer.kick()
    if runner.on_round is not None:
        await runner.on_round(lobby_id)
