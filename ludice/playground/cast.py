"""The people of the playground and their chats: Alice (English, admin of the group), Boris
(Russian), Carol, and whoever the page adds; each has a private chat with the bot, and all
are in the group "Dice Club". Every action a page asks for is checked against this cast and
the emulator's messages, then performed as that user through the emulator."""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from ludice.playground.page import QUIET_METHODS, call_entry, page_message, reply_keyboard

GROUP_ID = -1001000000001
GROUP_TITLE = "Dice Club"
GROUP_KEY = "dice-club"
STARTING_STARS = 1000
FIRST_ADDED_ID = 1100  # added players get ids from here: the database tells them apart
LANGUAGES = ("en", "ru")
DICE = ("🎲", "🎯", "🎳", "🏀", "⚽")
MAX_CALLS = 300  # Bot API calls kept for a page that opens later
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,32}$")


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
    return [(row[0], row[1], row[2] or "en") for row in conn.execute(
        "SELECT id, first_name, language_code FROM users WHERE id >= ? AND id < ? ORDER BY id",
        (FIRST_ADDED_ID, FIRST_ADDED_ID + 100_000))]


def stars_spent(conn: sqlite3.Connection) -> dict[int, int]:
    """Stars each user paid and did not get back, from the payments the database recorded."""
    return {row[0]: row[1] for row in conn.execute(
        "SELECT user_id, sum(stars) FROM payments WHERE status != 'refunded'"
        " GROUP BY user_id")}


