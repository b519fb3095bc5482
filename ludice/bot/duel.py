"""Runs each filled lobby as a background task: announce the start (the waiting player's lobby
message becomes it), roll one Telegram die per player, show every die to every player, wait
out the animation, then settle or re-roll a tie. Handlers only start the task, so the reveal
delay never blocks other players' updates. Group challenges play their rounds in the group
instead (ludice.bot.group.duel)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any, NamedTuple

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from ludice import duels, fairness, games, refunds, snapshots
from ludice.bot import dice
from ludice.bot.group import duel as group_duel
from ludice.bot.texts import language, t
from ludice.bot.transport.mailer import Mailer
from ludice.db import Store
from ludice.games import Lobby
from ludice.rules import GAMES
from ludice.settings import load
from ludice.users import get as get_user

log = logging.getLogger(__name__)
UNREACHABLE = (TelegramForbiddenError, TelegramBadRequest)
# Notes of waiting lobbies' messages kept (oldest forgotten first: those lobbies expired).
LOBBY_MESSAGES_KEPT = 100_000


def _advance(conn: sqlite3.Connection, lobby_id: int, now: int) -> games.Advance | None:
    return duels.advance(conn, lobby_id, settings=load(conn), now=now)


def _lost_die(conn: sqlite3.Connection, lobby_id: int, now: int) -> None:
    refunds.call_off(conn, lobby_id, reason="telegram_error", now=now)


def _languages(conn: sqlite3.Connection, user_ids: list[int]) -> dict[int, str]:
    return {u: language(user.language_code if (user := get_user(conn, u)) else None)
            for u in user_ids}


def _record(conn: sqlite3.Connection, record: Callable[..., bool], lobby: Lobby, player: int,
            following: int | None, now: int, **details: Any) -> tuple[bool, bool]:
    """Record `player`'s die and, in the same transaction, the intent of the `following`
    player's die: one commit (and fsync) instead of two, and that intent still commits
    before its die is sent. Returns (die recorded, following intent recorded)."""
    recorded = record(conn, lobby.id, lobby.round, player, now=now, **details)
    return recorded, following is not None and duels.intend_roll(conn, lobby.id, lobby.round,
                                                                 following, now=now)


class _Start(NamedTuple):
    lobby: Lobby
    everyone: list[int]
    commitment: str | None
    names: dict[int, str]
    langs: dict[int, str]


# The lobby, who still rolls this round, everyone seated, the reveal delay (_round).
_Round = tuple[Lobby | None, list[int], list[int], float]


class _Over(Exception):  # the lobby stopped rolling (an admin cancelled it): no more dice
    pass


def _start_facts(conn: sqlite3.Connection, lobby_id: int
                 ) -> tuple[Lobby | None, _Start | None, _Round | None]:
    """The lobby, what its start message says and its first round, in one hop on one
    snapshot (each read lane hop costs the loop a thread round trip; the first die's intent
    checks that the lobby still rolls). No start message for a group lobby, nor when the
    lobby is gone, not rolling, past round 1, or resumed after its first die."""
    with snapshots.one(conn):
        first_round = _round(conn, lobby_id)
        lobby = first_round[0]
        if lobby is None or lobby.chat_id is not None:
            return lobby, None, None
        if lobby.status != "rolling" or lobby.round != 1 or duels.rolls(conn, lobby_id, 1):
            return lobby, None, first_round
        everyone = first_round[2]
        return lobby, _Start(lobby, everyone, fairness.commitment(conn, lobby_id),
                             duels.names(conn, everyone), _languages(conn, everyone)), first_round


def _round(conn: sqlite3.Connection, lobby_id: int) -> _Round:
    """The lobby, who still rolls this round, everyone seated, and the reveal delay: one
    hop and one snapshot for what a round used to read in three."""
    with snapshots.one(conn):
        lobby, waiting = duels.pending_rollers(conn, lobby_id)
        if lobby is None or lobby.status != "rolling":
            return lobby, waiting, [], 0.0
        return (lobby, waiting, games.players(conn, lobby_id),
                load(conn).reveal_delay_seconds)


class DuelRunner:
    def __init__(self, bot: Bot, store: Store, mailer: Mailer, clock: Callable[[], float],
                 show_round: Callable[[int, str], Awaitable[None]] | None = None) -> None:
        self.bot = bot
        self.show_round = show_round  # a group round's label, drawn on its card
        self.store = store
        self.mailer = mailer
        self.clock = clock
        self.tasks: dict[int, asyncio.Task] = {}
        self.lobby_messages: OrderedDict[int, tuple[int, int]] = OrderedDict()
        # Told when a throw-your-own round closed (the scheduler follows the next window).
        self.on_round: Callable[[int], Awaitable[None]] | None = None

    def start(self, lobby_id: int) -> None:
        self._task(lobby_id, self._run(lobby_id), f"duel-{lobby_id}")

    def finish_throws(self, lobby_id: int) -> None:
        self._task(lobby_id, group_duel.finish_throws(self, lobby_id), f"round-{lobby_id}")

    def _task(self, lobby_id: int, work: Awaitable[None], name: str) -> None:
        if lobby_id in self.tasks:  # one task per lobby, whoever asks twice
            work.close()
            return
        task = asyncio.create_task(self._guard(lobby_id, work), name=name)
        self.tasks[lobby_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(lobby_id, None))

    async def _guard(self, lobby_id: int, work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:
            # Left rolling: the next start-up (or the next sweep) finishes it from the rolls
            # recorded so far, so a failure here never strands the stakes.
            log.exception("duel %s stopped with an error; the next sweep resumes it", lobby_id)

    async def recover(self) -> int:
        """Finish duels a crash, a stop or an error left mid-way: recorded rolls stay,
        missing ones are rolled, then the lobby settles as usual. A duel whose runner
        stopped between asking for a die and recording it is called off instead (the die
        may have been seen). Duels already running are left alone; returns how many were
        (re)started."""
        in_play = await self.store.read(group_duel.bot_rolled)
        idle = [lobby_id for lobby_id in in_play if lobby_id not in self.tasks]
        if not idle:
            return 0
        called_off = await self.store.write(duels.call_off_interrupted, idle,
                                            now=int(self.clock()))
        if called_off:
            log.warning("duels %s stopped while a die was being rolled: called off, refunded",
                        called_off)
            self.mailer.kick()
        resumed = [lobby_id for lobby_id in idle if lobby_id not in called_off]
        for lobby_id in resumed:
            self.start(lobby_id)
        return len(resumed)

    async def drain(self, timeout: float) -> int:
        pending = list(self.tasks.values())
        if not pending:
            return 0
        _, still = await asyncio.wait(pending, timeout=timeout)
        return len(still)

    def note_lobby_message(self, lobby_id: int, chat_id: int, message_id: int) -> None:
        """The waiting player's "lobby #N" message: the duel start is edited into it."""
        self.lobby_messages[lobby_id] = (chat_id, message_id)
        while len(self.lobby_messages) > LOBBY_MESSAGES_KEPT:  # expired lobbies' notes
            self.lobby_messages.popitem(last=False)

    async def _run(self, lobby_id: int) -> None:
        lobby, start, first_round = await self.store.read(_start_facts, lobby_id)
        if lobby is not None and lobby.chat_id is not None:
            await group_duel.run_rounds(self, lobby_id)
            return
        noted = self.lobby_messages.pop(lobby_id, None)
        if start is not None:  # None also when resumed: the players heard it the first time
            await self._announce(start, noted)
        facts = first_round
        while True:
            lobby, waiting, everyone, reveal_delay = facts or await self.store.read(_round,
                                                                                    lobby_id)
            facts = None
            if lobby is None or lobby.status != "rolling":
                return
            # Every die of a round is rolled in one chat (the player who filled the lobby,
            # who is looking at it now) and forwarded to the others in one call: two dice
            # cost three sends instead of four.
            # (The house has no chat: a house duel rolls both dice in its player's.)
            tables = duels.people([everyone[-1], *everyone[:-1]])
            rolled: list[tuple[int, int, int]] = []
            lost: Exception | None = None  # a die that may or may not be out, or _Over
            intended = False  # the next die's intent went in with the last die's record
            for i, player in enumerate(waiting):
                following = waiting[i + 1] if i + 1 < len(waiting) else None
                try:
                    die, intended = await self._roll(lobby, player, tables, intended=intended,
                                                     following=following)
                except (dice.LostDie, _Over) as exc:
                    lost = exc
                    break
                if die is not None:
                    rolled.append(die)
            # Shown even when the next die was lost: nobody is left with a die unseen.
            await self._show_to_others(lobby, everyone, rolled)
            if isinstance(lost, _Over):
                return
            if lost is not None:
                # The die may be in a player's chat, unrecorded: a second roll would replace
                # a die they can see. Called off instead, every stake back.
                log.warning("duel %s: a die may or may not have been sent (%s);"
                            " calling the duel off", lobby_id, lost)
                await self.store.write(_lost_die, lobby_id, int(self.clock()))
                self.mailer.kick()
                return
            await asyncio.sleep(reveal_delay)  # the animation plays out (dice.wait_for_reveal)
            outcome = await self.store.write(_advance, lobby_id, int(self.clock()))
            self.mailer.kick()
            if outcome is None or outcome.settled:
                return

    async def _announce(self, start: _Start, noted: tuple[int, int] | None) -> None:
        """One start message per player: the waiting player's lobby message (`noted`) is
        edited into it (Telegram allows it, and it saves a send), the others get it new."""
        lobby, everyone, commitment, names, langs = start
        lobby_id = lobby.id
        pot = lobby.bet * len(everyone)
        for player in duels.people(everyone):
            text = t(langs[player], "duel_start" if pot else "friendly_start",
                     lobby_id=lobby_id, pot=pot, emoji=GAMES[lobby.game].emoji,
                     players=" vs ".join(escape(names[p]) for p in everyone))
            if commitment:
                text += "\n" + t(langs[player], "commitment_line", commitment=commitment)
            try:
                if noted is not None and noted[0] == player:
                    with contextlib.suppress(TelegramBadRequest):  # deleted: say it anew
                        await self.bot.edit_message_text(text, chat_id=player,
                                                         message_id=noted[1])
                        continue
                await self.bot.send_message(player, text)
            except UNREACHABLE as exc:
                log.info("duel %s: cannot tell %s it started: %s", lobby_id, player, exc)

    async def _roll(self, lobby: Lobby, player: int, tables: list[int], *,
                    intended: bool = False, following: int | None = None
                    ) -> tuple[tuple[int, int, int] | None, bool]:
        """Roll `player`'s die (the house's too) in the first chat of `tables` that takes it
        (a chat that refuses, e.g. a player who blocked the bot, is dropped from `tables`)
        and record it at once, with the intent of the `following` player's die (`intended`:
        this die's intent is recorded already). Returns (value, chat, message) of the die
        (None: drawn by the server) and whether the following die's intent was recorded;
        raises _Over when the lobby no longer rolls."""
        emoji = GAMES[lobby.game].emoji
        if not intended and not await self.store.write(duels.intend_roll, lobby.id,
                                                       lobby.round, player,
                                                       now=int(self.clock())):
            raise _Over(lobby.id)
        while tables:
            chat = tables[0]
            try:
                # Not protect_content: Telegram refuses to forward protected messages, and the
                # forward is how the others see this very die (the forwards are protected).
                sent = await dice.send_die(self.bot, chat, emoji)
            except UNREACHABLE as exc:
                log.info("duel %s: cannot roll in chat %s: %s", lobby.id, chat, exc)
                tables.pop(0)
                continue
            value = sent.dice.value
            _, next_intended = await self.store.write(
                _record, duels.record_roll, lobby, player, following, int(self.clock()),
                value=value, chat_id=chat, message_id=sent.message_id,
                sent_at=int(sent.date.timestamp()))
            return (value, chat, sent.message_id), next_intended
        # Nobody can see a die: drawn from the lobby's committed seed so the lobby still
        # settles instead of hanging, and the draw can be checked afterwards.
        _, next_intended = await self.store.write(_record, duels.record_server_roll, lobby,
                                                  player, following, int(self.clock()))
        return None, next_intended

    async def _show_to_others(self, lobby: Lobby, everyone: list[int],
                              rolled: list[tuple[int, int, int]]) -> None:
        # A second sendDice would be a different roll, so others see the same dice forwarded,
        # all of one chat in one call (in the order rolled).
        by_chat: dict[int, list[int]] = {}
        for _value, chat, message_id in rolled:
            by_chat.setdefault(chat, []).append(message_id)
        for chat, message_ids in by_chat.items():
            for other in duels.people(everyone):
                if other == chat:
                    continue
                try:
                    await self.bot.forward_messages(other, from_chat_id=chat,
                                                    message_ids=message_ids,
                                                    protect_content=True)
                except UNREACHABLE as exc:
                    log.info("duel %s: cannot forward dice to %s: %s", lobby.id, other, exc)
