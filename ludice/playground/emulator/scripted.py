"""Updates as Telegram would deliver them, scripted directly: users' messages and dice,
button presses (forged ones too), pre-checkout queries and payments, the bot's membership
changes and a group's upgrade to a supergroup. These take the caller's word for everything,
which is what tests need; people.py checks a page's input before it comes here."""

from __future__ import annotations

import itertools
import re
from typing import Any

from ludice.playground.emulator import detect, invoices, messages
from ludice.playground.emulator.bank import StarBank
from ludice.playground.emulator.updates import UpdateQueue
from ludice.playground.emulator.wire import ApiError
from ludice.playground.emulator.world import World, member_json

ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot
MAX_OPEN_CALLBACKS = 10_000


class Scripted(World):
    def __init__(self, token: str, bot_username: str, bot_name: str, initial_stars: int
                 ) -> None:
        super().__init__(token, bot_username, bot_name)
        self.updates = UpdateQueue()
        self.initial_stars = initial_stars
        self.bank = StarBank()
        # callback query id -> where it was pressed, until answerCallbackQuery
        self.callbacks: dict[str, dict[str, Any]] = {}
        self._callback_ids = itertools.count(1)
        self._dice: list[int] = []
        # users who wrote to the bot in private: the bot may write to them
        self.started: set[int] = set()

    @property
    def pushed(self) -> list[dict[str, Any]]:
        """Every update pushed so far, in order (a redelivered one appears again)."""
        return self.updates.pushed

    @property
    def refunded(self) -> set[str]:
        """Charge ids Telegram has refunded (a test may add one to say Telegram did)."""
        return self.bank.refunded

    def stars(self, user_id: int) -> int:
        return self.bank.balances.get(user_id, self.initial_stars)

    def give_stars(self, user_id: int, amount: int) -> int:
        """Top up a user's star balance (as buying stars in the app would); the new balance."""
        return invoices.change_stars(self, user_id, amount, "top-up")

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        return self.updates.push(update)

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.updates.push({kind: payload})

    def delivered(self) -> bool:
        return self.updates.delivered()

    # --- the dice Telegram rolls for the bot -----------------------------------------------

    def script_dice(self, *values: int) -> None:
        """The next sendDice calls land these values, in order (then fair random again)."""
        self._dice.extend(values)

    def roll(self, emoji: str) -> int:
        return self._dice.pop(0) if self._dice else messages.roll(emoji)

    # --- users' messages -------------------------------------------------------------------

    def user_message(self, user_id: int, chat_id: int | None, chat_type: str = "private",
                     **content: Any) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        if chat_id > 0:
            self.started.add(chat_id)
        if chat_id < 0 and chat_id not in self.groups:
            kind = chat_type if chat_type in ("group", "supergroup") else "supergroup"
            self.groups[chat_id] = {"type": kind, "title": f"Test group {chat_id}",
                                    "is_forum": False}
        return self.push("message", self.store(chat_id, {"from": self.user_json(user_id),
                                                          **content}))

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None,
                  chat_type: str = "private", reply_to: int | None = None,
                  message_thread_id: int | None = None, anonymous: bool = False
                  ) -> dict[str, Any]:
        """A user's text message (a leading /command gets its bot_command entity);
        `anonymous`: a group admin posting as the group. Returns the update."""
        content: dict[str, Any] = {"text": text}
        target = user_id if chat_id is None else chat_id
        if anonymous:
            user_id = ANONYMOUS_ADMIN
            self.users[user_id] = {"id": user_id, "is_bot": True, "first_name": "Group",
                                   "username": "GroupAnonymousBot"}
            content["sender_chat"] = self.chat(target)
        if entities := detect.with_found(text, []):
            content["entities"] = entities
        if message_thread_id is not None:
            content |= {"message_thread_id": message_thread_id, "is_topic_message": True}
        if reply_to is not None:
            content["reply_to_message"] = self.reply_target(target, reply_to) or {
                "message_id": reply_to, "date": int(self.clock()), "chat": self.chat(target)}
        return self.user_message(user_id, chat_id, chat_type, **content)

    def send_dice(self, user_id: int, emoji: str = "🎲", value: int | None = None, *,
                  chat_id: int | None = None, chat_type: str = "private",
                  forwarded: bool = False, via_bot: bool = False,
                  message_thread_id: int | None = None) -> dict[str, Any]:
        """A die the user throws (value: fair random unless given); `forwarded` and `via_bot`
        fake the two ways a player could pass off someone else's die."""
        if value is None:
            value = messages.roll(emoji)
        content: dict[str, Any] = {"dice": {"emoji": emoji, "value": value}}
        if message_thread_id is not None:
            content |= {"message_thread_id": message_thread_id, "is_topic_message": True}
        if forwarded:
            origin = {"id": 777000 + user_id, "is_bot": False, "first_name": "Original"}
            content["forward_origin"] = {"type": "user", "sender_user": origin,
                                         "date": int(self.clock()) - 60}
        if via_bot:
            content["via_bot"] = {"id": 424242, "is_bot": True, "first_name": "Other",
                                  "username": "other_bot"}
        return self.user_message(user_id, chat_id, chat_type, **content)

    # --- buttons ---------------------------------------------------------------------------

    def press(self, user_id: int, data: str, *, message_id: int, chat_id: int | None = None
              ) -> dict[str, Any]:
        """A callback query with `data` on `message_id`, whatever the message carries (so a
        test can forge one); an unknown message id is sent as a bare stub message."""
        chat_id = user_id if chat_id is None else chat_id
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id, "date": int(self.clock()), "chat": self.chat(chat_id),
            "from": self.bot_user, "text": ""}
        query_id = str(9_000_000 + next(self._callback_ids))
        if len(self.callbacks) >= MAX_OPEN_CALLBACKS:  # Telegram forgets unanswered ones
            del self.callbacks[next(iter(self.callbacks))]
        self.callbacks[query_id] = {"user_id": user_id, "chat_id": chat_id,
                                    "message_id": message_id}
        return self.push("callback_query", {
            "id": query_id, "from": self.user_json(user_id),
            "chat_instance": str(-abs(chat_id) * 7), "message": message, "data": data})

    def answer_callback_query(self, p: dict[str, Any]) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        query = self.callbacks.get(query_id)
        if query is None:
            raise ApiError(invoices.QUERY_INVALID)
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        url = p.get("url")
        me = re.escape(self.bot_user["username"])
        start_link = re.compile(rf"https?://t\.me/{me}\?start=[\w-]{{1,64}}", re.IGNORECASE)
        if url is not None and not (isinstance(url, str) and start_link.fullmatch(url)):
            raise ApiError("Bad Request: URL_INVALID")
        del self.callbacks[query_id]
        self.emit("callback_answer", user_id=query["user_id"], chat_id=query["chat_id"],
                  message_id=query["message_id"], callback_query_id=query_id,
                  text=text if isinstance(text, str) else None,
                  show_alert=p.get("show_alert") is True,
                  url=p.get("url") if isinstance(p.get("url"), str) else None)
        return True

    # --- payments --------------------------------------------------------------------------

    def pre_checkout(self, user_id: int, payload: str, total_amount: int,
                     currency: str = "XTR") -> dict[str, Any]:
        return invoices.push_pre_checkout(self, user_id, payload, total_amount, currency)

    def successful_payment(self, user_id: int, payload: str, total_amount: int,
                           charge_id: str, currency: str = "XTR") -> dict[str, Any]:
        """Telegram charged the user (their stars go down, the transaction is recorded) and
        delivers the successful_payment message in their private chat."""
        return invoices.record_payment(self, user_id, user_id, payload, total_amount,
                                       charge_id, currency)

    # --- the bot's memberships -------------------------------------------------------------

    def bot_status(self, chat_id: int, new: str, *, by: int, old: str | None = None
                   ) -> dict[str, Any]:
        """The bot's own membership changes (added, promoted, removed): a my_chat_member
        update, as Telegram sends it."""
        if old is None:
            old = self.status(chat_id, self.bot_user["id"]) or (
                "left" if new in ("member", "administrator") else "member")
        self.set_member(chat_id, self.bot_user["id"], new)
        return self.push("my_chat_member", {
            "chat": self.chat(chat_id), "from": self.user_json(by), "date": int(self.clock()),
            "old_chat_member": self._bot_member(old),
            "new_chat_member": self._bot_member(new)})

    def _bot_member(self, status: str) -> dict[str, Any]:
        return member_json(status, self.bot_user)

    def migrate(self, old_id: int, new_id: int, *, by: int) -> dict[str, Any]:
        """A basic group upgraded to a supergroup: the service messages in both chats; the
        old id answers "group chat was upgraded" from now on."""
        info = self.groups.get(old_id) or {"title": "Test group", "is_forum": False}
        self.groups[old_id] = {**info, "type": "group", "migrated_to": new_id}
        self.group(new_id, info["title"])
        for (chat, user), entry in list(self._members.items()):
            if chat == old_id:
                self._members[(new_id, user)] = dict(entry)
        update = self.push("message", self.store(old_id, {
            "from": self.user_json(by), "migrate_to_chat_id": new_id}))
        self.push("message", self.store(new_id, {
            "from": self.user_json(by), "sender_chat": self.chat(new_id),
            "migrate_from_chat_id": old_id}))
        return update
