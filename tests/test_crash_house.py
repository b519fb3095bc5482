"""Crash points in a duel against the house: a kill while the dice animate is finished at
the next start from the recorded dice; a kill as the house's die lands (seen, unrecorded)
calls the duel off and gives both stakes back, as for any duel."""

from __future__ import annotations

import sqlite3

from botharness import FakeClock, FakeTelegram, accept_terms, kill, prepare_db, settle, start_bot

from ludice import ledger

HOUSE = ledger.HOUSE


async def test_a_kill_mid_house_duel_is_finished_at_restart(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"welcome_bonus": "100", "reveal_delay_seconds": "30"})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await accept_terms(fake, 1, "Alice")
        fake.script_dice(4, 3)
        fake.send_text(1, "/house 30")
        # both dice are in; the bot dies while it waits out their animation
        await fake.wait_for(lambda: first.sql("SELECT count(*) FROM rolls") == [(2,)])
        await kill(first)
        assert first.sql("SELECT status FROM lobbies") == [("rolling",)]
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE settings SET value = '0.05' WHERE key = 'reveal_delay_seconds'")
        second = await start_bot(fake, db_path, clock)
        try:
            win = await fake.wait_text(1, "You win")
            assert "Alice 4 vs 🏠 3" in win
            await settle(second)
            assert len(fake.sent(1, "sendDice")) == 2  # no die rolled twice
            assert second.sql("SELECT status FROM lobbies") == [("settled",)]
            assert second.balance(1) == 130 and second.balance(HOUSE) == -30
        finally:
            await second.stop()
        assert second.audit() == []


async def test_a_kill_as_the_house_die_lands_calls_the_duel_off(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"welcome_bonus": "100"})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await accept_terms(fake, 1, "Alice")
        inner, seen = fake.handler("sendDice"), []

        async def land_then_kill(p):
            sent = inner(p)
            seen.append(p)
            if len(seen) == 2:  # the house's die is on Alice's screen, its value unrecorded
                fake.set_response("sendDice", inner)
                await kill(first)
            return sent

        fake.set_response("sendDice", land_then_kill)
        fake.send_text(1, "/house 30")
        await fake.wait_for(lambda: first.task.done(), timeout=10)
        second = await start_bot(fake, db_path, clock)
        try:
            told = await fake.wait_text(1, "Duel #1 was called off")
            assert "30 credits are back. Balance: 100" in told
            await settle(second)
            assert len(fake.sent(1, "sendDice")) == 2
            assert second.sql("SELECT status FROM lobbies") == [("cancelled",)]
            assert second.balance(1) == 100 and second.balance(HOUSE) == 0
            assert not fake.sent(HOUSE)
        finally:
            await second.stop()
        assert second.audit() == []
