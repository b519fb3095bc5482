"""What the page is sent: Bot API messages and calls turned into the small JSON the page
renders. Text stays text: the page builds DOM nodes from text and entities and never parses
markup."""

from __future__ import annotations

import json
from typing import Any

MAX_PARAM = 300  # characters of one call parameter kept for the log
QUIET_METHODS = frozenset({"getupdates"})  # long polling: constant, and says nothing


def display_name(user: dict[str, Any]) -> str:
    name = " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)
    return name or user.get("username") or f"user {user.get('id')}"


def _origin_name(origin: dict[str, Any]) -> str:
    if origin.get("sender_user"):
        return display_name(origin["sender_user"])
    if origin.get("sender_user_name"):
        return str(origin["sender_user_name"])
    chat = origin.get("sender_chat") or origin.get("chat") or {}
    return str(chat.get("title") or "a hidden user")


def buttons(markup: Any) -> list[list[dict[str, str]]]:
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        return []
    rows = []
    for row in markup["inline_keyboard"]:
        out = []
        for button in row if isinstance(row, list) else []:
            if not isinstance(button, dict):
                continue
            entry = {"text": str(button.get("text", ""))}
            if isinstance(button.get("url"), str):
                entry["url"] = button["url"]
            elif isinstance(button.get("callback_data"), str):
                entry["data"] = button["callback_data"]
            else:
                continue  # kinds the page can't act on (login, web app, pay) are not shown
            out.append(entry)
        if out:
            rows.append(out)
    return rows


def _service(message: dict[str, Any]) -> str | None:
    if "successful_payment" in message:
        paid = message["successful_payment"]
        return f"{display_name(message.get('from', {}))} paid {paid.get('total_amount')} ⭐"
    if "refunded_payment" in message:
        refund = message["refunded_payment"]
        return f"{refund.get('total_amount')} ⭐ refunded"
    if "new_chat_members" in message:
        names = ", ".join(display_name(u) for u in message["new_chat_members"])
        return f"{names} joined the group"
    if "left_chat_member" in message:
        return f"{display_name(message['left_chat_member'])} left the group"
    if "group_chat_created" in message or "supergroup_chat_created" in message:
        return "Group created"
    if "migrate_to_chat_id" in message:
        return "The group was upgraded to a supergroup"
    return None


def page_message(message: dict[str, Any]) -> dict[str, Any]:
    chat = message.get("chat", {})
    out: dict[str, Any] = {"chat_id": chat.get("id"), "message_id": message.get("message_id"),
                           "date": message.get("date", 0)}
    sender = message.get("from")
    if sender:
        out["from"] = {"id": sender.get("id"), "name": display_name(sender),
                       "is_bot": bool(sender.get("is_bot"))}
    service = _service(message)
    if service is not None:
        out["service"] = service
        return out
    for key in ("text", "caption"):
        if isinstance(message.get(key), str):
            out[key] = message[key]
    # Telegram (here the emulator) already applied the bot's HTML parse mode: the page gets
    # plain text and entities, as a client does, and never markup to interpret.
    entities = message.get("entities") or message.get("caption_entities")
    if entities:
        out["entities"] = entities
    if isinstance(message.get("dice"), dict):
        out["dice"] = {"emoji": message["dice"].get("emoji"), "value": message["dice"].get("value")}
    if isinstance(message.get("invoice"), dict):
        invoice = message["invoice"]
        out["invoice"] = {k: invoice.get(k) for k in ("title", "description", "total_amount",
                                                      "currency")}
    if message.get("forward_origin"):
        out["forward_from"] = _origin_name(message["forward_origin"])
    if message.get("reply_to_message"):
        target = message["reply_to_message"]
        snippet = target.get("text") or target.get("caption") or (
            target.get("dice", {}).get("emoji", "") if target.get("dice") else "")
        out["reply_to"] = {"name": display_name(target.get("from", {})),
                           "text": str(snippet)[:80]}
    if message.get("has_protected_content"):
        out["protected"] = True
    rows = buttons(message.get("reply_markup"))
    if rows:
        out["buttons"] = rows
    return out


def reply_keyboard(params: dict[str, Any]) -> tuple[bool, list[list[str]] | None]:
    """(changes the chat's reply keyboard?, its rows or None for removed) from a send call."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            return False, None
    if not isinstance(markup, dict):
        return False, None
    if markup.get("remove_keyboard"):
        return True, None
    rows = markup.get("keyboard")
    if not isinstance(rows, list):
        return False, None
    texts = [[b.get("text", "") if isinstance(b, dict) else str(b) for b in row]
             for row in rows if isinstance(row, list)]
    return True, texts


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_PARAM else value[:MAX_PARAM - 1] + "…"
    text = json.dumps(value, ensure_ascii=False)
    return value if len(text) <= MAX_PARAM else text[:MAX_PARAM - 1] + "…"


def call_entry(method: str, params: dict[str, Any], error: str | None, at: float
               ) -> dict[str, Any]:
    entry: dict[str, Any] = {"method": method, "at": at,
                             "params": {k: _short(v) for k, v in params.items()}}
    if error:
        entry["error"] = error
    return entry
