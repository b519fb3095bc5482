"""What a message may carry, as Telegram checks it: text or caption after the parse mode
(with the entities Telegram adds by itself), and inline keyboard buttons."""

from __future__ import annotations

from typing import Any

from ludice.playground.emulator import detect, html
from ludice.playground.emulator.wire import ApiError

MAX_TEXT = 4096
MAX_CAPTION = 1024
_ACTIONS = ("callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat", "callback_game", "pay", "login_url", "web_app",
            "copy_text")


def inline_markup(p: dict[str, Any]) -> dict[str, Any] | None:
    """The inline keyboard in `p`, checked as Telegram checks its buttons (None if none)."""
    markup = p.get("reply_markup")
    if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
        return None
    for row in markup["inline_keyboard"]:
        for button in row if isinstance(row, list) else [None]:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError("Bad Request: can't parse inline keyboard button: Field "
                               '"text" must be of type String')
            if not any(key in button for key in _ACTIONS):
                raise ApiError("Bad Request: can't parse inline keyboard button: Text buttons"
                               " are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not (isinstance(data, str)
                                         and 1 <= len(data.encode()) <= 64):
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not (isinstance(url, str) and url.startswith(
                    ("http://", "https://", "tg://"))):
                raise ApiError("Bad Request: BUTTON_URL_INVALID")
    return markup


PARSE_MODES = frozenset({"HTML", "Markdown", "MarkdownV2"})


def formatted(p: dict[str, Any], key: str = "text", limit: int = MAX_TEXT
              ) -> dict[str, Any]:
    """The text (or caption) field and its entities as Telegram stores them: parse mode
    applied, surrounding white space trimmed; {} for an empty caption."""
    entities_key = "entities" if key == "text" else "caption_entities"
    raw = p.get(key)
    if not isinstance(raw, str) or not raw.strip():
        if key == "text":
            raise ApiError("Bad Request: message text is empty")
        return {}
    mode = p.get("parse_mode")
    if mode and mode not in PARSE_MODES:
        raise ApiError(f"Bad Request: unsupported parse_mode: {mode}")
    entities = p.get(entities_key) if isinstance(p.get(entities_key), list) else None
    text = raw
    if entities is None and mode == "HTML":
        try:
            text, entities = html.parse(raw)
        except html.ParseError as exc:
            raise ApiError(f"Bad Request: can't parse entities: {exc}") from None
    text, entities = html.trimmed(text, entities or [])
    entities = detect.with_found(text, entities)
    if not text:
        raise ApiError("Bad Request: message text is empty" if key == "text"
                       else "Bad Request: caption is empty")
    if len(text) > limit:
        raise ApiError("Bad Request: message is too long" if key == "text"
                       else "Bad Request: message caption is too long")
    return {key: text, entities_key: entities} if entities else {key: text}
