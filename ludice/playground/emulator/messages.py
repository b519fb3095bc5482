"""Bot API methods that post, change and remove messages, with Telegram's rules and errors:
parse-mode HTML must parse, protected content cannot be forwarded or copied, an edit must
change something, only the bot's own messages can be edited, dice in a private chat stay for
24 hours, and nothing older than 48 hours can be deleted."""

from __future__ import annotations

import itertools
import secrets
from typing import TYPE_CHECKING, Any

from ludice.playground.emulator.content import (
    MAX_CAPTION,
    formatted,
    inline_markup,
)
from ludice.playground.emulator.wire import ApiError, as_int, too_many_requests

if TYPE_CHECKING:
    from ludice.playground.emulator.host import Host

DICE_RANGES = {"🎲": 6, "🎯": 6, "🎳": 6, "🏀": 5, "⚽": 5, "🎰": 64}
_CAPTIONED = ("photo", "video", "animation", "document", "audio", "voice")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply"
                " markup are exactly the same as a current content and reply markup of the"
                " message")
# Fields a copied/forwarded message does not inherit from its source.
NOT_CONTENT = frozenset({
    "message_id", "date", "chat", "from", "edit_date", "forward_origin", "reply_to_message",
    "reply_markup", "message_thread_id", "is_topic_message", "via_bot", "sender_chat",
    "has_protected_content",
})
DAY = 24 * 3600


def chat_id_of(p: dict[str, Any], key: str = "chat_id") -> int:
    chat_id = as_int(p.get(key))
    if chat_id is None:
        raise ApiError("Bad Request: chat not found")
    return chat_id


def find(em: Host, p: dict[str, Any], what: str, chat_key: str = "chat_id"
         ) -> dict[str, Any]:
    msg = em.messages.get((chat_id_of(p, chat_key), as_int(p.get("message_id")) or 0))
    if msg is None:
        raise ApiError(f"Bad Request: message to {what} not found")
    return msg


def target_chat(em: Host, chat_id: int) -> None:
    """Refuse as Telegram does when the bot cannot post into `chat_id` (only for what the
    emulator knows: a chat it never heard of takes the bot's word)."""
    info = em.groups.get(chat_id)
    if info is not None and info.get("migrated_to"):
        raise ApiError("Bad Request: group chat was upgraded to a supergroup chat",
                       migrate_to_chat_id=info["migrated_to"])
    if chat_id < 0:
        status = em.status(chat_id, em.bot_user["id"])
        kind = info["type"] if info else "supergroup"
        if status == "kicked":
            raise ApiError(f"Forbidden: bot was kicked from the {kind} chat", 403)
        if status == "left":
            raise ApiError(f"Forbidden: bot is not a member of the {kind} chat", 403)
    elif chat_id in em.blocked:
        raise ApiError("Forbidden: bot was blocked by the user", 403)
    elif chat_id in em.users and chat_id not in em.started:
        raise ApiError("Forbidden: bot can't initiate conversation with a user", 403)


def post(em: Host, p: dict[str, Any], **content: Any) -> dict[str, Any]:
    """Store a message the bot sends with parameters `p` (thread, reply, keyboard,
    protect_content) and `content`, once Telegram's checks pass."""
    chat_id = chat_id_of(p)
    target_chat(em, chat_id)
    content = {"from": em.bot_user, **content}
    thread = as_int(p.get("message_thread_id"))
    if thread is not None:
        info = em.groups.get(chat_id)
        if chat_id > 0 or (info is not None and not info.get("is_forum")) or (
                info is not None and info.get("tracked") and thread not in info["topics"]):
            raise ApiError("Bad Request: message thread not found")
        content |= {"message_thread_id": thread, "is_topic_message": True}
        if (chat_id, thread) in em.messages:  # a topic's messages answer its first one
            content["reply_to_message"] = em.reply_target(chat_id, thread)
    reply = p.get("reply_parameters") if isinstance(p.get("reply_parameters"), dict) else {}
    reply_id = as_int(reply.get("message_id")) or as_int(p.get("reply_to_message_id"))
    if reply_id is not None:
        target = em.reply_target(as_int(reply.get("chat_id")) or chat_id, reply_id)
        if target is not None:
            content["reply_to_message"] = target
        elif not (reply.get("allow_sending_without_reply") is True
                  or p.get("allow_sending_without_reply") is True):
            raise ApiError("Bad Request: message to be replied not found")
    # Only inline keyboards come back on a Message; reply keyboards are never echoed.
    if markup := inline_markup(p):
        content["reply_markup"] = markup
    if p.get("protect_content") is True:
        content["has_protected_content"] = True
    if (wait := em.limits.admit(chat_id)) is not None:
        raise too_many_requests(wait)
    return em.store(chat_id, content)


