"""What the bot does against aiogram's and pydantic's own overhead: no filter runs through a
thread (ludice.bot.filters), and the `Response[T]` models aiogram validates answers with are
held against pydantic's weak cache (ludice.bot.transport.session)."""

from __future__ import annotations

import gc

from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from botharness import accept_terms, running_bot, settle

from ludice.bot.filters import thread_filters


async def test_no_filter_of_the_dispatcher_runs_through_a_thread(tmp_path):
    async with running_bot(tmp_path) as bot:
        assert thread_filters(bot.app.dispatcher) == []
        # and the rewritten filters still filter: private play answers in private
        await accept_terms(bot.fake, 1, "Alice")
        bot.fake.send_text(1, "/dice 30")
        await bot.fake.wait_text(1, "Waiting for an opponent")
        await settle(bot)


async def test_the_response_models_survive_a_full_collection(tmp_path):
    async with running_bot(tmp_path) as bot:
        await accept_terms(bot.fake, 1, "Alice")
        model = bot.app.bot.session.responses[SendMessage]
        gc.collect()
        assert Response[SendMessage.__returning__] is model  # not rebuilt
