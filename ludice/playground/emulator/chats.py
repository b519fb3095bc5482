"""Bot API methods about the bot itself and its chats: getMe, commands and descriptions,
getChat, getChatMember, leaveChat and the webhook switch long polling needs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ludice.playground.emulator.messages import chat_id_of, target_chat
from ludice.playground.emulator.wire import ApiError, as_int
from ludice.playground.emulator.world import member_json

if TYPE_CHECKING:
    from ludice.playground.emulator.host import Host

_GIFTS = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
          "gifts_from_channels")


def get_me(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    return {**em.bot_user, "can_join_groups": True,
            "can_read_all_group_messages": not em.privacy_mode,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


def delete_webhook(em: Host, p: dict[str, Any]) -> bool:
    return True


def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.get("language_code") or ""


def set_my_commands(em: Host, p: dict[str, Any]) -> bool:
    commands = p.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError("Bad Request: can't parse commands JSON object"
                       if not isinstance(commands, list) else "Bad Request: too many commands")
    for command in commands:
        name = command.get("command", "") if isinstance(command, dict) else ""
        if not (1 <= len(name) <= 32 and name.replace("_", "a").isalnum() and name.islower()
                and name.isascii()):
            raise ApiError("Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    em.commands[_commands_key(p)] = commands
    return True


def get_my_commands(em: Host, p: dict[str, Any]) -> list[Any]:
    return em.commands.get(_commands_key(p), [])


def delete_my_commands(em: Host, p: dict[str, Any]) -> bool:
    em.commands.pop(_commands_key(p), None)
    return True


def _set_text(key: str, limit: int) -> Any:
    def method(em: Host, p: dict[str, Any]) -> bool:
        text = p.get(key) or ""
        if not isinstance(text, str) or len(text) > limit:
            raise ApiError(f"Bad Request: {key} is too long")
        em.descriptions[(key, p.get("language_code") or "")] = text
        return True

    return method


def get_chat(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    chat_id = chat_id_of(p)
    if chat_id > 0 and chat_id not in em.users:
        raise ApiError("Bad Request: chat not found")
    gifts = dict.fromkeys(_GIFTS, True)
    return {**em.chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": gifts}


def get_chat_member(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    chat_id, user_id = chat_id_of(p), as_int(p.get("user_id"))
    if user_id is None or user_id <= 0:
        raise ApiError("Bad Request: PARTICIPANT_ID_INVALID")
    if chat_id > 0:
        # in a private chat both sides are members
        if user_id not in (chat_id, em.bot_user["id"]):
            raise ApiError("Bad Request: user not found")
        return em.member_json(chat_id, user_id)
    if em.status(chat_id, user_id) is None and em.groups.get(chat_id, {}).get("tracked"):
        return member_json("left", em.user_json(user_id))
    return em.member_json(chat_id, user_id)


def leave_chat(em: Host, p: dict[str, Any]) -> bool:
    chat_id = chat_id_of(p)
    if chat_id > 0:
        raise ApiError("Bad Request: chat member status can't be changed in private chats")
    target_chat(em, chat_id)
    em.bot_status(chat_id, "left", by=em.bot_user["id"])
    return True


METHODS = {
    "getme": get_me,
    "deletewebhook": delete_webhook,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setmydescription": _set_text("description", 512),
    "setmyshortdescription": _set_text("short_description", 120),
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    "leavechat": leave_chat,
}
