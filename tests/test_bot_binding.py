"""aiogram's objects learn their bot in one flat post-init (ludice.bot.transport.binding)
instead of pydantic's chain of one wrapper per class in the ancestry, and mean the same."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aiogram import Bot
from aiogram.client.context_controller import BotContextController
from aiogram.methods import SendDice, SendMessage
from aiogram.methods.base import Response
from aiogram.types import Message, TelegramObject, Update
from botharness import accept_terms, running_bot
from pydantic import PrivateAttr
from pydantic._internal import _model_construction

from ludice.bot.transport import binding

TOKEN = "123456:TEST"
UPDATE = {"ok": True, "result": [{"update_id": 5, "message": {
    "message_id": 9, "date": 1_800_000_000, "text": "/dice 10",
    "chat": {"id": 7, "type": "private", "first_name": "Al"},
    "from": {"id": 7, "is_bot": False, "first_name": "Al", "language_code": "en"},
    "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}]}
DIE = {"ok": True, "result": {"message_id": 10, "date": 1_800_000_001,
                              "chat": {"id": 7, "type": "private", "first_name": "Al"},
                              "from": {"id": 1, "is_bot": True, "first_name": "Ludice"},
                              "dice": {"emoji": "🎲", "value": 4}}}


def pydantic_chain(self: BotContextController, context: object, /) -> None:
    """What pydantic's chain does at each of its levels (and aiogram's post-init last)."""
    _model_construction.init_private_attributes(self, context)
    self._bot = context.get("bot") if context else None


@pytest.fixture
def chained(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pydantic's way back on every aiogram class for the test (the bot flattens them
    process-wide when it starts, and another test may have started one)."""
    for cls in (BotContextController, *binding._subclasses(BotContextController)):
        if cls.__dict__.get("model_post_init") is binding.bind_bot:
            monkeypatch.setattr(cls, "model_post_init", pydantic_chain)
    yield


def _validate(bot: Bot) -> tuple[Update, Message]:
    updates = Response[list[Update]].model_validate_json(json.dumps(UPDATE),
                                                          context={"bot": bot}).result
    die = Response[Message].model_validate_json(json.dumps(DIE), context={"bot": bot}).result
    return updates[0], die


def _count_chain_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    chain = _model_construction.init_private_attributes

    def counting(self, context):
        calls[0] += 1
        return chain(self, context)

    monkeypatch.setattr(_model_construction, "init_private_attributes", counting)
    return calls


def test_flat_post_init_replaces_the_chain_and_binds_the_same(chained, monkeypatch):
    bot = Bot(TOKEN)
    calls = _count_chain_calls(monkeypatch)
    update, die = _validate(bot)
    assert calls[0] > 0  # pydantic's chain ran (so the count below can tell)
    before = (update.model_dump(), die.model_dump())

    assert binding.flatten_post_init() > 400  # every aiogram type and method
    calls[0] = 0
    update, die = _validate(bot)
    assert calls[0] == 0
    assert (update.model_dump(), die.model_dump()) == before
    for obj in (update, update.message, update.message.chat, update.message.from_user,
                update.message.entities[0], die, die.dice, die.chat):
        assert obj.bot is bot
        assert obj.__pydantic_private__ == {"_bot": bot}


def test_objects_built_without_a_bot_still_bind_later(chained):
    binding.flatten_post_init()
    bot = Bot(TOKEN)
    method = SendMessage(chat_id=7, text="hi")
    assert method.bot is None
    assert SendDice(chat_id=7).as_(bot).bot is bot
    die = Message.model_validate(DIE["result"])
    assert die.bot is None and die.dice.value == 4
    copy = die.as_(bot).model_copy()
    assert copy.bot is bot and copy == die


def test_a_class_with_other_private_attributes_keeps_pydantic_s_chain(chained):
    class Noted(TelegramObject):
        value: int
        _note: str = PrivateAttr(default="unread")

    binding.flatten_post_init()
    assert Noted.__dict__["model_post_init"] is not binding.bind_bot
    bot = Bot(TOKEN)
    noted = Noted.model_validate({"value": 1}, context={"bot": bot})
    assert noted._note == "unread" and noted.bot is bot


async def test_the_running_bot_has_flattened_them(tmp_path, chained):
    assert Message.__dict__["model_post_init"] is not binding.bind_bot
    async with running_bot(tmp_path) as bot:
        assert Message.__dict__["model_post_init"] is binding.bind_bot
        await accept_terms(bot.fake, 1, "Alice")
        bot.fake.send_text(1, "/dice 30")
        await bot.fake.wait_text(1, "Waiting for an opponent")
