"""The people of the playground and their chats: Alice (English, admin of the group), Boris
(Russian), Carol, and whoever the page adds; each has a private chat with the bot, and all
are in the group "Dice Club". Every action a page asks for is checked against this cast and
the emulator's messages, then performed as that user through the emulator."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ludice.errors import LudiceError
from ludice.playground.emulator import Emulator
from ludice.playground.emulator.wire import as_int
from ludice.playground.page import QUIET_METHODS, call_entry, page_message, reply_keyboard

GROUP_TITLE = "Dice Club"
GROUP_ID = -1_000_000_000_001  # the emulator's first supergroup: the same in every run
GROUP_KEY = "dice-club"
STARTING_STARS = 1000
# Players added from the page get the emulator's fresh ids, from here up; simulated players
# (--bots) have ids of their own from SIMULATED_IDS, so the database tells them apart.
ADDED_IDS = range(1_000_001, 2_000_000)
SIMULATED_IDS = range(2_000_001, 3_000_000)
LANGUAGES = ("en", "ru")
MAX_CALLS = 300  # Bot API calls kept for a page that opens later
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,32}$")
Announce = Callable[[dict[str, Any]], None]


class PageError(Exception):
    """A page asked for something that does not exist or cannot be done; said to that page."""


@dataclass
class Persona:
    id: int
    key: str
    name: str
    lang: str
    admin: bool = False


FOUNDERS = (Persona(1001, "alice", "Alice", "en", admin=True),
            Persona(1002, "boris", "Boris", "ru"),
            Persona(1003, "carol", "Carol", "en"))


def slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "player"
    key, n = base, 2
    while key in taken or key in ("bot", GROUP_KEY):
        key, n = f"{base}-{n}", n + 1
    return key


def saved_players(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """Players added in an earlier run, as the database remembers them (id, name, lang)."""
    return [(row[0], row[1], row[2] if row[2] in LANGUAGES else "en") for row in conn.execute(
        "SELECT id, first_name, language_code FROM users WHERE id >= ? AND id < ? ORDER BY id",
        (ADDED_IDS.start, ADDED_IDS.stop))]


def stars_spent(conn: sqlite3.Connection) -> dict[int, int]:
    """Stars each user paid and did not get back, from the payments the database recorded."""
    return {row[0]: row[1] for row in conn.execute(
        "SELECT user_id, sum(stars) FROM payments WHERE status != 'refunded' GROUP BY user_id")}


def last_message_ids(conn: sqlite3.Connection) -> dict[int, int]:
    """The highest message id the database remembers in each chat (dice, challenge cards)."""
    rows = conn.execute(
        "SELECT chat_id, max(message_id) FROM rolls WHERE chat_id IS NOT NULL GROUP BY chat_id"
        " UNION ALL SELECT chat_id, max(card_id) FROM group_lobbies WHERE card_id IS NOT NULL"
        " GROUP BY chat_id").fetchall()
    last: dict[int, int] = {}
    for chat_id, message_id in rows:
        last[chat_id] = max(last.get(chat_id, 0), message_id or 0)
    return last


class Cast:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.personas: dict[int, Persona] = {}
        self.group_id = 0
        self.keyboards: dict[int, list[list[str]]] = {}
        self.calls: list[dict[str, Any]] = []
        self.accounts: dict[int, dict[str, Any]] = {}
        self.announce: Announce = lambda event: None  # the server sends these to the pages

    # --- the world --------------------------------------------------------------------

    def build(self, conn: sqlite3.Connection, bot_in_group: bool) -> None:
        """The cast and the group, consistent with the database (a fresh one, or one kept
        with --db): players added before come back, stars paid stay paid, and message ids
        continue after the ones the database remembers."""
        em = self.emulator
        spent = stars_spent(conn)
        people = [Persona(**asdict(p)) for p in FOUNDERS]
        taken = {p.key for p in people}
        for user_id, name, lang in saved_players(conn):
            people.append(Persona(user_id, slug(name, taken), name, lang))
            taken.add(people[-1].key)
        for persona in people:
            em.user(persona.id, persona.name, None, persona.lang)
            em.give_stars(persona.id, STARTING_STARS - spent.get(persona.id, 0)
                          - em.stars(persona.id))
            self.personas[persona.id] = persona
        admins = tuple(p.id for p in people if p.admin)
        # The bot is an admin of the group: it sees the players' own dice (throw mode).
        self.group_id = em.create_group(GROUP_TITLE, [p.id for p in people], admins=admins,
                                        add_bot=not bot_in_group, bot_admin=True)
        if self.group_id != GROUP_ID:
            raise LudiceError(f"the group got chat id {self.group_id}, not {GROUP_ID}: the "
                              "emulator numbers groups differently now")
        if bot_in_group:
            em.set_member(self.group_id, em.bot_user["id"], "administrator")
        for chat_id, message_id in last_message_ids(conn).items():
            # The bot may still edit a card of the last run by its id: numbering goes on
            # after it, never over it.
            em.skip_message_ids(chat_id, message_id)
        # Everyone the database knows wrote to the bot in an earlier run: it may write to
        # them (the emulator has no method for this; `started` is its record of it).
        em.started.update(row[0] for row in conn.execute("SELECT id FROM users"))

    def open_play(self) -> None:
        """A fresh group: its admin turns play on, as README tells admins to."""
        self.emulator.say(FOUNDERS[0].id, self.group_id, "/ludice on")

    # --- checks -------------------------------------------------------------------------

    def persona(self, persona_id: int) -> Persona:
        persona = self.personas.get(persona_id)
        if persona is None:
            raise PageError(f"no persona with id {persona_id}")
        return persona

    def resolve_path(self, persona_key: str, chat_key: str) -> tuple[Persona, int]:
        persona = next((p for p in self.personas.values()
                        if persona_key in (p.key, str(p.id))), None)
        if persona is None:
            known = ", ".join(p.key for p in self.personas.values())
            raise PageError(f"no persona {persona_key!r} in this playground (there are: {known})")
        chats = {"bot": persona.id, str(persona.id): persona.id, GROUP_KEY: self.group_id,
                 str(self.group_id): self.group_id}
        if chat_key not in chats:
            raise PageError(f"{persona.name} has no chat {chat_key!r} "
                            f"(there are: bot, {GROUP_KEY})")
        return persona, chats[chat_key]

    # --- actions: the emulator checks chats, messages and buttons as Telegram would --------

    async def say(self, persona_id: int, chat_id: int, text: str) -> None:
        self.emulator.say(self.persona(persona_id).id, chat_id, text)

    async def press(self, persona_id: int, chat_id: int, message_id: int, data: str) -> None:
        self.emulator.press_button(self.persona(persona_id).id, chat_id, message_id, data)

    async def throw(self, persona_id: int, chat_id: int, emoji: str) -> None:
        self.emulator.throw(self.persona(persona_id).id, chat_id, emoji)

    async def forward(self, persona_id: int, from_chat: int, message_id: int, to_chat: int
                      ) -> None:
        self.emulator.forward(self.persona(persona_id).id, from_chat, message_id, to_chat)

    async def pay(self, persona_id: int, chat_id: int, message_id: int) -> None:
        outcome = await self.emulator.pay(self.persona(persona_id).id, chat_id, message_id)
        if outcome.status == "refused":
            raise PageError(f"payment refused: {outcome.error_message or 'by the bot'}")
        if outcome.status == "timeout":
            raise PageError("payment failed: the bot did not confirm it within 10 seconds")

    async def deep_link(self, persona_id: int, url: str) -> None:
        self.emulator.open_link(self.persona(persona_id).id, url)

    async def add_persona(self, name: str, lang: str) -> Persona:
        name = name.strip()
        if not _NAME.match(name):
            raise PageError("a name is 1 to 32 characters, no control characters")
        if lang not in LANGUAGES:
            raise PageError(f"language must be one of {', '.join(LANGUAGES)}")
        user = self.emulator.add_user(name, language_code=lang, stars=STARTING_STARS)
        persona = Persona(user["id"], slug(name, {p.key for p in self.personas.values()}),
                          name, lang)
        self.personas[persona.id] = persona
        self.announce({"type": "persona", "persona": self.persona_json(persona)})
        self.announce({"type": "chat", "chat": self.private_chat(persona)})
        self.emulator.join_group(self.group_id, persona.id)
        self.announce({"type": "chat", "chat": self.group_chat()})
        return persona

    # --- what pages see -----------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The page events an emulator event makes (none for chats no persona sees)."""
        kind = event.get("type")
        if kind in ("message", "edited") and self.visible(event["chat_id"]):
            return [{"type": "message" if kind == "message" else "edit",
                     "message": page_message(event["message"])}]
        if kind == "deleted" and self.visible(event["chat_id"]):
            return [{"type": "delete", "chat_id": event["chat_id"],
                     "message_id": event["message_id"]}]
        if kind == "call":
            return self._call(event)
        if kind == "callback_answer" and event.get("user_id") in self.personas:
            return [{"type": "callback_answer", "persona": event["user_id"],
                     "text": event.get("text") or "", "show_alert": bool(event.get("show_alert")),
                     "url": event.get("url")}]
        if kind == "rate_limits":
            return [{"type": "rate_limits", "enabled": bool(event.get("enabled"))}]
        if kind == "stars" and event.get("user_id") in self.personas:
            return [{"type": "persona",
                     "persona": self.persona_json(self.personas[event["user_id"]])}]
        return []

    def visible(self, chat_id: Any) -> bool:
        return chat_id in self.personas or chat_id == self.group_id

    def _call(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        method, params = str(event.get("method", "")), event.get("params") or {}
        if method.lower() in QUIET_METHODS:
            return []
        entry = call_entry(method, params, None if event.get("ok") else event.get("error"),
                           time.time())
        self.calls.append(entry)
        del self.calls[:-MAX_CALLS]
        events: list[dict[str, Any]] = [{"type": "calls", "calls": [entry]}]
        chat_id = as_int(params.get("chat_id"))
        if event.get("ok") and method.lower().startswith("send") and self.visible(chat_id):
            changes, rows = reply_keyboard(params)
            if changes:
                if rows is None:
                    self.keyboards.pop(chat_id, None)
                else:
                    self.keyboards[chat_id] = rows
                events.append({"type": "keyboard", "chat_id": chat_id, "keyboard": rows})
        return events

    def private_chat(self, persona: Persona) -> dict[str, Any]:
        return {"id": persona.id, "key": "bot", "type": "private", "title": persona.name,
                "members": [persona.id]}

    def group_chat(self) -> dict[str, Any]:
        return {"id": self.group_id, "key": GROUP_KEY, "type": "supergroup",
                "title": GROUP_TITLE, "members": [p for p in self.personas
                                                  if self.emulator.in_chat(self.group_id, p)]}

    def persona_json(self, persona: Persona) -> dict[str, Any]:
        return {**asdict(persona), "stars": self.emulator.stars(persona.id)}

    async def snapshot(self) -> dict[str, Any]:
        bot = self.emulator.bot_user
        messages = [page_message(m) for (chat_id, _), m in
                    sorted(self.emulator.messages.items()) if self.visible(chat_id)]
        return {
            "type": "snapshot",
            "bot": {"id": bot["id"], "username": bot["username"], "name": bot["first_name"]},
            "personas": [self.persona_json(p) for p in self.personas.values()],
            "chats": [*(self.private_chat(p) for p in self.personas.values()),
                      self.group_chat()],
            "messages": messages,
            "keyboards": [{"chat_id": c, "keyboard": k} for c, k in self.keyboards.items()],
            "accounts": [self.accounts[p] for p in self.personas if p in self.accounts],
            "calls": self.calls[-200:],
            "rate_limits": self.emulator.rate_limits,
        }
