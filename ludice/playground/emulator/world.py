"""The emulated Telegram's state: users, chats and memberships, every chat's current messages
(Bot API Message JSON, edits applied, deleted ones gone), and the event stream that lets a
page watch all of it. Everything runs in one asyncio loop; nothing here is thread-safe."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from ludice.playground.emulator.render import to_html

log = logging.getLogger(__name__)

Event = dict[str, Any]
Listener = Callable[[Event], None]
IN_CHAT = frozenset({"creator", "administrator", "member"})
_ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
    "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
    "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
    "can_send_welcome_messages",
)
_RESTRICTIONS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages",
    "can_edit_tag", "can_change_info", "can_invite_users", "can_pin_messages",
    "can_manage_topics",
)


def plain(value: Any) -> Any:
    """A deep copy made of JSON types only, so no listener can change the world."""
    return json.loads(json.dumps(value))


class World:
    def __init__(self, token: str, bot_username: str, bot_name: str) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]), "is_bot": True, "first_name": bot_name,
            "username": bot_username,
        }
        # Telegram's clock: the `date` of every message (a test with a FakeClock sets it).
        self.clock: Callable[[], float] = time.time
        # (chat id, message id) -> the message as it stands now.
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.keep_messages: int | None = None
        self._members: dict[tuple[int, int], dict[str, Any]] = {}
        self._msg_ids: dict[int, int] = {}
        self._listeners: list[Listener] = []

    # --- the event stream --------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` (in the emulator's loop) for every event from now on;
        returns the function that unsubscribes it. Events are fresh plain-JSON dicts. A
        listener that raises is unsubscribed."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, kind: str, **fields: Any) -> None:
        if not self._listeners:
            return
        event = plain({"type": kind, **fields})
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                # A broken page connection must not break Telegram for the bot: it is
                # dropped (once, with its traceback in the log).
                log.exception("emulator event listener failed on %s; unsubscribed", kind)
                self._listeners.remove(listener)

    # --- users, chats, members -----------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, username: str | None = None,
             language_code: str | None = "en") -> dict[str, Any]:
        """Define (or redefine) a Telegram user; their private chat with the bot has their id."""
        known = self.users.get(user_id)
        if first_name is None:
            first_name = known["first_name"] if known else f"User{user_id}"
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        if known != user:
            self.emit("user", user=user)
        return user

    def user_json(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_user["id"]:
            return self.bot_user
        return self.users.get(user_id) or self.user(user_id)

    def group(self, chat_id: int, title: str = "Test group", *, forum: bool = False,
              kind: str = "supergroup") -> int:
        """Register a group chat (kind "group" or "supergroup"; a forum with `forum`)."""
        self.groups[chat_id] = {"type": kind, "title": title, "is_forum": forum}
        self.emit("chat", chat=self.chat(chat_id))
        return chat_id

    def chat(self, chat_id: int) -> dict[str, Any]:
        info = self.groups.get(chat_id)
        if info is None and chat_id < 0:
            info = {"type": "supergroup", "title": f"Test group {chat_id}", "is_forum": False}
        if info is not None:
            chat = {"id": chat_id, "type": info["type"], "title": info["title"]}
            if info.get("is_forum"):
                chat["is_forum"] = True
            return chat
        user = self.users.get(chat_id, {})
        chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str, *,
                   is_member: bool = True) -> None:
        """What getChatMember answers for this user in this chat (default: member). A
        "restricted" user may be in the chat or not (`is_member`)."""
        self._members[(chat_id, user_id)] = {"status": status, "is_member": is_member}
        self.emit("member", chat_id=chat_id, user_id=user_id, status=status)

    def status(self, chat_id: int, user_id: int) -> str | None:
        """The recorded membership status, or None when nothing was recorded."""
        entry = self._members.get((chat_id, user_id))
        return entry["status"] if entry else None

    def in_chat(self, chat_id: int, user_id: int) -> bool:
        if chat_id > 0:
            return chat_id == user_id
        entry = self._members.get((chat_id, user_id))
        if entry is None:
            return False
        return entry["status"] in IN_CHAT or (entry["status"] == "restricted"
                                              and entry["is_member"])

    def members(self, chat_id: int) -> dict[int, str]:
        return {user: entry["status"] for (chat, user), entry in self._members.items()
                if chat == chat_id}

    def member_json(self, chat_id: int, user_id: int) -> dict[str, Any]:
        entry = self._members.get((chat_id, user_id), {"status": "member", "is_member": True})
        return member_json(entry["status"], self.user_json(user_id), entry["is_member"])

    # --- messages ------------------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        return self._msg_ids.get(chat_id, 0) + 1

    def skip_message_ids(self, chat_id: int, up_to: int) -> None:
        """Number the chat's next messages after `up_to` (a restarted world whose bot still
        remembers message ids from before must never see them reused)."""
        self._msg_ids[chat_id] = max(self._msg_ids.get(chat_id, 0), up_to)

    def store(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        # Message ids are per chat and shared by both sides, as in real Telegram.
        self._msg_ids[chat_id] = message_id = self._msg_ids.get(chat_id, 0) + 1
        msg = {"message_id": message_id, "date": int(self.clock()), "chat": self.chat(chat_id)}
        msg.update(content)
        self.messages[(chat_id, message_id)] = msg
        if self.keep_messages is not None:
            self.messages.pop((chat_id, message_id - self.keep_messages), None)
        if self._listeners:
            self.emit("message", chat_id=chat_id, message=msg, html=shown_html(msg))
        return msg

    def replace(self, new: dict[str, Any]) -> dict[str, Any]:
        chat_id = new["chat"]["id"]
        self.messages[(chat_id, new["message_id"])] = new
        if self._listeners:
            self.emit("edited", chat_id=chat_id, message=new, html=shown_html(new))
        return new

    def remove(self, chat_id: int, message_id: int) -> None:
        del self.messages[(chat_id, message_id)]
        self.emit("deleted", chat_id=chat_id, message_id=message_id)

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat as a client shows it now, oldest first (plain copies)."""
        return plain([m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id])

    def reply_target(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        found = self.messages.get((chat_id, message_id))
        if found is None:
            return None
        return {k: v for k, v in found.items() if k != "reply_to_message"}


def shown_html(msg: dict[str, Any]) -> str | None:
    """The message's text or caption as safe markup for a page (None when it has neither)."""
    if "text" in msg:
        return to_html(msg["text"], msg.get("entities"))
    if "caption" in msg:
        return to_html(msg["caption"], msg.get("caption_entities"))
    return None


def member_json(status: str, user: dict[str, Any], in_chat: bool = True) -> dict[str, Any]:
    """A ChatMember object for `status` with the fields aiogram's model of it requires."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member |= dict.fromkeys(_ADMIN_RIGHTS, False)
        member["can_manage_chat"] = True
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        member |= dict.fromkeys(_RESTRICTIONS, False)
        member |= {"is_member": in_chat, "until_date": 0}
    return member
