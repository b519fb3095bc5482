"""End to end: a lobby's life outside the duel: waiting, expiry, leaving, admin cancel."""

from __future__ import annotations

import asyncio
import sys

from botharness import (
    FakeClock,
    Gate,
    accept_terms,
    callback_answer,
    find_button,
    running_bot,
    settle,
    state,
)


async def _open_lobby(bot, user_id: int = 1, name: str = "Alice", bet: int = 30) -> None:
    fake = bot.fake
    await accept_terms(fake, user_id, name)
    fake.send_text(user_id, f"/dice {bet}")
    await fake.wait_text(user_id, "Waiting for an opponent")


async def test_scheduler_expires_a_lobby_nobody_joined_and_refunds(tmp_path):
    async with running_bot(tmp_path, lobby_ttl_seconds=1) as bot:
        fake = bot.fake
        await _open_lobby(bot)
        # The stake went to escrow (asked of the ledger: with a 1 s lifetime on a busy machine
        # the lobby may already be expired and refunded by now).
        assert bot.sql("SELECT kind, amount FROM transfers WHERE credit_id = -2") == [
            ("stake", 30)]
        text = await fake.wait_text(1, "Nobody joined", timeout=4)
        assert "lobby #1" in text and "30 credits are back" in text and "Balance: 100" in text
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status FROM lobbies") == [("expired",)]
        assert bot.sql("SELECT kind, amount FROM transfers WHERE debit_id = -2") == [
            ("refund", 30)]
        assert sum("Nobody joined" in t for t in fake.texts(1)) == 1


async def test_sweeper_refunds_a_lobby_past_its_expiry(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, lobby_ttl_seconds=60) as bot:
        fake = bot.fake
        await _open_lobby(bot)
        assert await bot.app.jobs.sweep() == 0  # not due yet
        assert bot.sql("SELECT status FROM lobbies") == [("open",)]
        clock.advance(61)
        assert await bot.app.jobs.sweep() == 1
        await fake.wait_text(1, "Nobody joined")
        assert await bot.app.jobs.sweep() == 0  # once only
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status, resolved_at FROM lobbies") == [
            ("expired", int(clock.now))]
        # nobody can join an expired lobby: the next player opens a new one
        await accept_terms(fake, 2, "Bob")
        fake.send_text(2, "/dice 30")
        await fake.wait_text(2, "Lobby #2")


async def test_leave_command_refunds_and_a_second_leave_changes_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await _open_lobby(bot)
        fake.send_text(1, "/leave")
        left = await fake.wait_text(1, "You left lobby #1")
        assert "30 credits are back" in left and "Balance: 100" in left
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [("cancelled", "left")]
        before = state(bot)
        fake.send_text(1, "/leave")
        await fake.wait_text(1, "not waiting in any lobby")
        await settle(bot)
        assert state(bot) == before
        # the expiry timer stays aimed at the closed lobby (no read to move it); when it
        # fires it finds nothing due and goes idle
        assert bot.app.jobs.expiry_at[1] == 1
        assert await bot.app.jobs.expire_due() == 0
        assert bot.app.jobs.expiry_at is None and not bot.app.jobs.scheduler.get_job("expiry")


async def test_leave_button_refunds_and_pressing_it_again_changes_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await _open_lobby(bot)
        message_id, data = find_button(fake, 1, "leave:")
        assert data == "leave:1"
        first = fake.press(1, data, message_id=message_id)
        answer = await callback_answer(fake, first)
        assert "You left lobby #1" in answer.params["text"]
        await fake.wait_for(lambda: find_button(fake, 1, "leave:") is None)  # button removed
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
        before = state(bot)
        again = fake.press(1, data, message_id=message_id)  # a replayed, stale button
        answer = await callback_answer(fake, again)
        assert answer.params["text"] == "That lobby is already closed."
        await settle(bot)
        assert state(bot) == before
        assert not any("Sorry" in t for t in fake.texts(1))


async def test_old_leave_button_after_the_lobby_filled_or_expired(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, reveal_delay_seconds=0) as bot:
        fake = bot.fake
        fake.script_dice(6, 1)
        await _open_lobby(bot)
        filled = find_button(fake, 1, "leave:")
        await accept_terms(fake, 2, "Bob")
        fake.send_text(2, "/dice 30")
        await fake.wait_text(1, "You win")
        await settle(bot)
        before = state(bot)
        answer = await callback_answer(fake, fake.press(1, filled[1], message_id=filled[0]))
        assert answer.params["text"] == "That lobby is already closed."
        # Bob never had a Leave button for it; a forged one is refused as well
        answer = await callback_answer(fake, fake.press(2, "leave:1", message_id=filled[0]))
        assert answer.params["text"] == "That lobby is already closed."

        fake.send_text(1, "/dice 50")
        await fake.wait_text(1, "Lobby #2")
        expired = find_button(fake, 1, "leave:2")
        clock.advance(301)
        assert await bot.app.jobs.sweep() == 1
        await fake.wait_text(1, "Nobody joined lobby #2")
        await settle(bot)
        before = state(bot)
        answer = await callback_answer(fake, fake.press(1, expired[1], message_id=expired[0]))
        assert answer.params["text"] == "That lobby is already closed."
        await settle(bot)
        assert state(bot) == before
        assert bot.balance(1) == 130 and bot.balance(2) == 70
        assert not any("Sorry" in t for t in fake.texts(1) + fake.texts(2))


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ludice", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, out.decode(), err.decode()


