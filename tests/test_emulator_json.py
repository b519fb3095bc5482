"""The emulator reads a JSON body as Telegram's Bot API server does: each top-level value is a
parameter; a string is the parameter's text (as in a form), anything else stands for its JSON
text, so nested objects and lists arrive as they are and a number in a text field is text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from botharness import FakeTelegram


@pytest_asyncio.fixture
async def post(tmp_path) -> AsyncIterator[Any]:
    async with FakeTelegram() as fake, aiohttp.ClientSession() as http:
        async def call(method: str, **kwargs: Any) -> dict[str, Any]:
            async with http.post(f"{fake.base_url}/bot{fake.token}/{method}", **kwargs) as resp:
                return await resp.json()

        call.fake = fake
        yield call


async def test_nested_objects_are_json_objects(post) -> None:
    markup = {"inline_keyboard": [[{"text": "Roll", "callback_data": "roll"}]]}
    sent = await post("sendMessage", json={
        "chat_id": 5, "text": "Hi Bob", "reply_markup": markup, "disable_notification": True,
        "entities": [{"type": "bold", "offset": 3, "length": 3}]})
    assert sent["ok"], sent
    message = sent["result"]
    assert message["reply_markup"] == markup
    assert message["entities"] == [{"type": "bold", "offset": 3, "length": 3}]
    params = post.fake.calls[-1].params
    assert params["reply_markup"] == markup and params["disable_notification"] is True
    forwarded = await post("forwardMessages", json={
        "chat_id": 6, "from_chat_id": 5, "message_ids": [message["message_id"]]})
    assert forwarded["ok"] and len(forwarded["result"]) == 1
    assert post.fake.calls[-1].params["message_ids"] == [message["message_id"]]


async def test_strings_read_as_a_forms_text_and_numbers_in_text_as_text(post) -> None:
    # a JSON-serialized string where an object goes is read like the form's field
    markup = '{"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}'
    sent = await post("sendMessage", json={"chat_id": "5", "text": 42, "reply_markup": markup})
    assert sent["ok"], sent
    assert sent["result"]["text"] == "42"
    assert sent["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    assert sent["result"]["chat"]["id"] == 5
    # "true" in a text field stays the text, as does a number-looking string
    sent = await post("sendMessage", json={"chat_id": 5, "text": "true"})
    assert sent["result"]["text"] == "true"


async def test_a_body_that_is_not_an_object_is_no_parameters(post) -> None:
    for body in (b"{not json", b"[1, 2]"):
        answer = await post("sendMessage", data=body,
                            headers={"Content-Type": "application/json"})
        assert answer == {"ok": False, "error_code": 400,
                          "description": "Bad Request: message text is empty"}
    # query-string parameters still count, as at Telegram
    answer = await post("sendMessage?chat_id=5", json={"text": "from both"})
    assert answer["ok"] and answer["result"]["text"] == "from both"
