"""Crash points, end to end: the bot dies right after Telegram posted a die, before the bot
recorded its value. The player has seen that die, so the restart must not roll another one
for the same turn: the game is called off, every stake refunded, everyone told."""

from __future__ import annotations

import asyncio
from typing import Any

from botharness import (
    GROUP,
    FakeClock,
    FakeTelegram,
    Gate,
    Running,
    accept_terms,
    card_of,
    group_say,
    kill,
    open_group,
    prepare_db,
    settle,
    start_bot,
)


def die_on_die(fake: FakeTelegram, victim: list[Running], number: int) -> None:
    """The `number`-th die (1 = the first) reaches its chat, then the bot is killed before it
    hears the answer: the value is on the player's screen and nowhere in the database."""
    inner = fake.handler("sendDice")
    seen = 0

    async def land_then_kill(p: dict[str, Any]) -> Any:
        nonlocal seen
        sent = inner(p)
        seen += 1
        if seen == number:
            fake.set_response("sendDice", inner)
            await kill(victim[0])
        return sent

    fake.set_response("sendDice", land_then_kill)


async def test_a_private_die_seen_before_a_kill_is_not_rolled_again(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        victim = [first]
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(5, 1)
        die_on_die(fake, victim, 2)  # Alice's die is recorded; Bob's 1 is seen, then the kill
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(2, "/dice 30")
        await fake.wait_for(lambda: first.task.done(), timeout=10)
        assert first.sql("SELECT user_id, value FROM rolls") == [(1, 5)]
        assert len(fake.sent(2, "sendDice")) == 2  # both roll in Bob's chat, who filled it

        second = await start_bot(fake, db_path, clock)
        try:
            for user_id in (1, 2):
                told = await fake.wait_text(user_id, "Duel #1 was called off")
                assert "the bot stopped while a die was being rolled" in told
                assert "30 credits are back. Balance: 100" in told
            await settle(second)
            assert len(fake.sent(method="sendDice")) == 2  # Bob's die was never rolled again
            assert second.sql("SELECT status, cancel_reason FROM lobbies") == [
                ("cancelled", "interrupted")]
            assert second.balance(1) == 100 and second.balance(2) == 100
            assert second.balance(-2) == 0
            await second.app.jobs.sweep()  # nothing left to resume
            await settle(second)
            assert len(fake.sent(method="sendDice")) == 2
        finally:
            await second.stop()
        assert second.audit() == []


async def test_a_group_die_seen_before_a_kill_is_not_rolled_again(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        victim = [first]
        await open_group(first)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(2, 6)
        die_on_die(fake, victim, 1)  # the group sees Alice's 2, the bot never hears it
        group_say(fake, 1, "/duel 30")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await fake.wait_for(lambda: first.task.done(), timeout=10)
        assert first.sql("SELECT count(*) FROM rolls") == [(0,)]

        second = await start_bot(fake, db_path, clock)
        try:
            note = await fake.wait_text(GROUP, "Challenge #1 is off")
            assert "the bot stopped while a die was being rolled" in note
            for user_id in (1, 2):
                told = await fake.wait_text(user_id, "Challenge #1 in Dice Club was called off")
                assert "30 credits are back" in told
            await settle(second)
            assert len(fake.sent(GROUP, "sendDice")) == 1  # no second die for Alice
            assert second.sql("SELECT status, cancel_reason FROM lobbies") == [
                ("cancelled", "interrupted")]
            assert second.balance(1) == 100 and second.balance(2) == 100
        finally:
            await second.stop()
        assert second.audit() == []


async def test_a_challenge_committed_before_a_kill_gets_its_card_at_the_next_start(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await open_group(first)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        gate = Gate(fake, "sendMessage")  # the challenge commits; its card never gets out
        group_say(fake, 1, "/duel 30")
        await asyncio.wait_for(gate.reached.wait(), 10)
        assert first.sql("SELECT status FROM lobbies") == [("open",)]
        await kill(first)
        gate.close()
        assert card_of(fake, 1) is None

        second = await start_bot(fake, db_path, clock)
        try:
            await fake.wait_for(lambda: card_of(fake, 1), timeout=10)
            fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
            await fake.wait_text(GROUP, "Challenge #1: Alice", timeout=15)
            await settle(second)
            assert second.sql("SELECT status FROM lobbies") == [("settled",)]
        finally:
            await second.stop()
        assert second.audit() == []


async def test_a_card_telegram_refuses_at_start_up_does_not_stop_the_start(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await open_group(first)
        await accept_terms(fake, 1, "Alice")
        gate = Gate(fake, "sendMessage")
        group_say(fake, 1, "/duel 30")
        await asyncio.wait_for(gate.reached.wait(), 10)
        await kill(first)
        gate.close()

        fake.fail_next("sendMessage", error_code=500, description="Internal Server Error")
        second = await start_bot(fake, db_path, clock)  # the card fails; the bot still runs
        try:
            assert card_of(fake, 1) is None
            assert second.sql("SELECT status FROM lobbies") == [("open",)]
            clock.advance(301)  # the expiry refunds the challenge nobody could see
            await second.app.jobs.sweep()
            await settle(second)
            assert second.sql("SELECT status FROM lobbies") == [("expired",)]
            assert second.balance(1) == 100
        finally:
            await second.stop()
        assert second.audit() == []
