"""Simulated players (`ludice playground --bots N`): people of the emulator who accept the
terms and then, at a human pace, play private duels, open and join challenges in the group
and claim their daily bonus, so leaderboards, pacing and the ledger can be watched under a
living community. They act only as users do (messages and button presses through the
emulator), and they are not personas of the page.

Each player also times the bot: from their message or button press in their private chat to
the bot's next call into that chat (or its answer to the button), in `latencies`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from typing import Any

from ludice.playground.accounts import AccountView
from ludice.playground.cast import SIMULATED_IDS, STARTING_STARS, Cast
from ludice.playground.emulator import ActionError

NAMES = ("Ana", "Ben", "Chloe", "Dan", "Eva", "Femi", "Gus", "Hana", "Ivo", "Jin", "Kai",
         "Lea", "Max", "Nia", "Oto", "Pia", "Raj", "Sia", "Tom", "Uma", "Vic", "Wen", "Yan",
         "Zoe")
BETS = (10, 10, 10, 20, 20, 50)  # few amounts: private matchmaking pairs equal bets
SCAN = 300  # latest messages searched for a button
PAUSE = (4.0, 12.0)  # seconds between a player's actions, times the pace
REPLIES = frozenset({"sendmessage", "senddice", "sendinvoice", "forwardmessage",
                     "copymessage", "editmessagetext", "editmessagereplymarkup"})


class Players:
    def __init__(self, cast: Cast, accounts: AccountView, count: int, pace: float = 1.0,
                 rng: random.Random | None = None) -> None:
        self.cast = cast
        self.accounts = accounts
        self.emulator = cast.emulator
        self.count = count
        self.pace = pace
        self.rng = rng or random.Random()
        self.ids: list[int] = []
        self.latencies: list[float] = []  # seconds, update -> the bot's reply
        self._waiting: dict[int, float] = {}  # private chat -> when its player acted
        self._tasks: list[asyncio.Task] = []
        self._unsubscribe: Any = None

    async def start(self) -> None:
        em = self.emulator
        for n in range(self.count):
            user_id = SIMULATED_IDS.start + n
            name = NAMES[n % len(NAMES)] + ("" if n < len(NAMES) else f" {n // len(NAMES) + 1}")
            em.user(user_id, name, None, "ru" if n % 4 == 3 else "en")
            em.give_stars(user_id, STARTING_STARS - em.stars(user_id))
            if not em.in_chat(self.cast.group_id, user_id):
                em.join_group(self.cast.group_id, user_id)
            self.ids.append(user_id)
        self._unsubscribe = em.subscribe(self._observe)
        self._tasks = [asyncio.create_task(self._live(user_id), name=f"player-{user_id}")
                       for user_id in self.ids]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- timing the bot -----------------------------------------------------------------

    def _observe(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "call" and event.get("ok") and str(event.get("method")).lower() in REPLIES:
            chat_id = event.get("params", {}).get("chat_id")
            self._answered(chat_id if isinstance(chat_id, int) else None)
        elif kind == "callback_answer":
            self._answered(event.get("chat_id"))

    def _answered(self, chat_id: int | None) -> None:
        started = self._waiting.pop(chat_id, None) if chat_id is not None else None
        if started is not None:
            self.latencies.append(time.monotonic() - started)

    def _acted(self, user_id: int, chat_id: int) -> None:
        if chat_id == user_id:
            self._waiting.setdefault(chat_id, time.monotonic())

    # --- a player's life ----------------------------------------------------------------

    async def _pause(self, low: float, high: float) -> None:
        await asyncio.sleep(self.rng.uniform(low, high) * self.pace)

    def _say(self, user_id: int, chat_id: int, text: str) -> dict[str, Any]:
        self._acted(user_id, chat_id)
        return self.emulator.say(user_id, chat_id, text)

    def _press(self, user_id: int, chat_id: int, message_id: int, data: str) -> None:
        self._acted(user_id, chat_id)
        self.emulator.press_button(user_id, chat_id, message_id, data)

    def _button(self, chat_id: int, prefix: str, skip_if: str | None = None
                ) -> tuple[int, str] | None:
        """The newest button in `chat_id` whose data starts with `prefix`, among the latest
        messages (the emulator keeps them in the order they were sent)."""
        latest = itertools.islice(reversed(self.emulator.messages.items()), SCAN)
        for (chat, message_id), message in latest:
            if chat != chat_id:
                continue
            if skip_if and skip_if in str(message.get("text", "")):
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data") or ""
                    if data.startswith(prefix):
                        return message_id, data
        return None

    async def _live(self, user_id: int) -> None:
        await self._pause(0.0, 3.0)
        await self._join(user_id)
        while True:
            await self._pause(*PAUSE)
            try:
                self._act(user_id, await self.accounts.lobby_status(user_id))
            except ActionError:
                continue  # e.g. the button went away in the meantime: try something else

    async def _join(self, user_id: int) -> None:
        start = self._say(user_id, user_id, "/start")["message_id"]
        for _ in range(int(30 / 0.05)):
            await asyncio.sleep(0.05)
            reply = self.emulator.messages.get((user_id, start + 1))
            if reply is None:
                continue
            rows = (reply.get("reply_markup") or {}).get("inline_keyboard", [])
            if any(b.get("callback_data") == "terms" for row in rows for b in row):
                self._press(user_id, user_id, start + 1, "terms")
            return  # or accepted in an earlier run: welcome back

    def _act(self, user_id: int, lobby: str | None) -> None:
        """One move, as a person in this situation might make it: wait for a game in play,
        sometimes give up waiting for an opponent, take an open challenge, or start one."""
        if lobby == "rolling" or (lobby == "open" and self.rng.random() < 0.6):
            return
        if lobby == "open":
            self._say(user_id, user_id, "/leave")
            return
        group, name = self.cast.group_id, self.emulator.users[user_id]["first_name"]
        card = self._button(group, "gj:", skip_if=name)
        roll = self.rng.random()
        if card is not None and roll < 0.7:
            self._press(user_id, group, *card)
        elif roll < 0.45:
            self._say(user_id, user_id, f"/dice {self.rng.choice(BETS)}")
        elif roll < 0.8:
            self._say(user_id, group, f"/duel {self.rng.choice(BETS)}")
        elif roll < 0.9:
            self._say(user_id, user_id, "/bonus")
        elif roll < 0.95:
            self._say(user_id, user_id, "/profile")
        else:
            self._say(user_id, group, "/top")
