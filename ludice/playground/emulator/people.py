"""What a person can do in a Telegram client, checked the way the client and Telegram check
it, for input that comes from a page: every refusal is an ActionError whose message can be
shown as it is, and a refused action changes nothing. Group messages reach the bot as
Telegram's privacy mode decides (commands, replies to the bot, mentions; everything when the
bot is an admin or privacy mode is off)."""

from __future__ import annotations

import itertools
import re
import urllib.parse
from typing import Any

from ludice.playground.emulator import detect, invoices, messages
from ludice.playground.emulator.content import MAX_TEXT
from ludice.playground.emulator.scripted import Scripted
from ludice.playground.emulator.wire import ActionError

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_START = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_CALLBACK_DATA = 64


class People(Scripted):
    def __init__(self, token: str, bot_username: str, bot_name: str, initial_stars: int
                 ) -> None:
        super().__init__(token, bot_username, bot_name, initial_stars)
        # Off, the bot sees every group message (BotFather's /setprivacy).
        self.privacy_mode = True
        self.blocked: set[int] = set()
        self._new_user_ids = itertools.count(1_000_001)
        self._new_group_ids = itertools.count(1)

    # --- people and groups -----------------------------------------------------------------

    def add_user(self, first_name: str, *, language_code: str = "en",
                 username: str | None = None, stars: int | None = None) -> dict[str, Any]:
        """A new Telegram user (a fresh id); returns their User JSON."""
        first_name = first_name.strip() if isinstance(first_name, str) else ""
        if not 1 <= len(first_name) <= 64:
            raise ActionError("a name must have 1 to 64 characters")
        if username is not None:
            if not _USERNAME.fullmatch(username):
                raise ActionError("a username has 5-32 letters, digits and _, starting with a "
                                  "letter")
            taken = {u.get("username", "").lower() for u in self.users.values()}
            if username.lower() in taken | {self.bot_user["username"].lower()}:
                raise ActionError(f"the username @{username} is taken")
        if not (isinstance(language_code, str) and re.fullmatch(r"[a-z]{2,3}", language_code)):
            raise ActionError("a language code is two or three lowercase letters")
        user_id = next(i for i in self._new_user_ids if i not in self.users)
        user = self.user(user_id, first_name, username, language_code)
        if stars is not None:
            self.give_stars(user_id, stars - self.stars(user_id))
        return user

    def create_group(self, title: str, members: list[int], *, admins: tuple[int, ...] = (),
                     forum: bool = False, kind: str = "supergroup", add_bot: bool = True,
                     bot_admin: bool = False) -> int:
        """A group whose creator is the first admin (or first member), with the bot added
        by them (a my_chat_member update), or promoted to admin with `bot_admin`."""
        title = title.strip() if isinstance(title, str) else ""
        if not 1 <= len(title) <= 128:
            raise ActionError("a group title must have 1 to 128 characters")
        if kind not in ("group", "supergroup") or (forum and kind != "supergroup"):
            raise ActionError("a group is a group or supergroup; only supergroups are forums")
        people = list(dict.fromkeys([*admins, *members]))
        unknown = [u for u in people if u not in self.users]
        if not people or unknown:
            raise ActionError(f"unknown users: {unknown}" if unknown else
                              "a group needs at least one member")
        n = next(self._new_group_ids)
        chat_id = -(1_000_000_000_000 + n) if kind == "supergroup" else -(4_000_000_000 + n)
        self.groups[chat_id] = {"type": kind, "title": title, "is_forum": forum,
                                "tracked": True, "topics": {}}
        creator = people[0]
        for user_id in people:
            status = ("creator" if user_id == creator else
                      "administrator" if user_id in admins else "member")
            self._members[(chat_id, user_id)] = {"status": status, "is_member": True}
        self.emit("chat", chat=self.chat(chat_id), members=self.members(chat_id))
        if add_bot:
            self.bot_status(chat_id, "administrator" if bot_admin else "member", by=creator)
        return chat_id

    def create_topic(self, user_id: int, chat_id: int, name: str) -> int:
        """`user_id` opens a topic in a forum group; its id (message_thread_id) is returned."""
        self.visible(user_id, chat_id)
        info = self.groups[chat_id]
        if not info.get("is_forum"):
            raise ActionError("only forum groups have topics")
        name = name.strip() if isinstance(name, str) else ""
        if not 1 <= len(name) <= 128:
            raise ActionError("a topic name must have 1 to 128 characters")
        topic = self.next_message_id(chat_id)  # a topic is named after its first message
        info["topics"][topic] = name
        self._deliver(chat_id, {
            "from": self.user_json(user_id), "message_thread_id": topic,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096}}, service=True)
        return topic

    def join_group(self, chat_id: int, user_id: int, *, by: int | None = None
                   ) -> dict[str, Any]:
        """`user_id` joins (or is added by `by`): the new_chat_members service message."""
        self._known_group(chat_id)
        self._known_user(user_id)
        if self.in_chat(chat_id, user_id):
            raise ActionError("already in that group")
        adder = user_id if by is None else by
        if adder != user_id and not self.in_chat(chat_id, adder):
            raise ActionError("only a member can add people")
        self.set_member(chat_id, user_id, "member")
        return self._deliver(chat_id, {"from": self.user_json(adder),
                                       "new_chat_members": [self.user_json(user_id)]}, True)

    def remove_from_group(self, admin_id: int, chat_id: int, user_id: int) -> None:
        """A group admin removes `user_id` (the bot too: a my_chat_member update for it);
        the group shows the left_chat_member service message."""
        self.visible(admin_id, chat_id)
        if self.status(chat_id, admin_id) not in ("creator", "administrator"):
            raise ActionError("only group admins can remove members")
        if not self.in_chat(chat_id, user_id) or self.status(chat_id, user_id) == "creator":
            raise ActionError("that member cannot be removed")
        if user_id == self.bot_user["id"]:
            self.bot_status(chat_id, "kicked", by=admin_id)
        else:
            self.set_member(chat_id, user_id, "kicked")
        self._deliver(chat_id, {"from": self.user_json(admin_id),
                                "left_chat_member": self.user_json(user_id)}, True)

    def chats_of(self, user_id: int) -> list[dict[str, Any]]:
        """The chats `user_id` sees: their private chat with the bot, then their groups."""
        self._known_user(user_id)
        return [self.chat(user_id)] + [self.chat(c) for c in self.groups
                                       if self.in_chat(c, user_id)]

    def visible(self, user_id: int, chat_id: int) -> None:
        self._known_user(user_id)
        if not self.in_chat(chat_id, user_id):
            raise ActionError("that chat is not one of this person's chats")
        if self.groups.get(chat_id, {}).get("migrated_to"):
            raise ActionError("this group was upgraded to a supergroup; write there")

    # --- messages --------------------------------------------------------------------------

    def say(self, user_id: int, chat_id: int, text: str, *, reply_to: int | None = None,
            thread_id: int | None = None) -> dict[str, Any]:
        """`user_id` sends `text` into `chat_id`; the stored Message JSON is returned."""
        self.visible(user_id, chat_id)
        if not isinstance(text, str) or not text.strip():
            raise ActionError("a message cannot be empty")
        if len(text) > MAX_TEXT:
            raise ActionError(f"a message has at most {MAX_TEXT} characters")
        content: dict[str, Any] = {"text": text}
        if entities := detect.with_found(text, []):
            content["entities"] = entities
        content |= self._placement(chat_id, reply_to, thread_id)
        return self._deliver(chat_id, {"from": self.user_json(user_id), **content})

    def throw(self, user_id: int, chat_id: int, emoji: str = "🎲", *,
              thread_id: int | None = None) -> dict[str, Any]:
        """`user_id` throws a die: Telegram picks its value."""
        self.visible(user_id, chat_id)
        if emoji not in messages.DICE_RANGES:
            raise ActionError(f"dice are {' '.join(messages.DICE_RANGES)}")
        content = {"dice": {"emoji": emoji, "value": messages.roll(emoji)}}
        content |= self._placement(chat_id, None, thread_id)
        return self._deliver(chat_id, {"from": self.user_json(user_id), **content})

    def forward(self, user_id: int, from_chat_id: int, message_id: int, to_chat_id: int
                ) -> dict[str, Any]:
        """`user_id` forwards a message they can see into another of their chats."""
        self.visible(user_id, from_chat_id)
        self.visible(user_id, to_chat_id)
        source = self.messages.get((from_chat_id, message_id))
        if source is None:
            raise ActionError("that message does not exist")
        if source.get("has_protected_content"):
            raise ActionError("forwards from this message are restricted")
        if "successful_payment" in source or "migrate_to_chat_id" in source or (
                "new_chat_members" in source):
            raise ActionError("service messages cannot be forwarded")
        content = {k: v for k, v in source.items() if k not in messages.NOT_CONTENT}
        content["forward_origin"] = messages.forward_origin(self, source)
        return self._deliver(to_chat_id, {"from": self.user_json(user_id), **content})

    def open_link(self, user_id: int, url: str) -> dict[str, Any]:
        """`user_id` opens t.me/<bot>?start=PAYLOAD (or tg://resolve?domain=<bot>&start=...):
        their client sends `/start PAYLOAD` in their private chat with the bot."""
        self._known_user(user_id)
        parsed = urllib.parse.urlsplit(url.strip() if isinstance(url, str) else "")
        query = urllib.parse.parse_qs(parsed.query)
        if parsed.scheme in ("http", "https", "") and parsed.netloc.lower() in (
                "t.me", "telegram.me"):
            name = parsed.path.strip("/")
        elif parsed.scheme == "tg" and parsed.netloc == "resolve":
            name = (query.get("domain") or [""])[0]
        else:
            raise ActionError("only t.me links open in this playground")
        if name.lower() != self.bot_user["username"].lower():
            raise ActionError(f"this playground has one bot: @{self.bot_user['username']}")
        payload = (query.get("start") or [""])[0]
        if payload and not _START.fullmatch(payload):
            raise ActionError("a start parameter has 1-64 letters, digits, _ and -")
        text = f"/start {payload}" if payload else "/start"
        return self._deliver(user_id, {
            "from": self.user_json(user_id), "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]})

    # --- buttons and invoices --------------------------------------------------------------

    def press_button(self, user_id: int, chat_id: int, message_id: int, data: str, *,
                     forged: bool = False) -> str:
        """`user_id` presses the inline button carrying `data` on a message they can see;
        returns the callback query id. `forged`: send `data` even though no button carries
        it (as a modified client can), for the bot to refuse."""
        self.visible(user_id, chat_id)
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise ActionError("that message does not exist")
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise ActionError("callback data has 1-64 bytes")
        carried = {b.get("callback_data") for row in
                   (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}
        if data not in carried and not forged:
            raise ActionError("that message has no such button")
        update = self.press(user_id, data, message_id=message_id, chat_id=chat_id)
        return update["callback_query"]["id"]

    async def pay(self, user_id: int, chat_id: int, message_id: int,
                  timeout: float = invoices.PRE_CHECKOUT_SECONDS) -> invoices.Outcome:
        """`user_id` pays the invoice `message_id`; awaits the bot's pre-checkout answer."""
        return await invoices.pay(self, user_id, chat_id, message_id, timeout)

    def block(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to them answer 403."""
        self._known_user(user_id)
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    # --- helpers ---------------------------------------------------------------------------

    def _known_user(self, user_id: int) -> None:
        if user_id not in self.users or self.users[user_id].get("is_bot"):
            raise ActionError("no such person")

    def _known_group(self, chat_id: int) -> None:
        if chat_id not in self.groups:
            raise ActionError("no such group")

    def _placement(self, chat_id: int, reply_to: int | None, thread_id: int | None
                   ) -> dict[str, Any]:
        content: dict[str, Any] = {}
        if thread_id is not None:
            info = self.groups.get(chat_id, {})
            if not info.get("is_forum"):
                raise ActionError("only forum groups have topics")
            if thread_id not in info.get("topics", {}):
                raise ActionError("no such topic")
            content |= {"message_thread_id": thread_id, "is_topic_message": True,
                        "reply_to_message": self.reply_target(chat_id, thread_id)}
        if reply_to is not None:
            target = self.reply_target(chat_id, reply_to) if isinstance(reply_to, int) else None
            if target is None:
                raise ActionError("the message to reply to does not exist")
            content["reply_to_message"] = target
        return content

    def _deliver(self, chat_id: int, content: dict[str, Any], service: bool = False
                 ) -> dict[str, Any]:
        msg = self.store(chat_id, content)
        if self._bot_sees(chat_id, msg, service):
            self.push("message", msg)
        return msg

    def _bot_sees(self, chat_id: int, msg: dict[str, Any], service: bool) -> bool:
        if chat_id > 0:
            self.blocked.discard(chat_id)  # writing to a blocked bot unblocks it
            self.started.add(chat_id)
            return True
        status = self.status(chat_id, self.bot_user["id"])
        if status not in ("member", "administrator", "creator"):
            return False
        if service or status != "member" or not self.privacy_mode:
            return True
        me = "@" + self.bot_user["username"].lower()
        text = str(msg.get("text", "")).lower()
        command = text.split()[0] if text.startswith("/") else ""
        replied = (msg.get("reply_to_message") or {}).get("from", {})
        return ((bool(command) and ("@" not in command or command.endswith(me)))
                or replied.get("id") == self.bot_user["id"] or me in text.split())
