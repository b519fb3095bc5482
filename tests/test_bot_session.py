"""The bot's Bot API session (ludice.bot.transport.session): calls without a file go as one
JSON body and keep aiogram's meaning (bot defaults, exceptions, timeouts, the bot on what
comes back); a call with a file still goes as aiogram's multipart form. A capturing server
shows what goes over the wire; the packaged emulator shows that Telegram's side reads it."""

from __future__ import annotations

import asyncio
import datetime
import gc
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from aiohttp import web
from botharness import FakeTelegram

from ludice.bot.transport.session import JsonSession

TOKEN = "123456:TEST"
KB = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="Join 10", callback_data="j:1"),
     InlineKeyboardButton(text="Rules", url="https://t.me/ludice_test_bot")]])
MESSAGE = {"message_id": 7, "date": 1_800_000_000, "text": "hi",
           "chat": {"id": 5, "type": "private", "first_name": "Al"},
           "from": {"id": 123456, "is_bot": True, "first_name": "Ludice"}}


class Capture:
    """A Bot API server that records each request as it arrived and answers what it is
    told (by default a message)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: tuple[int, Any] = (200, {"ok": True, "result": MESSAGE})
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        entry: dict[str, Any] = {"method": request.match_info["method"],
                                 "content_type": request.content_type}
        if request.content_type == "multipart/form-data":
            entry["parts"] = {}
            async for part in await request.multipart():
                entry["parts"][part.name] = (part.filename, await part.read())
        else:
            entry["body"] = await request.read()
        self.requests.append(entry)
        await asyncio.sleep(self.delay)
        status, body = self.answer
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(status=status, text=text, content_type="application/json")

    def json(self) -> dict[str, Any]:
        last = self.requests[-1]
        assert last["content_type"] == "application/json"
        return json.loads(last["body"])


def make_bot(base_url: str, **defaults: Any) -> Bot:
    return Bot(TOKEN, session=JsonSession(api=TelegramAPIServer.from_base(base_url)),
               default=DefaultBotProperties(**defaults))


@pytest_asyncio.fixture
async def capture() -> AsyncIterator[tuple[Capture, str]]:
    server = Capture()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", server.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield server, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_a_call_is_one_json_body_with_the_bots_defaults(capture) -> None:
    server, url = capture
    bot = make_bot(url, parse_mode="HTML", protect_content=True,
                   link_preview_is_disabled=True)
    try:
        sent = await bot.send_message(5, "<b>hi</b>", reply_markup=KB)
        assert server.json() == {
            "chat_id": 5, "text": "<b>hi</b>", "parse_mode": "HTML", "protect_content": True,
            "link_preview_options": {"is_disabled": True}, "disable_web_page_preview": True,
            "reply_markup": {"inline_keyboard": [[
                {"text": "Join 10", "callback_data": "j:1"},
                {"text": "Rules", "url": "https://t.me/ludice_test_bot"}]]},
        }
        # what comes back knows its bot, nested objects too, as with aiogram's session
        assert sent.message_id == 7 and sent.bot is bot and sent.chat.bot is bot
        # a default switched off for one call is left out, as aiogram's form leaves it out
        await bot.send_message(5, "*plain*", parse_mode=None, protect_content=False,
                               entities=[MessageEntity(type="bold", offset=0, length=7)])
        assert server.json() == {"chat_id": 5, "text": "*plain*", "protect_content": False,
                                 "link_preview_options": {"is_disabled": True},
                                 "disable_web_page_preview": True,
                                 "entities": [{"type": "bold", "offset": 0, "length": 7}]}
        server.answer = (200, {"ok": True, "result": True})
        until = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
        assert await bot.ban_chat_member(-100, 9, until_date=until) is True
        assert server.json() == {"chat_id": -100, "user_id": 9,
                                 "until_date": int(until.timestamp())}
        before = time.time()
        await bot.ban_chat_member(-100, 9, until_date=datetime.timedelta(days=1))
        assert before + 86_400 - 1 <= server.json()["until_date"] <= time.time() + 86_400 + 1
        assert [r["method"] for r in server.requests] == ["sendMessage", "sendMessage",
                                                          "banChatMember", "banChatMember"]
    finally:
        await bot.session.close()


async def test_a_file_still_goes_as_aiograms_multipart_form(capture) -> None:
    server, url = capture
    bot = make_bot(url, parse_mode="HTML")
    try:
        sent = await bot.send_document(5, BufferedInputFile(b"col1,col2\n", "ledger.csv"),
                                       caption="<i>ledger</i>")
        assert sent.message_id == 7 and sent.bot is bot
        parts = server.requests[-1]["parts"]
        assert server.requests[-1]["content_type"] == "multipart/form-data"
        assert parts["chat_id"] == (None, b"5") and parts["parse_mode"] == (None, b"HTML")
        assert parts["caption"] == (None, b"<i>ledger</i>")
        [(name, (filename, content))] = [(k, v) for k, v in parts.items() if v[0]]
        assert parts["document"] == (None, f"attach://{name}".encode())
        assert (filename, content) == ("ledger.csv", b"col1,col2\n")
    finally:
        await bot.session.close()


@pytest.mark.parametrize(("status", "answer", "raised", "check"), [
    (400, {"description": "Bad Request: chat not found"}, TelegramBadRequest,
     lambda e: e.message == "Bad Request: chat not found"),
    (403, {"description": "Forbidden: bot was blocked by the user"}, TelegramForbiddenError,
     lambda e: "blocked" in e.message),
    (429, {"description": "Too Many Requests: retry after 7",
           "parameters": {"retry_after": 7}}, TelegramRetryAfter,
     lambda e: e.retry_after == 7),
    (400, {"description": "Bad Request: group chat was upgraded to a supergroup chat",
           "parameters": {"migrate_to_chat_id": -1009}}, TelegramMigrateToChat,
     lambda e: e.migrate_to_chat_id == -1009),
    (409, {"description": "Conflict: terminated by other getUpdates request"},
     TelegramConflictError, lambda e: "Conflict" in e.message),
    (502, {"description": "Bad Gateway"}, TelegramServerError, lambda e: True),
    (200, {"description": "Bad Request: odd"}, TelegramBadRequest.__base__,  # ok false
     lambda e: e.message == "Bad Request: odd"),
])
async def test_telegrams_errors_raise_aiograms_exceptions(capture, status, answer, raised,
                                                          check) -> None:
    server, url = capture
    server.answer = (status, {"ok": False, "error_code": status, **answer})
    bot = make_bot(url)
    try:
        with pytest.raises(raised) as caught:
            await bot.send_message(5, "hi")
        assert type(caught.value) is raised and check(caught.value)
        assert isinstance(caught.value.method, SendMessage)
    finally:
        await bot.session.close()


async def test_an_unreadable_answer_and_a_timeout(capture) -> None:
    server, url = capture
    bot = make_bot(url)
    try:
        server.answer = (200, "<html>gateway</html>")
        with pytest.raises(ClientDecodeError):
            await bot.send_message(5, "hi")
        server.answer = (200, {"ok": True, "result": {"message_id": "not a message"}})
        with pytest.raises(ClientDecodeError):
            await bot.send_message(5, "hi")
        server.answer, server.delay = (200, {"ok": True, "result": MESSAGE}), 5.0
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await bot.send_message(5, "hi", request_timeout=0.05)
    finally:
        await bot.session.close()


async def test_the_emulator_reads_the_json_calls() -> None:
    async with FakeTelegram() as fake:
        bot = make_bot(fake.base_url, parse_mode="HTML")
        try:
            sent = await bot.send_message(5, "<b>Duel</b> on", reply_markup=KB)
            assert sent.text == "Duel on" and sent.entities[0].type == "bold"
            assert sent.reply_markup.model_dump() == KB.model_dump() and sent.bot is bot
            await bot.forward_messages(6, 5, [sent.message_id])
            assert fake.calls[-1].params["message_ids"] == [sent.message_id]
            with pytest.raises(TelegramBadRequest, match="can't parse entities"):
                await bot.send_message(5, "<b>open")
        finally:
            await bot.session.close()


async def test_the_response_models_survive_a_full_collection(capture) -> None:
    # pydantic keeps generic models in a weak cache; rebuilding one costs ~7 ms of CPU
    _server, url = capture
    bot = make_bot(url)
    try:
        await bot.send_message(5, "hi")
        model = bot.session.responses[SendMessage]
        gc.collect()
        assert Response[SendMessage.__returning__] is model  # not rebuilt
    finally:
        await bot.session.close()
