"""The bot's Bot API session: aiogram's AiohttpSession with a lighter way for calls that carry
no file, which is every call ludice makes.

aiogram sends each call as a form: every parameter goes through `prepare_value` and nested
objects are JSON-encoded one by one into form fields; the answer is decoded to text, parsed,
and validated with `Response[T]`, a pydantic generic model looked up on every call. Here a
call without a file is one JSON body (the Bot API takes `application/json` as well as forms:
nested objects are JSON objects in it), built from one `model_dump` and one `json.dumps`,
and its answer is validated straight from the bytes by the call's `Response[T]` model, kept
per method type. A call carrying an InputFile keeps aiogram's multipart form. Errors, and
answers that do not validate, go through aiogram's `check_response`, so every failure is the
exception aiogram would raise (TelegramBadRequest, TelegramRetryAfter, TelegramForbiddenError,
TelegramMigrateToChat, ClientDecodeError, ...).

The models kept here are also what holds them against pydantic's weak cache of generic
models: there, each full garbage collection threw them away and the next call rebuilt its
model (~7 ms of CPU each, measured on ludice). aiogram's own path (a call with a file, an
error) looks its model up in that cache and finds the one held here."""

from __future__ import annotations

import datetime
import json
import time
from enum import Enum
from http import HTTPStatus
from typing import Any, cast

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InputFile, TelegramObject
from aiohttp import ClientError
from pydantic import ValidationError

JSON_HEADERS = {"Content-Type": "application/json"}


class CarriesFile(Exception):
    """The call has an InputFile somewhere: it must go as a multipart form."""


class JsonSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.responses: dict[type, type[Response[Any]]] = {}

    def response_model(self, method: TelegramMethod[TelegramType]) -> type[Response[Any]]:
        kind = type(method)
        model = self.responses.get(kind)
        if model is None:
            model = self.responses[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return model

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes:
        """The call's parameters as Telegram reads them from aiogram's form (defaults of the
        bot filled in, None and empty strings left out, times as Unix seconds), as one JSON
        object. Raises CarriesFile for a call with an InputFile."""
        fields = method.model_dump(warnings=False, exclude_none=True)
        body = {}
        for key, value in fields.items():
            value = plain(value, bot)
            if value is not None and value != "":  # what aiogram's form leaves out
                body[key] = value
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        model = self.response_model(method)
        try:
            body = self.json_body(bot, method)
        except CarriesFile:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(url, data=body, headers=JSON_HEADERS,
                                    timeout=self.timeout if timeout is None else timeout) as resp:
                raw = await resp.read()
                status = resp.status
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        if HTTPStatus.OK <= status <= HTTPStatus.IM_USED:
            try:
                response = model.model_validate_json(raw, context={"bot": bot})
            except ValidationError:
                response = None
            if response is not None and response.ok:
                return cast(TelegramType, response.result)
        # An error, or an answer that does not read as one: aiogram's own reading raises
        # the exception it would have raised.
        answer = self.check_response(bot=bot, method=method, status_code=status,
                                     content=raw.decode("utf-8", errors="replace"))
        return cast(TelegramType, answer.result)


def plain(value: Any, bot: Bot) -> Any:
    """`value` as a JSON value, the way aiogram's prepare_value reads it (None: leave out)."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return value
    if isinstance(value, dict):
        return {key: item for key, v in value.items() if (item := plain(v, bot)) is not None}
    if isinstance(value, list):
        return [item for v in value if (item := plain(v, bot)) is not None]
    if isinstance(value, Default):
        return plain(bot.default[value.name], bot)
    if isinstance(value, InputFile):
        raise CarriesFile
    if isinstance(value, datetime.timedelta):
        return round(time.time() + value.total_seconds())  # from now, as aiogram reads it
    if isinstance(value, datetime.datetime):
        return round(value.timestamp())
    if isinstance(value, Enum):
        return plain(value.value, bot)
    if isinstance(value, TelegramObject):  # e.g. a default LinkPreviewOptions
        return plain(value.model_dump(warnings=False, exclude_none=True), bot)
    return value
