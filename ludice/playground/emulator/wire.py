"""What travels over HTTP: the recorded call, the error answer, and how parameters arrive.

aiogram sends parameters as a form whose non-string values are JSON-encoded; ludice's bot
(ludice.bot.transport.session), its urllib client (ludice.stars) and curl send JSON bodies.
Both end up as one plain dict here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Free-text fields must stay strings even when they look like JSON ("42", "true").
STR_KEYS = frozenset({
    "text", "caption", "payload", "title", "description", "currency", "emoji", "data",
    "callback_query_id", "pre_checkout_query_id", "telegram_payment_charge_id", "parse_mode",
    "provider_token", "start_parameter", "url", "error_message", "inline_message_id",
    "language_code", "action", "business_connection_id", "message_effect_id", "photo",
    "document", "animation", "video", "short_description",
})
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
}


@dataclass
class Call:
    """One Bot API request as the emulator received it (`params` decoded) and answered it."""

    method: str
    params: dict[str, Any]
    at: float
    answered_error: bool = False
    description: str | None = None


class ApiError(Exception):
    """Raised by method handlers (and by set_response callables) to answer with an error:
    `{"ok": false, "error_code": code, "description": description}`, plus `parameters`
    (`retry_after`, `migrate_to_chat_id`) when given."""

    def __init__(self, description: str, code: int = 400, **parameters: int) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


class ActionError(Exception):
    """A person's action Telegram (or its client) would not allow; nothing changed. The
    message can be shown to the person as it is."""


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(f"Too Many Requests: retry after {retry_after}", 429,
                    retry_after=retry_after)


def error_for(code: int, description: str | None = None, retry_after: int = 1) -> ApiError:
    if code == 429:
        error = too_many_requests(retry_after)
        if description is not None:
            error.description = description
        return error
    return ApiError(description or DEFAULT_DESCRIPTIONS.get(code, "Error"), code)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def decode(key: str, value: Any) -> Any:
    # aiogram JSON-encodes every non-string value into the form, so undo that here.
    if not isinstance(value, str) or key in STR_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def from_json(key: str, value: Any) -> Any:
    """A top-level value of a JSON body, read as Telegram's Bot API server reads it: a string
    is the parameter's text, as in a form; any other value (object, array, number, true,
    false, null) stands for its JSON text, so a nested object is that object and a free-text
    field gets the text (`"text": 42` posts "42")."""
    if isinstance(value, str):
        return decode(key, value)
    if key in STR_KEYS:
        return json.dumps(value, ensure_ascii=False)
    return value