async def test_admin_cancels_an_open_lobby_while_the_bot_runs(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await _open_lobby(bot)
        code, out, err = await _cli("lobby", "cancel", "1", "--reason", "test",
                                    "--db", str(bot.db_path))
        assert code == 0, err
        assert "cancelled lobby 1" in out
        # the running bot's mailer polls the outbox every 2 s
        told = await fake.wait_text(1, "cancelled by an admin", timeout=5)
        assert "(test)" in told and "30 credits are back" in told
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [("cancelled", "test")]
        # the expiry timer, still aimed at the lobby, finds nothing to do and goes idle
        assert bot.app.jobs.expiry_at[1] == 1
        assert await bot.app.jobs.expire_due() == 0
        assert bot.sql("SELECT count(*) FROM transfers WHERE kind = 'refund'") == [(1,)]
        assert bot.app.jobs.expiry_at is None and not bot.app.jobs.scheduler.get_job("expiry")


async def test_admin_cancels_a_rolling_duel_and_the_runner_pays_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.script_dice(6, 1)
        gate = Gate(fake, "sendDice", skip=1)  # Alice's die lands, Bob's hangs in Telegram
        await _open_lobby(bot)
        await accept_terms(fake, 2, "Bob")
        fake.send_text(2, "/dice 30")
        await asyncio.wait_for(gate.reached.wait(), 5)
        assert bot.sql("SELECT status FROM lobbies") == [("rolling",)]
        assert bot.sql("SELECT user_id, value FROM rolls") == [(1, 6)]
        fake.send_text(1, "/leave")  # too late to leave: the duel started
        await fake.wait_text(1, "That duel has already started; it can't be left now.")
        code, _, err = await _cli("lobby", "cancel", "1", "--reason", "stuck",
                                  "--db", str(bot.db_path))
        assert code == 0, err
        gate.release()
        await fake.wait_text(1, "cancelled by an admin", timeout=5)
        await fake.wait_text(2, "cancelled by an admin", timeout=5)
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status FROM lobbies") == [("cancelled",)]
        assert bot.sql("SELECT kind, count(*) FROM transfers WHERE debit_id = -2 GROUP BY kind"
                       ) == [("refund", 2)]
        assert bot.sql("SELECT user_id FROM rolls") == [(1,)]  # the late die was not counted
        assert not any("win" in t for t in fake.texts(1) + fake.texts(2))


async def test_a_duel_cancelled_while_its_start_is_announced_rolls_no_die(tmp_path):
    """The runner reads the first round with the start message, before announcing it; an
    admin's cancel during the announcement still stops every die (the die's intent, a
    write, finds the lobby no longer rolling)."""
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        gate = Gate(fake, "editMessageText")  # Alice's lobby message becomes the start
        await _open_lobby(bot)
        await accept_terms(fake, 2, "Bob")
        fake.send_text(2, "/dice 30")
        await asyncio.wait_for(gate.reached.wait(), 5)
        code, _, err = await _cli("lobby", "cancel", "1", "--reason", "stuck",
                                  "--db", str(bot.db_path))
        assert code == 0, err
        gate.release()
        await fake.wait_text(2, "cancelled by an admin", timeout=5)
        await settle(bot)
        assert fake.sent(method="sendDice") == [] and fake.sent(method="forwardMessages") == []
        assert bot.sql("SELECT count(*) FROM roll_intents") == [(0,)]
        assert bot.sql("SELECT count(*) FROM rolls") == [(0,)]
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0


async def test_matchmaking_pairs_only_the_same_game_and_bet(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await _open_lobby(bot, 1, "Alice", bet=30)  # dice 30
        await accept_terms(fake, 2, "Bob")
        await accept_terms(fake, 3, "Carol")
        fake.send_text(2, "/darts 30")
        await fake.wait_text(2, "🎯 Lobby #2")
        fake.send_text(3, "/dice 40")
        await fake.wait_text(3, "🎲 Lobby #3")
        await settle(bot)
        assert bot.sql("SELECT id, game, bet, status FROM lobbies ORDER BY id") == [
            (1, "dice", 30, "open"), (2, "darts", 30, "open"), (3, "dice", 40, "open")]
        fake.send_text(3, "/leave")
        await fake.wait_text(3, "You left lobby #3")
        fake.send_text(3, "/dice 30")
        await fake.wait_text(3, "Opponent found! Duel #1: Alice vs Carol")
        await fake.wait_for(lambda: bot.sql("SELECT status FROM lobbies WHERE id = 1")
                            == [("settled",)])
        await settle(bot)
        assert bot.sql("SELECT user_id FROM lobby_players WHERE lobby_id = 1 ORDER BY seat"
                       ) == [(1,), (3,)]
        assert bot.sql("SELECT status FROM lobbies WHERE id = 2") == [("open",)]