class Cast:
    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.personas: dict[int, Persona] = {}
        self.keyboards: dict[int, list[list[str]]] = {}
        self.calls: list[dict[str, Any]] = []
        self.accounts: dict[int, dict[str, Any]] = {}

    # --- the world --------------------------------------------------------------------

    def enlist(self, persona: Persona, stars: int) -> Persona:
        self.personas[persona.id] = persona
        self.emulator.add_user(persona.id, first_name=persona.name, language_code=persona.lang,
                               stars=stars)
        return persona

    def build(self, conn: sqlite3.Connection, bot_in_group: bool) -> None:
        """The cast and the group, consistent with the database (a fresh one, or one kept
        with --db): players added before come back; stars paid stay paid."""
        spent = stars_spent(conn)
        for persona in FOUNDERS:
            self.enlist(Persona(**asdict(persona)), STARTING_STARS - spent.get(persona.id, 0))
        taken = {p.key for p in self.personas.values()}
        for user_id, name, lang in saved_players(conn):
            persona = Persona(user_id, slug(name, taken), name, lang if lang in LANGUAGES
                              else "en")
            taken.add(persona.key)
            self.enlist(persona, STARTING_STARS - spent.get(user_id, 0))
        alice = FOUNDERS[0].id
        self.emulator.make_group(GROUP_ID, GROUP_TITLE, admin=alice,
                                 members=[p.id for p in self.personas.values()],
                                 bot_added=not bot_in_group)

    # --- checks -------------------------------------------------------------------------

    def persona(self, persona_id: int) -> Persona:
        persona = self.personas.get(persona_id)
        if persona is None:
            raise PageError(f"no persona with id {persona_id}")
        return persona

    def chat_of(self, persona_id: int, chat_id: int) -> int:
        persona = self.persona(persona_id)
        if chat_id not in (persona.id, GROUP_ID):
            raise PageError(f"{persona.name} has no chat {chat_id}")
        return chat_id

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        found = self.emulator.messages.get((chat_id, message_id))
        if found is None:
            raise PageError(f"no message {message_id} in chat {chat_id}")
        return found

    def resolve_path(self, persona_key: str, chat_key: str) -> tuple[Persona, int]:
        persona = next((p for p in self.personas.values()
                        if persona_key in (p.key, str(p.id))), None)
        if persona is None:
            known = ", ".join(p.key for p in self.personas.values())
            raise PageError(f"no persona {persona_key!r} in this playground (there are: {known})")
        chats = {"bot": persona.id, str(persona.id): persona.id, GROUP_KEY: GROUP_ID,
                 str(GROUP_ID): GROUP_ID}
        if chat_key not in chats:
            raise PageError(f"{persona.name} has no chat {chat_key!r} "
                            f"(there are: bot, {GROUP_KEY})")
        return persona, chats[chat_key]

    # --- actions ------------------------------------------------------------------------

    async def say(self, persona_id: int, chat_id: int, text: str) -> None:
        chat_id = self.chat_of(persona_id, chat_id)
        if not text.strip():
            raise PageError("a message needs some text")
        self.emulator.user_sends_text(persona_id, chat_id, text)

    async def press(self, persona_id: int, chat_id: int, message_id: int, data: str) -> None:
        chat_id = self.chat_of(persona_id, chat_id)
        message = self.message(chat_id, message_id)
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if not any(b.get("callback_data") == data for row in rows for b in row):
            raise PageError(f"message {message_id} has no button with that data")
        self.emulator.user_presses(persona_id, chat_id, message_id, data)

    async def throw(self, persona_id: int, chat_id: int, emoji: str) -> None:
        chat_id = self.chat_of(persona_id, chat_id)
        if emoji not in DICE:
            raise PageError(f"a die is one of {' '.join(DICE)}")
        self.emulator.user_throws(persona_id, chat_id, emoji)

    async def forward(self, persona_id: int, from_chat: int, message_id: int, to_chat: int
                      ) -> None:
        from_chat = self.chat_of(persona_id, from_chat)
        to_chat = self.chat_of(persona_id, to_chat)
        message = self.message(from_chat, message_id)
        if message.get("has_protected_content"):
            raise PageError("this message is protected: it cannot be forwarded")
        self.emulator.user_forwards(persona_id, from_chat, message_id, to_chat)

    async def pay(self, persona_id: int, chat_id: int, message_id: int) -> None:
        chat_id = self.chat_of(persona_id, chat_id)
        message = self.message(chat_id, message_id)
        if "invoice" not in message:
            raise PageError(f"message {message_id} is not an invoice")
        await self.emulator.user_pays(persona_id, chat_id, message_id)

    async def deep_link(self, persona_id: int, url: str) -> None:
        self.persona(persona_id)
        self.emulator.user_opens_link(persona_id, url)

    async def add_persona(self, name: str, lang: str) -> Persona:
        name = name.strip()
        if not _NAME.match(name):
            raise PageError("a name is 1 to 32 characters, no control characters")
        if lang not in LANGUAGES:
            raise PageError(f"language must be one of {', '.join(LANGUAGES)}")
        new_id = max([FIRST_ADDED_ID - 1, *self.personas]) + 1
        persona = self.enlist(Persona(new_id, slug(name, {p.key for p in self.personas.values()}),
                                      name, lang), STARTING_STARS)
        self.emulator.join_group(GROUP_ID, persona.id)
        return persona

    # --- what pages see -----------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The page events an emulator event makes (none for chats no persona sees)."""
        kind = event.get("type")
        bot_id = self.emulator.bot_user["id"]
        if kind in ("message", "edit"):
            message = event["message"]
            if not self._visible(message["chat"]["id"]):
                return []
            return [{"type": kind, "message": page_message(message, bot_id)}]
        if kind == "delete":
            if not self._visible(event["chat_id"]):
                return []
            return [{"type": "delete", "chat_id": event["chat_id"],
                     "message_id": event["message_id"]}]
        if kind == "call":
            return self._call(event)
        if kind == "callback_answer" and event.get("user_id") in self.personas:
            return [{"type": "callback_answer", "persona": event["user_id"],
                     "text": event.get("text") or "", "show_alert": bool(event.get("show_alert")),
                     "url": event.get("url")}]
        if kind == "stars" and event.get("user_id") in self.personas:
            return [{"type": "persona", "persona": self.persona_json(
                self.personas[event["user_id"]])}]
        return []

    def _visible(self, chat_id: Any) -> bool:
        return chat_id in self.personas or chat_id == GROUP_ID

    def _call(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        method, params = str(event.get("method", "")), event.get("params") or {}
        if method.lower() in QUIET_METHODS:
            return []
        entry = call_entry(method, params, event.get("error"), event.get("at", 0))
        self.calls.append(entry)
        del self.calls[:-MAX_CALLS]
        events: list[dict[str, Any]] = [{"type": "calls", "calls": [entry]}]
        chat_id = params.get("chat_id")
        if not event.get("error") and method.lower().startswith("send") and self._visible(
                chat_id):
            changes, rows = reply_keyboard(params)
            if changes:
                if rows is None:
                    self.keyboards.pop(chat_id, None)
                else:
                    self.keyboards[chat_id] = rows
                events.append({"type": "keyboard", "chat_id": chat_id, "keyboard": rows})
        return events

    def chats(self) -> list[dict[str, Any]]:
        members = list(self.personas)
        chats = [{"id": p.id, "key": "bot", "type": "private", "title": p.name,
                  "members": [p.id]} for p in self.personas.values()]
        chats.append({"id": GROUP_ID, "key": GROUP_KEY, "type": "supergroup",
                      "title": GROUP_TITLE, "members": members})
        return chats

    def persona_json(self, persona: Persona) -> dict[str, Any]:
        return {**asdict(persona), "stars": self.emulator.stars_of(persona.id)}

    async def snapshot(self) -> dict[str, Any]:
        bot = self.emulator.bot_user
        messages = [page_message(m, bot["id"]) for m in self.emulator.messages.values()
                    if m["chat"]["id"] in self.personas or m["chat"]["id"] == GROUP_ID]
        return {
            "type": "snapshot",
            "bot": {"id": bot["id"], "username": bot["username"], "name": bot["first_name"]},
            "personas": [self.persona_json(p) for p in self.personas.values()],
            "chats": self.chats(),
            "messages": messages,
            "keyboards": [{"chat_id": c, "keyboard": k} for c, k in self.keyboards.items()],
            "accounts": [self.accounts[p] for p in self.personas if p in self.accounts],
            "calls": self.calls[-200:],
        }


def random_value(emoji: str) -> int:
    return 1 + secrets.randbelow(5 if emoji in ("🏀", "⚽") else 6)
