"""End to end: two players from /start to a settled duel, through the fake Bot API."""

from __future__ import annotations

from botharness import accept_terms, running_bot


async def test_two_players_from_start_to_settled_duel(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        assert bot.balance(1) == 100 and bot.balance(2) == 100

        fake.script_dice(5, 2)
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        assert bot.balance(1) == 70
        fake.send_text(2, "/dice 30")
        win = await fake.wait_text(1, "You win")
        loss = await fake.wait_text(2, "wins the pot")
        assert "60" in win and "Alice 5 vs Bob 2" in win
        assert bot.balance(1) == 130 and bot.balance(2) == 70
        # each player saw their own die and the other's, forwarded
        assert len(fake.sent(1, "sendDice")) == 1 and len(fake.sent(2, "sendDice")) == 1
        assert len(fake.sent(1, "forwardMessage")) == 1
        assert len(fake.sent(2, "forwardMessage")) == 1
        assert "Balance: <b>70</b>" in loss
