"""The emulator refuses what Telegram refuses, with Telegram's codes and descriptions, and
answers what it accepts in the shape aiogram's models parse."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice
from aiohttp import web
from botharness import FakeClock, FakeTelegram

from ludice.playground.emulator import Emulator, html, to_html

KB = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]])
GROUP = -100777


def make_bot(base_url: str, token: str = "123456:TEST") -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)),
               default=DefaultBotProperties(parse_mode="HTML"))


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(fake.base_url)
    yield bot
    await bot.session.close()


@pytest.mark.parametrize(("source", "reason"), [
    ("a <3 b", 'Unsupported start tag "3" at byte offset 2'),
    ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
    ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>crossed<i></b></i>", 'Unmatched end tag at byte offset 13, expected "</i>", '
                              'found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("привет <br>", 'Unsupported start tag "br" at byte offset 13'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
])
def test_html_telegram_refuses(source: str, reason: str) -> None:
    assert html.problem(source) == reason


def test_html_telegram_accepts_and_turns_into_entities() -> None:
    assert html.parse("Tom & Jerry &copy; a > b") == ("Tom & Jerry &copy; a > b", [])
    text, entities = html.parse("😀 <b>Tom &lt;&amp;&gt;</b> <a href='https://t.me/x'>go</a>")
    assert text == "😀 Tom <&> go"
    assert entities == [{"offset": 3, "length": 7, "type": "bold"},
                        {"offset": 11, "length": 2, "type": "text_link",
                         "url": "https://t.me/x"}]
    # and back, for a page: text escaped, only Telegram's tags, no script links
    assert to_html(text, entities) == (
        '😀 <b>Tom &lt;&amp;&gt;</b> <a href="https://t.me/x">go</a>')
    assert to_html("<script>", [{"offset": 0, "length": 8, "type": "text_link",
                                      "url": "javascript:alert(1)"}]) == "&lt;script&gt;"


async def test_html_messages_are_stored_as_text_and_entities(fake: FakeTelegram, bot: Bot
                                                             ) -> None:
    sent = await bot.send_message(1, "  <b>Bet</b> &lt;40&gt; for Tom & Jerry\n")
    assert sent.text == "Bet <40> for Tom & Jerry"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 3)]
    assert sent.html_text == "<b>Bet</b> &lt;40&gt; for Tom &amp; Jerry"
    assert fake.texts(1) == ["  <b>Bet</b> &lt;40&gt; for Tom & Jerry\n"]  # as the bot sent it
    with pytest.raises(TelegramBadRequest, match="Unclosed start tag at byte offset 6"):
        await bot.send_message(1, "Carol <3")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>Bet</b> &lt;40&gt; for Tom &amp; Jerry", chat_id=1,
                                    message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await bot.send_message(1, "x", parse_mode="BBCode")


async def test_telegram_finds_commands_mentions_and_links(bot: Bot) -> None:
    sent = await bot.send_message(1, "<b>Type</b> /ludice on, ask @alice_b or open "
                                     "t.me/ludice_test_bot?start=g1.")
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 4), ("bot_command", 5, 7), ("mention", 21, 8), ("url", 38, 29)]


async def test_protected_content_cannot_be_forwarded_or_copied(fake: FakeTelegram, bot: Bot
                                                               ) -> None:
    die = await bot.send_dice(1, protect_content=True)
    assert die.has_protected_content
    with pytest.raises(TelegramBadRequest, match="the message can't be forwarded"):
        await bot.forward_message(2, from_chat_id=1, message_id=die.message_id)
    with pytest.raises(TelegramBadRequest, match="the message can't be copied"):
        await bot.copy_message(2, from_chat_id=1, message_id=die.message_id)
    open_die = await bot.send_dice(1)
    forwarded = await bot.forward_message(2, from_chat_id=1, message_id=open_die.message_id)
    assert forwarded.dice.value == open_die.dice.value
    assert forwarded.forward_origin.sender_user.id == fake.bot_user["id"]
    assert not fake.sent(2, "copyMessage")


async def test_what_the_bot_may_edit_and_delete(fake: FakeTelegram, bot: Bot) -> None:
    clock = FakeClock()
    fake.clock = clock
    fake.send_text(1, "hi")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("changed", chat_id=1, message_id=1)
    die = await bot.send_dice(1)
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=1, message_id=die.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(1, die.message_id)  # a private chat's die stays for 24 h
    clock.advance(24 * 3600)
    assert await bot.delete_message(1, die.message_id)
    assert await bot.delete_message(1, 1)  # bots may delete incoming private messages
    old = await bot.send_message(1, "old")
    clock.advance(48 * 3600)
    with pytest.raises(TelegramBadRequest, match="can't be deleted for everyone"):
        await bot.delete_message(1, old.message_id)
    fake.group(GROUP, "Club")
    fake.send_text(5, "someone else's", chat_id=GROUP)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(GROUP, 1)
    fake.set_member(GROUP, fake.bot_user["id"], "administrator")
    assert await bot.delete_message(GROUP, 1)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(GROUP, 1)
    assert (GROUP, 1) not in fake.messages and (1, old.message_id) in fake.messages


async def test_a_callback_query_is_answered_once(fake: FakeTelegram, bot: Bot) -> None:
    answers = []
    fake.subscribe(lambda e: answers.append(e) if e["type"] == "callback_answer" else None)
    query_id = fake.press(1, "go", message_id=1)["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Rolling!", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("42")
    assert [(a["user_id"], a["text"], a["show_alert"]) for a in answers] == [
        (1, "Rolling!", True)]


async def test_buttons_and_callback_answers_are_checked(fake: FakeTelegram, bot: Bot) -> None:
    def button(**fields: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="B", **fields)]])

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(1, "x", reply_markup=button(callback_data="é" * 33))
    with pytest.raises(TelegramBadRequest, match="BUTTON_URL_INVALID"):
        await bot.send_message(1, "x", reply_markup=button(url="javascript:alert(1)"))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(1, "x", reply_markup=button())
    await bot.send_message(1, "ok", reply_markup=button(callback_data="d" * 64))
    pressed = fake.press(1, "d", message_id=1)["callback_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="URL_INVALID"):
        await bot.answer_callback_query(pressed, url="https://example.org")
    assert await bot.answer_callback_query(
        pressed, url="https://t.me/ludice_test_bot?start=g1")


async def test_chats_the_bot_cannot_post_in(fake: FakeTelegram, bot: Bot) -> None:
    fake.group(GROUP, "Club")
    fake.bot_status(GROUP, "member", by=5)
    await bot.send_message(GROUP, "hello")
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(GROUP, "in a topic", message_thread_id=3)
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(GROUP, "re", reply_to_message_id=99)
    fake.bot_status(GROUP, "kicked", by=5)
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP, "still here?")
    fake.group(-55, "Basic", kind="group")
    fake.migrate(-55, GROUP - 1, by=5)
    with pytest.raises(TelegramMigrateToChat) as moved:
        await bot.send_message(-55, "hi")
    assert moved.value.migrate_to_chat_id == GROUP - 1
    fake.user(9, "Zed")
    fake.block(9)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(9, "hi")
    assert fake.texts(GROUP) == ["hello"]


async def test_flood_limits_when_switched_on(fake: FakeTelegram, bot: Bot) -> None:
    for _ in range(5):
        await bot.send_message(1, "off by default")
    now = [1000.0]
    fake.limits.now = lambda: now[0]
    fake.rate_limits = True
    for _ in range(3):
        await bot.send_message(2, "burst")
    with pytest.raises(TelegramRetryAfter) as private:
        await bot.send_message(2, "one too many")
    assert private.value.retry_after == 3
    now[0] += 3
    await bot.send_message(2, "after waiting")
    for i in range(20):
        await bot.send_message(GROUP, f"group {i}")
    with pytest.raises(TelegramRetryAfter) as group:
        await bot.send_message(GROUP, "21st in a minute")
    assert group.value.retry_after == 60
    await bot.edit_message_text("edits are not sends", chat_id=GROUP, message_id=1)


async def test_a_second_poller_ends_the_first_and_allowed_updates_filter(fake: FakeTelegram
                                                                         ) -> None:
    url = f"{fake.base_url}/bot{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        first = asyncio.create_task(http.post(url, json={"timeout": 5}))
        await asyncio.sleep(0.05)
        async with http.post(url, json={"timeout": 0}) as resp:
            assert (await resp.json())["result"] == []
        async with await first as resp:
            body = await resp.json()
        assert (resp.status, body["error_code"]) == (409, 409)
        assert body["description"].startswith("Conflict: terminated by other getUpdates")
        fake.send_text(1, "text")
        fake.press(1, "go", message_id=1)
        async with http.post(url, json={"allowed_updates": ["callback_query"]}) as resp:
            assert [list(u)[1] for u in (await resp.json())["result"]] == ["callback_query"]
    bot = make_bot(fake.base_url)
    try:
        fake.fail_next("getUpdates", error_code=409, description="Conflict: terminated")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
    finally:
        await bot.session.close()


async def test_mounted_into_another_aiohttp_app() -> None:
    emulator = Emulator(token="42:PAGE")
    app = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="the page")

    app.router.add_get("/", page)
    emulator.mount(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    bot = make_bot(base, "42:PAGE")
    try:
        assert (await bot.get_me()).id == 42
        async with aiohttp.ClientSession() as http, http.get(base + "/") as resp:
            assert await resp.text() == "the page"
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()  # releases the pending long poll instead of waiting 30 s
        await bot.session.close()
    assert await poll == []


async def test_invoices_follow_the_stars_rules(fake: FakeTelegram, bot: Bot) -> None:
    two = [LabeledPrice(label="a", amount=5), LabeledPrice(label="b", amount=5)]
    with pytest.raises(TelegramBadRequest, match="STARS_INVOICE_INVALID"):
        await bot.send_invoice(1, "t", "d", "p", currency="XTR", prices=two)
    with pytest.raises(TelegramBadRequest, match="PAYLOAD_INVALID"):
        await bot.send_invoice(1, "t", "d", "p" * 129, currency="XTR",
                               prices=[LabeledPrice(label="a", amount=5)])
    invoice = await bot.send_invoice(1, "Chips", "15 stars", "pay:1", currency="XTR",
                                     prices=[LabeledPrice(label="Chips", amount=15)],
                                     reply_markup=KB)
    assert (invoice.invoice.total_amount, invoice.invoice.currency) == (15, "XTR")
