"""The fake Bot API must be something the real aiogram client and dispatcher accept."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    ChatMemberLeft,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
)
from botharness import FakeTelegram

from ludice.playground.emulator import ApiError

pytestmark = pytest.mark.asyncio

KB = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Roll", callback_data="roll")]]
)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


def make_bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    api = TelegramAPIServer.from_base(fake.base_url)
    return Bot(token or fake.token, session=AiohttpSession(api=api))


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(fake)
    yield bot
    await bot.session.close()


@contextlib.asynccontextmanager
async def polling(fake: FakeTelegram, dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    task = asyncio.create_task(dp.start_polling(bot, polling_timeout=1, handle_signals=False))
    await fake.wait_for(lambda: fake.sent(method="getUpdates") or task.done())
    try:
        yield
    finally:
        if not task.done():
            await dp.stop_polling()
        await task


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "ludice_test_bot", True)
    assert me.can_join_groups is True
    assert fake.calls[-1].method == "getMe"


async def test_send_message_echoes_markup_and_coerces_params(fake: FakeTelegram, bot: Bot) -> None:
    first = await bot.send_message(42, "hello", reply_markup=KB)
    second = await bot.send_message(42, "42")
    other = await bot.send_message(-100500, "group hi", message_thread_id=7)
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.reply_markup and first.reply_markup.model_dump() == KB.model_dump()
    assert first.from_user and first.from_user.is_bot
    assert first.chat.type == "private" and other.chat.type == "supergroup"
    assert other.message_thread_id == 7
    call = fake.sent(42, "sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "roll"
    # Free text must stay a string even when it looks like JSON.
    assert fake.texts(42) == ["hello", "42"]
    assert await fake.wait_text(-100500, "group") == "group hi"
    with pytest.raises(TelegramBadRequest, match="text is empty"):
        await bot.send_message(42, " ")


async def test_send_dice_uses_scripted_values_then_random(fake: FakeTelegram, bot: Bot) -> None:
    fake.script_dice(6, 1)
    assert (await bot.send_dice(5)).dice.value == 6
    assert (await bot.send_dice(5, emoji="🎯")).dice.value == 1
    for _ in range(20):
        dice = (await bot.send_dice(5, emoji="🎰")).dice
        assert dice.emoji == "🎰" and 1 <= dice.value <= 64
    assert len(fake.sent(5, "sendDice")) == 22


async def test_fail_next_gives_retry_after_then_recovers(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as exc:
            await bot.send_message(1, "x")
        assert exc.value.retry_after == 3
    await bot.send_message(1, "y")
    assert [c.answered_error for c in fake.calls] == [True, True, False]
    assert fake.texts(1) == ["y"]
    fake.fail_next("sendMessage", error_code=403)
    with pytest.raises(Exception, match="blocked"):
        await bot.send_message(1, "z")


async def test_edit_rules(fake: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(9, "score 1", reply_markup=KB)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="score 1", chat_id=9, message_id=msg.message_id,
                                    reply_markup=KB)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="?", chat_id=9, message_id=99)
    edited = await bot.edit_message_text(text="score 2", chat_id=9, message_id=msg.message_id)
    assert isinstance(edited, Message) and edited.text == "score 2"
    assert edited.reply_markup is None and edited.edit_date
    again = await bot.edit_message_reply_markup(chat_id=9, message_id=msg.message_id,
                                                reply_markup=KB)
    assert isinstance(again, Message) and again.reply_markup
    assert again.reply_markup.model_dump() == KB.model_dump()
    assert fake.texts(9) == ["score 1", "score 2"]
    assert await bot.delete_message(9, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(9, msg.message_id)


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    bot = make_bot(fake, "999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
    finally:
        await bot.session.close()
    assert fake.calls[-1].answered_error


async def test_payments_and_misc_methods(fake: FakeTelegram, bot: Bot) -> None:
    inv = await bot.send_invoice(3, title="Chips", description="100 chips", payload="buy:100",
                                 currency="XTR", prices=[LabeledPrice(label="Chips", amount=50)])
    assert inv.invoice and inv.invoice.total_amount == 50
    assert fake.sent(3, "sendInvoice")[0].params["prices"] == [{"label": "Chips", "amount": 50}]
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(3, "ch_1")
    fake.successful_payment(3, "buy:100", 50, "ch_1")
    assert fake.stars(3) == 950
    assert await bot.refund_star_payment(3, "ch_1")
    assert fake.stars(3) == 1000
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(3, "ch_1")
    paid, refund = (await bot.get_star_transactions()).transactions
    assert (paid.id, paid.amount, paid.source.user.id, paid.source.invoice_payload) == (
        "ch_1", 50, 3, "buy:100")
    assert (refund.id, refund.amount, refund.receiver.user.id) == ("ch_1", 50, 3)
    member = await bot.get_chat_member(-100, 3)
    assert isinstance(member, ChatMemberMember) and member.user.id == 3

    def member(params: dict[str, Any]) -> dict[str, Any]:
        if params["user_id"] == 4:
            return {"status": "left", "user": fake.user(4)}
        raise ApiError("Bad Request: user not found")

    fake.set_response("getChatMember", member)
    assert isinstance(await bot.get_chat_member(-100, 4), ChatMemberLeft)
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_chat_member(-100, 5)
    chat = await bot.get_chat(-100)
    assert chat.type == "supergroup" and chat.title
    await bot.set_my_commands([])
    assert await bot.get_my_commands() == []
    src = await bot.send_message(3, "copy me")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.forward_message(4, from_chat_id=3, message_id=src.message_id)
    fake.send_text(4, "/start")  # now the bot may write to user 4
    fwd = await bot.forward_message(4, from_chat_id=3, message_id=src.message_id)
    assert fwd.text == "copy me" and fwd.forward_origin is not None
    copied = await bot.copy_message(5, from_chat_id=3, message_id=src.message_id)
    assert fake.messages[(5, copied.message_id)]["text"] == "copy me"
    with pytest.raises(TelegramNotFound):
        await bot.send_photo(3, "AgADfileid")
    fake.set_response("sendPhoto", lambda p: {
        "message_id": 77, "date": 1, "chat": {"id": p["chat_id"], "type": "private"},
        "photo": [{"file_id": p["photo"], "file_unique_id": "u", "width": 1, "height": 1}],
    })
    assert (await bot.send_photo(3, "AgADfileid", caption="pic")).message_id == 77
    assert fake.texts(3) == ["copy me", "pic"]


async def test_get_updates_long_poll_and_confirmation(fake: FakeTelegram) -> None:
    url = f"{fake.base_url}/bot{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        started = asyncio.get_running_loop().time()
        async with http.post(url, data={"timeout": "0"}) as resp:
            assert (await resp.json()) == {"ok": True, "result": []}

        async def push_later() -> None:
            await asyncio.sleep(0.1)
            fake.send_text(1, "/start deep")

        pusher = asyncio.create_task(push_later())
        async with http.post(url, json={"timeout": 5}) as resp:
            result = (await resp.json())["result"]
        await pusher
        assert asyncio.get_running_loop().time() - started < 2
        update = result[0]
        assert update["message"]["entities"][0] == {"type": "bot_command", "offset": 0, "length": 6}
        assert not fake.delivered()
        # Not confirmed yet, so it is delivered again.
        async with http.post(url, data={"offset": str(update["update_id"])}) as resp:
            assert (await resp.json())["result"] == [update]
        async with http.post(url, data={"offset": str(update["update_id"] + 1)}) as resp:
            assert (await resp.json())["result"] == []
        assert fake.delivered()
        # A replayed old update_id is still handed out once, for dedupe tests.
        fake.push_raw(update)
        async with http.post(url, data={"offset": str(update["update_id"] + 1)}) as resp:
            assert (await resp.json())["result"] == [update]
        async with http.post(f"{fake.base_url}/bot{fake.token}/noSuchMethod") as resp:
            assert resp.status == 404 and (await resp.json())["description"] == "Not Found"


async def test_dispatcher_routes_messages_callbacks_and_payments(
    fake: FakeTelegram, bot: Bot
) -> None:
    dp = Dispatcher()
    seen: list[str] = []

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Welcome, {message.from_user.first_name}!", reply_markup=KB)

    @dp.message(F.dice)
    async def dice(message: Message) -> None:
        seen.append(f"dice {message.dice.value} fwd={message.forward_origin is not None}")

    @dp.callback_query(F.data == "roll")
    async def roll(query: CallbackQuery) -> None:
        await query.answer("rolling")
        await query.message.edit_text(f"rolled by {query.from_user.id}")

    @dp.pre_checkout_query()
    async def checkout(query: PreCheckoutQuery) -> None:
        await query.answer(ok=True)

    @dp.message(F.successful_payment)
    async def paid(message: Message) -> None:
        seen.append(message.successful_payment.telegram_payment_charge_id)

    fake.user(1, "Bob", username="bob")
    async with polling(fake, dp, bot):
        fake.send_text(1, "/start")
        assert await fake.wait_text(1, "Welcome") == "Welcome, Bob!"
        welcome = fake.messages[(1, 2)]
        assert welcome["reply_markup"] == KB.model_dump(exclude_none=True)
        fake.press(1, "roll", message_id=2)
        assert await fake.wait_text(1, "rolled by 1")
        fake.send_dice(1, value=5, forwarded=True)
        fake.pre_checkout(1, "buy:100", 50)
        await fake.wait_for(lambda: fake.sent(method="answerPreCheckoutQuery"))
        fake.successful_payment(1, "buy:100", 50, "ch_9")
        await fake.wait_for(lambda: "ch_9" in seen)
        await fake.wait_for(fake.delivered)
    assert seen == ["dice 5 fwd=True", "ch_9"]
    assert fake.sent(method="answerCallbackQuery")[0].params["text"] == "rolling"
    assert fake.sent(method="answerPreCheckoutQuery")[0].params["ok"] is True
    assert fake.sent(1, "editMessageText")[0].params["message_id"] == 2


async def test_wait_for_timeout_dumps_calls(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(1, "only this")
    with pytest.raises(AssertionError, match="sendMessage"):
        await fake.wait_text(1, "never", timeout=0.05)