def send_message(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    return post(em, p, **formatted(p))


def send_dice(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    emoji = p.get("emoji") or "🎲"
    if emoji not in DICE_RANGES:
        raise ApiError("Bad Request: invalid dice emoji specified")
    return post(em, p, dice={"emoji": emoji, "value": em.roll(emoji)})


def roll(emoji: str) -> int:
    return secrets.randbelow(DICE_RANGES[emoji]) + 1


def _edit(em: Host, p: dict[str, Any], field: str | None) -> dict[str, Any] | bool:
    if p.get("inline_message_id"):
        return True
    msg = find(em, p, "edit")
    if msg.get("from", {}).get("id") != em.bot_user["id"]:
        raise ApiError("Bad Request: message can't be edited")
    new = dict(msg)
    if field == "text":
        if "text" not in msg:
            raise ApiError("Bad Request: there is no text in the message to edit")
        new.pop("entities", None)
        new |= formatted(p)
    elif field == "caption":
        if "caption" not in msg and not any(k in msg for k in _CAPTIONED):
            raise ApiError("Bad Request: there is no caption in the message to edit")
        new.pop("caption", None)
        new.pop("caption_entities", None)
        new |= formatted(p, "caption", MAX_CAPTION)
    # Editing without reply_markup drops the inline keyboard, as in real Telegram.
    if markup := inline_markup(p):
        new["reply_markup"] = markup
    else:
        new.pop("reply_markup", None)
    if new == msg:
        raise ApiError(NOT_MODIFIED)
    new["edit_date"] = int(em.clock())
    return em.replace(new)


def edit_message_text(em: Host, p: dict[str, Any]) -> dict[str, Any] | bool:
    return _edit(em, p, "text")


def edit_message_caption(em: Host, p: dict[str, Any]) -> dict[str, Any] | bool:
    return _edit(em, p, "caption")


def edit_message_reply_markup(em: Host, p: dict[str, Any]) -> dict[str, Any] | bool:
    return _edit(em, p, None)


def delete_message(em: Host, p: dict[str, Any]) -> bool:
    msg = find(em, p, "delete")
    chat_id = msg["chat"]["id"]
    age = em.clock() - msg["date"]
    own = msg.get("from", {}).get("id") == em.bot_user["id"]
    if chat_id > 0 and "dice" in msg and age < DAY:
        raise ApiError("Bad Request: message can't be deleted")
    if age >= 2 * DAY:
        raise ApiError("Bad Request: message can't be deleted for everyone")
    if chat_id < 0 and not own and em.status(chat_id, em.bot_user["id"]) not in (
            "administrator", "creator"):
        raise ApiError("Bad Request: message can't be deleted")
    em.remove(chat_id, msg["message_id"])
    return True


def _source(em: Host, p: dict[str, Any], what: str) -> tuple[dict[str, Any], dict]:
    msg = find(em, {"chat_id": p.get("from_chat_id"), "message_id": p.get("message_id")}, what)
    if msg.get("has_protected_content"):
        raise ApiError(f"Bad Request: the message can't be {what}ed"
                       if what == "forward" else "Bad Request: the message can't be copied")
    return msg, {k: v for k, v in msg.items() if k not in NOT_CONTENT}


def forward_origin(em: Host, msg: dict[str, Any]) -> dict[str, Any]:
    """Where a forwarded copy of `msg` says it came from (the original's origin, if any)."""
    if "forward_origin" in msg:
        return msg["forward_origin"]
    if "sender_chat" in msg:
        return {"type": "chat", "sender_chat": msg["sender_chat"], "date": msg["date"]}
    return {"type": "user", "sender_user": msg.get("from", em.bot_user), "date": msg["date"]}


def forward_message(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    src, content = _source(em, p, "forward")
    return post(em, p, **content, forward_origin=forward_origin(em, src))


def forward_messages(em: Host, p: dict[str, Any]) -> list[dict[str, int]]:
    """Several messages of one chat at once, in the order given (strictly increasing ids,
    as Telegram requires); each forwarded copy is a message of its own."""
    ids = p.get("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100 or not all(
            isinstance(i, int) for i in ids):
        raise ApiError("Bad Request: message identifiers are not specified")
    if any(b <= a for a, b in itertools.pairwise(ids)):
        raise ApiError("Bad Request: message identifiers must be in a strictly increasing order")
    sources = [_source(em, {**p, "message_id": i}, "forward")[0] for i in ids]
    out = []
    for src in sources:
        content = {k: v for k, v in src.items() if k not in NOT_CONTENT}
        sent = post(em, p, **content, forward_origin=forward_origin(em, src))
        out.append({"message_id": sent["message_id"]})
    return out


def copy_message(em: Host, p: dict[str, Any]) -> dict[str, int]:
    _, content = _source(em, p, "copy")
    if isinstance(p.get("caption"), str):
        content.pop("caption_entities", None)
        content.pop("caption", None)
        content |= formatted(p, "caption", MAX_CAPTION)
    return {"message_id": post(em, p, **content)["message_id"]}


CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})


def send_chat_action(em: Host, p: dict[str, Any]) -> bool:
    target_chat(em, chat_id_of(p))
    if p.get("action") not in CHAT_ACTIONS:
        raise ApiError("Bad Request: wrong parameter action in request")
    return True


METHODS = {
    "sendmessage": send_message,
    "senddice": send_dice,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "forwardmessage": forward_message,
    "forwardmessages": forward_messages,
    "copymessage": copy_message,
    "sendchataction": send_chat_action,
}
