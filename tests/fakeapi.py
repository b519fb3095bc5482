"""A fake Telegram Bot API server for end-to-end tests of the real aiogram bot.

Tests script users' updates (send_text, press, ...), the bot long-polls them through
getUpdates, and everything the bot sends is recorded in `calls` for inspection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

ANONYMOUS_ADMIN = 1087968824
DICE_RANGES = {"🎲": 6, "🎯": 6, "🎳": 6, "🏀": 5, "⚽": 5, "🎰": 64}
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
}
# Free-text fields must stay strings even when they look like JSON ("42", "true").
_STR_KEYS = frozenset({
    "text", "caption", "payload", "title", "description", "currency", "emoji", "data",
    "callback_query_id", "pre_checkout_query_id", "telegram_payment_charge_id", "parse_mode",
    "provider_token", "start_parameter", "url", "error_message", "inline_message_id",
    "language_code", "action", "business_connection_id", "message_effect_id", "photo",
    "document", "animation", "video",
})
# Fields a copied/forwarded message does not inherit from its source.
_NOT_CONTENT = frozenset({
    "message_id", "date", "chat", "from", "edit_date", "forward_origin", "reply_to_message",
    "reply_markup", "message_thread_id", "is_topic_message", "via_bot",
})


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    answered_error: bool = False


class ApiError(Exception):
    # Raised by method handlers, and by set_response callables, to answer with an error.
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass
class _Queued:
    update: dict[str, Any]
    fetched: bool = False


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _decode(key: str, value: Any) -> Any:
    # aiogram JSON-encodes every non-string value into the form, so undo that here.
    if not isinstance(value, str) or key in _STR_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram:
    def __init__(self, *, token: str = "123456:TEST", bot_username: str = "ludice_test_bot"):
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Ludice Test",
            "username": bot_username,
        }
        self.calls: list[Call] = []
        self.pushed: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.refunded: set[str] = set()
        self.base_url = ""
        # Telegram's clock: the `date` of every message (a test with a FakeClock sets it).
        self.clock: Callable[[], float] = time.time
        self._users: dict[int, dict[str, Any]] = {}
        self._chat_types: dict[int, str] = {}
        self._groups: dict[int, dict[str, Any]] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._restricted_in: dict[tuple[int, int], bool] = {}
        self._msg_ids: dict[int, int] = {}
        self._queue: list[_Queued] = []
        self._update_id = 0
        self._callback_id = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._dice: list[int] = []
        self._failures: dict[str, list[dict[str, Any]]] = {}
        self._overrides: dict[str, Any] = {}
        self._commands: dict[tuple[str, str], Any] = {}
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        # Release pending long polls first, otherwise cleanup waits for them to time out.
        self._closing = True
        self._wake.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- users' side -----------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Alice",
        username: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def group(self, chat_id: int, title: str = "Test group", *, forum: bool = False,
              kind: str = "supergroup") -> int:
        """Register a group chat (a forum with `forum`): its chat object gets a title."""
        self._chat_types[chat_id] = kind
        self._groups[chat_id] = {"title": title, "is_forum": forum}
        return chat_id

    def set_member(self, chat_id: int, user_id: int, status: str, *,
                   is_member: bool = True) -> None:
        """What getChatMember answers for this user in this chat (default: member). A
        "restricted" user may be in the chat or not (`is_member`)."""
        self._members[(chat_id, user_id)] = status
        self._restricted_in[(chat_id, user_id)] = is_member

    def bot_status(self, chat_id: int, new: str, *, by: int, old: str | None = None
                   ) -> dict[str, Any]:
        """The bot's own membership changes (added, promoted, removed): a my_chat_member
        update, as Telegram sends it."""
        if old is None:
            old = "left" if new in ("member", "administrator") else "member"
        self._members[(chat_id, self.bot_user["id"])] = new
        return self._push("my_chat_member", {
            "chat": self._chat(chat_id),
            "from": self._user(by),
            "date": int(self.clock()),
            "old_chat_member": self._member(old, self.bot_user),
            "new_chat_member": self._member(new, self.bot_user),
        })

    def migrate(self, old_id: int, new_id: int, *, by: int) -> dict[str, Any]:
        """A basic group upgraded to a supergroup: the service message in the old chat."""
        self._chat_types[old_id] = "group"
        self.group(new_id, self._groups.get(old_id, {}).get("title", "Test group"))
        msg = self._store(old_id, {"from": self._user(by), "migrate_to_chat_id": new_id})
        return self._push("message", msg)

    def _member(self, status: str, user: dict[str, Any], in_chat: bool = True
                ) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            member |= dict.fromkeys(
                ["can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                 "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                 "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                 "can_delete_stories", "can_send_welcome_messages"], False)
            member["can_manage_chat"] = True
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member |= dict.fromkeys(
                ["can_send_messages", "can_send_audios", "can_send_documents",
                 "can_send_photos", "can_send_videos", "can_send_video_notes",
                 "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
                 "can_add_web_page_previews", "can_react_to_messages", "can_edit_tag",
                 "can_change_info", "can_invite_users", "can_pin_messages",
                 "can_manage_topics"], False)
            member |= {"is_member": in_chat, "until_date": 0}
        return member

    def _user(self, user_id: int) -> dict[str, Any]:
        return self._users.get(user_id) or self.user(user_id, first_name=f"User{user_id}")

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" not in update:
            self._update_id += 1
            update = {"update_id": self._update_id, **update}
        self._update_id = max(self._update_id, update["update_id"])
        self._queue.append(_Queued(update))
        self.pushed.append(update)
        self._wake.set()
        self._wake = asyncio.Event()
        return update

    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._update_id += 1
        return self.push_raw({"update_id": self._update_id, kind: payload})

    def _user_message(
        self, user_id: int, chat_id: int | None, chat_type: str, **content: Any
    ) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        if chat_type != "private" or chat_id < 0:
            self._chat_types[chat_id] = chat_type if chat_type != "private" else "supergroup"
        msg = self._store(chat_id, {"from": self._user(user_id), **content})
        return self._push("message", msg)

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        message_thread_id: int | None = None,
        anonymous: bool = False,
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if anonymous:  # a group admin posting as the group: Telegram's GroupAnonymousBot
            user_id = ANONYMOUS_ADMIN
            self._users[user_id] = {"id": user_id, "is_bot": True, "first_name": "Group",
                                    "username": "GroupAnonymousBot"}
            content["sender_chat"] = self._chat(chat_id)
        if text.startswith("/"):
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        if message_thread_id is not None:
            content |= {"message_thread_id": message_thread_id, "is_topic_message": True}
        target = user_id if chat_id is None else chat_id
        if reply_to is not None:
            content["reply_to_message"] = self._reply_target(target, reply_to)
        return self._user_message(user_id, chat_id, chat_type, **content)

    def send_dice(
        self,
        user_id: int,
        emoji: str = "🎲",
        value: int = 3,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        forwarded: bool = False,
        via_bot: bool = False,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"dice": {"emoji": emoji, "value": value}}
        if message_thread_id is not None:
            content |= {"message_thread_id": message_thread_id, "is_topic_message": True}
        if forwarded:
            origin = {"id": 777000 + user_id, "is_bot": False, "first_name": "Original"}
            content["forward_origin"] = {
                "type": "user", "sender_user": origin, "date": int(self.clock()) - 60
            }
        if via_bot:
            content["via_bot"] = {
                "id": 424242, "is_bot": True, "first_name": "Other", "username": "other_bot"
            }
        return self._user_message(user_id, chat_id, chat_type, **content)

    def press(
        self, user_id: int, data: str, *, message_id: int, chat_id: int | None = None
    ) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(self.clock()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "text": "",
        }
        self._callback_id += 1
        return self._push("callback_query", {
            "id": str(9_000_000 + self._callback_id),
            "from": self._user(user_id),
            "chat_instance": str(-abs(chat_id) * 7),
            "message": message,
            "data": data,
        })

    def pre_checkout(
        self, user_id: int, payload: str, total_amount: int, currency: str = "XTR"
    ) -> dict[str, Any]:
        self._callback_id += 1
        return self._push("pre_checkout_query", {
            "id": str(8_000_000 + self._callback_id),
            "from": self._user(user_id),
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
        })

    def successful_payment(
        self, user_id: int, payload: str, total_amount: int, charge_id: str, currency: str = "XTR"
    ) -> dict[str, Any]:
        return self._user_message(user_id, None, "private", successful_payment={
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        })

    # --- bot-facing scripting ---------------------------------------------------------

    def script_dice(self, *values: int) -> None:
        self._dice.extend(values)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if error_code == 429
                else _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
            )
        body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if error_code == 429:
            body["parameters"] = {"retry_after": retry_after}
        self._failures.setdefault(method.lower(), []).extend([body] * times)

    def set_response(self, method: str, result: Any) -> None:
        self._overrides[method.lower()] = result

    # --- inspection --------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        return [
            c for c in self.calls
            if not c.answered_error
            and (method is None or c.method.lower() == method.lower())
            and (chat_id is None or _as_int(c.params.get("chat_id")) == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        out = []
        for c in self.sent(chat_id):
            value = c.params.get("text", c.params.get("caption"))
            if isinstance(value, str):
                out.append(value)
        return out

    def delivered(self) -> bool:
        return not self._queue

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                dump = "\n".join(
                    f"  {c.method}{' (ERROR)' if c.answered_error else ''} {c.params!r:.300}"
                    for c in self.calls[-20:]
                )
                raise AssertionError(f"condition not met within {timeout}s; last calls:\n{dump}")
            await asyncio.sleep(0.005)

    async def wait_text(self, chat_id: int, contains: str, timeout: float = 5.0) -> str:
        def found() -> str | None:
            return next((t for t in self.texts(chat_id) if contains in t), None)

        return await self.wait_for(found, timeout)

    # --- HTTP plumbing -------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            raw.update(await request.json())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                raw[key] = value if isinstance(value, str) else f"<file {value.filename}>"
        call = Call(method, {k: _decode(k, v) for k, v in raw.items()}, time.monotonic())
        self.calls.append(call)
        key = method.lower()
        if request.match_info["token"] != self.token:
            body: dict[str, Any] = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif self._failures.get(key):
            body = self._failures[key].pop(0)
        elif key not in self._overrides and not hasattr(self, f"_m_{key}"):
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            handler = self._overrides.get(key, getattr(self, f"_m_{key}", None))
            try:
                result = handler(call.params) if callable(handler) else handler
                if asyncio.iscoroutine(result):
                    result = await result
                body = {"ok": True, "result": result}
            except ApiError as e:
                body = {"ok": False, "error_code": e.code, "description": e.description}
        call.answered_error = not body["ok"]
        return web.json_response(body, status=200 if body["ok"] else body["error_code"])

    # --- message store -------------------------------------------------------------------

    def _chat(self, chat_id: int) -> dict[str, Any]:
        kind = self._chat_types.get(chat_id) or ("private" if chat_id > 0 else "supergroup")
        if kind != "private":
            info = self._groups.get(chat_id, {})
            title = info.get("title", f"Test group {chat_id}")
            chat = {"id": chat_id, "type": kind, "title": title}
            if info.get("is_forum"):
                chat["is_forum"] = True
            return chat
        user = self._users.get(chat_id, {})
        chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _store(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        # Message ids are per chat and shared by both sides, as in real Telegram.
        self._msg_ids[chat_id] = message_id = self._msg_ids.get(chat_id, 0) + 1
        msg = {"message_id": message_id, "date": int(self.clock()), "chat": self._chat(chat_id)}
        msg.update(content)
        self.messages[(chat_id, message_id)] = msg
        return msg

    def _reply_target(self, chat_id: int, message_id: int) -> dict[str, Any]:
        found = self.messages.get((chat_id, message_id))
        if found is None:
            return {"message_id": message_id, "date": int(self.clock()),
                    "chat": self._chat(chat_id)}
        return {k: v for k, v in found.items() if k != "reply_to_message"}

    def _chat_id(self, p: dict[str, Any], key: str = "chat_id") -> int:
        chat_id = _as_int(p.get(key))
        if chat_id is None:
            raise ApiError("Bad Request: chat not found")
        return chat_id

    def _find(self, p: dict[str, Any], what: str) -> dict[str, Any]:
        msg = self.messages.get((self._chat_id(p), _as_int(p.get("message_id")) or 0))
        if msg is None:
            raise ApiError(f"Bad Request: message to {what} not found")
        return msg

    def _bot_message(self, p: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = self._chat_id(p)
        content = {"from": self.bot_user, **content}
        if p.get("message_thread_id") is not None:
            content |= {"message_thread_id": p["message_thread_id"], "is_topic_message": True}
        reply = p.get("reply_parameters") or {}
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or p.get("reply_to_message_id")
        if reply_id is not None:
            content["reply_to_message"] = self._reply_target(chat_id, int(reply_id))
        markup = p.get("reply_markup")
        # Only inline keyboards come back on a Message; reply keyboards are never echoed.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return self._store(chat_id, content)

    # --- Bot API methods (looked up as _m_<lowercased method>) ----------------------------

    def _m_getme(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = _as_int(p.get("offset")) or 0
        limit = max(1, min(_as_int(p.get("limit")) or 100, 100))
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        # Fetched updates below offset are confirmed and forgotten; never-fetched ones are
        # still delivered, so push_raw can replay an old update_id as a duplicate.
        self._queue = [q for q in self._queue if not (q.fetched and q.update["update_id"] < offset)]
        while not self._queue and not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)
        batch = self._queue[:limit]
        for q in batch:
            q.fetched = True
        return [q.update for q in batch]

    def _m_deletewebhook(self, p: dict[str, Any]) -> bool:
        return True

    _m_sendchataction = _m_answercallbackquery = _m_answerprecheckoutquery = _m_deletewebhook
    _m_leavechat = _m_setmydescription = _m_setmyshortdescription = _m_deletewebhook

    def _commands_key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.get("language_code") or ""

    def _m_setmycommands(self, p: dict[str, Any]) -> bool:
        self._commands[self._commands_key(p)] = p.get("commands") or []
        return True

    def _m_getmycommands(self, p: dict[str, Any]) -> list[Any]:
        return self._commands.get(self._commands_key(p), [])

    def _m_deletemycommands(self, p: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    def _m_sendmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError("Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError("Bad Request: message is too long")
        extra = {"entities": p["entities"]} if isinstance(p.get("entities"), list) else {}
        return self._bot_message(p, text=text, **extra)

    def _edit(self, p: dict[str, Any], field: str | None) -> dict[str, Any] | bool:
        if p.get("inline_message_id"):
            return True
        msg = self._find(p, "edit")
        new = dict(msg)
        if field is not None:
            if field == "text" and "text" not in msg:
                raise ApiError("Bad Request: there is no text in the message to edit")
            new[field] = p.get(field) or ""
        markup = p.get("reply_markup")
        # Editing without reply_markup drops the inline keyboard, as in real Telegram.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        if new == msg:
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and reply"
                " markup are exactly the same as a current content and reply markup of the message"
            )
        new["edit_date"] = int(self.clock())
        self.messages[(msg["chat"]["id"], msg["message_id"])] = new
        return new

    def _m_editmessagetext(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(p, "text")

    def _m_editmessagecaption(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(p, "caption")

    def _m_editmessagereplymarkup(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(p, None)

    def _m_deletemessage(self, p: dict[str, Any]) -> bool:
        msg = self._find(p, "delete")
        del self.messages[(msg["chat"]["id"], msg["message_id"])]
        return True

    def _copy_source(
        self, p: dict[str, Any], what: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        source = {"chat_id": p.get("from_chat_id"), "message_id": p.get("message_id")}
        msg = self._find(source, what)
        return msg, {k: v for k, v in msg.items() if k not in _NOT_CONTENT}

    def _m_forwardmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        src, content = self._copy_source(p, "forward")
        sender = src.get("from", self.bot_user)
        origin = {"type": "user", "sender_user": sender, "date": src["date"]}
        return self._bot_message(p, **content, forward_origin=origin)

    def _m_copymessage(self, p: dict[str, Any]) -> dict[str, int]:
        _, content = self._copy_source(p, "copy")
        if isinstance(p.get("caption"), str):
            content["caption"] = p["caption"]
        return {"message_id": self._bot_message(p, **content)["message_id"]}

    def _m_senddice(self, p: dict[str, Any]) -> dict[str, Any]:
        emoji = p.get("emoji") or "🎲"
        if emoji not in DICE_RANGES:
            raise ApiError("Bad Request: invalid dice emoji specified")
        value = self._dice.pop(0) if self._dice else random.randint(1, DICE_RANGES[emoji])
        return self._bot_message(p, dice={"emoji": emoji, "value": value})

    def _m_sendinvoice(self, p: dict[str, Any]) -> dict[str, Any]:
        prices = p.get("prices") or []
        return self._bot_message(p, invoice={
            "title": p.get("title", ""),
            "description": p.get("description", ""),
            "start_parameter": p.get("start_parameter", ""),
            "currency": p.get("currency", "XTR"),
            "total_amount": sum(int(price["amount"]) for price in prices),
        })

    def _m_refundstarpayment(self, p: dict[str, Any]) -> bool:
        charge_id = str(p.get("telegram_payment_charge_id") or "")
        if charge_id in self.refunded:
            raise ApiError("Bad Request: CHARGE_ALREADY_REFUNDED")
        self.refunded.add(charge_id)
        return True

    def _m_getstartransactions(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"transactions": []}

    def _m_getchatmember(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = self._chat_id(p), _as_int(p.get("user_id")) or 0
        user = self.bot_user if user_id == self.bot_user["id"] else self._user(user_id)
        return self._member(self._members.get((chat_id, user_id), "member"), user,
                            self._restricted_in.get((chat_id, user_id), True))

    def _m_getchat(self, p: dict[str, Any]) -> dict[str, Any]:
        gifts = dict.fromkeys(
            ["unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
             "gifts_from_channels"], True
        )
        return {
            **self._chat(self._chat_id(p)),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }
