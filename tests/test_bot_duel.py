"""End to end: duels through the fake Bot API, from /start to a settled pot."""

from __future__ import annotations

from botharness import accept_terms, running_bot, settle


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


async def _duel(bot, bet: int = 30) -> None:
    fake = bot.fake
    await accept_terms(fake, 1, "Alice")
    await accept_terms(fake, 2, "Bob")
    fake.send_text(1, f"/dice {bet}")
    await fake.wait_text(1, "Waiting for an opponent")
    fake.send_text(2, f"/dice {bet}")


async def test_the_die_each_player_sees_is_the_one_that_counts(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.script_dice(3, 6)
        await _duel(bot)
        await fake.wait_text(2, "You win")
        await settle(bot)
        for player, other in ((1, 2), (2, 1)):
            own = fake.sent(player, "sendDice")
            assert len(own) == 1
            forwarded = fake.sent(other, "forwardMessage")
            assert len(forwarded) == 1
            [shown] = [m for (chat, _), m in fake.messages.items()
                       if chat == other and "dice" in m and "forward_origin" in m]
            assert int(forwarded[0].params["from_chat_id"]) == player
            assert forwarded[0].params.get("protect_content") is True
            assert shown["dice"]["value"] == (3 if player == 1 else 6)
        rolls = bot.sql("SELECT round, user_id, value FROM rolls ORDER BY user_id")
        assert rolls == [(1, 1, 3), (1, 2, 6)]


async def test_a_tie_is_rerolled_and_the_winner_paid(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, tie_rounds=3) as bot:
        fake = bot.fake
        fake.script_dice(4, 4, 6, 2)
        await _duel(bot)
        tie = await fake.wait_text(1, "Tie")
        assert "🎲 Alice 4 vs Bob 4" in tie and "round 2" in tie
        await fake.wait_text(2, "Tie")  # each chat has its own sender: no order between chats
        win = await fake.wait_text(1, "You win")
        await fake.wait_text(2, "wins the pot")
        await settle(bot)
        assert "Alice 6 vs Bob 2" in win and "<b>60</b>" in win
        assert bot.balance(1) == 130 and bot.balance(2) == 70
        assert bot.sql("SELECT status, round, fee FROM lobbies") == [("settled", 2, 0)]
        assert bot.sql("SELECT round, user_id, value FROM rolls ORDER BY round, user_id") == [
            (1, 1, 4), (1, 2, 4), (2, 1, 6), (2, 2, 2)]
        assert len(fake.sent(1, "sendDice")) == 2 and len(fake.sent(2, "sendDice")) == 2
        # one result per player, no second payout
        assert sum("You win" in t for t in fake.texts(1)) == 1
        assert bot.sql("SELECT count(*) FROM transfers WHERE kind = 'payout'") == [(1,)]


async def test_tie_without_rerolls_splits_the_pot_remainder_to_the_house(tmp_path):
    # pot 30, fee 5% = 1, 29 left: 14 each, and the odd credit goes to the house with the fee
    async with running_bot(tmp_path, welcome_bonus=100, tie_rounds=0,
                           house_fee_percent=5) as bot:
        fake = bot.fake
        fake.script_dice(3, 3)
        await _duel(bot, bet=15)
        split = await fake.wait_text(1, "split")
        await fake.wait_text(2, "split")
        await settle(bot)
        assert "pot of 30" in split and "you get 14" in split and "house fee 2" in split
        assert bot.balance(1) == 99 and bot.balance(2) == 99
        assert bot.balance(-1) == 2  # house
        assert bot.balance(-2) == 0  # escrow
        assert bot.sql("SELECT status, fee FROM lobbies") == [("settled", 2)]
        assert bot.sql("SELECT user_id, stake, payout FROM lobby_players ORDER BY user_id") == [
            (1, 15, 14), (2, 15, 14)]
        assert len(fake.sent(1, "sendDice")) == 1  # no re-roll with tie_rounds=0
        assert not any("Tie" in t for t in fake.texts(1))


async def test_a_429_on_the_result_is_retried_not_dropped(tmp_path):
    async with running_bot(tmp_path, reveal_delay_seconds=0.3) as bot:
        fake = bot.fake
        fake.script_dice(2, 5)
        await _duel(bot)
        # both dice are out and shown; the next sendMessage calls are the results
        await fake.wait_for(lambda: len(fake.sent(method="forwardMessage")) == 2)
        fake.fail_next("sendMessage", error_code=429, retry_after=1, times=2)
        win = await fake.wait_text(2, "You win", timeout=5)
        await fake.wait_text(1, "wins the pot", timeout=5)
        await settle(bot)
        refused = [c for c in fake.calls if c.method == "sendMessage" and c.answered_error]
        assert len(refused) == 2
        assert "Bob 5" in win and bot.balance(2) == 130 and bot.balance(1) == 70
        assert bot.sql("SELECT count(*) FROM outbox WHERE sent_at IS NULL OR error IS NOT NULL"
                       ) == [(0,)]


async def test_names_are_escaped_in_html_texts(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.script_dice(6, 1)
        await accept_terms(fake, 1, "Tom <&> Jerry")
        await accept_terms(fake, 2, "<b>Bob")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(2, "/dice 30")
        start = await fake.wait_text(1, "Duel #")
        assert "Tom &lt;&amp;&gt; Jerry vs &lt;b&gt;Bob" in start
        await fake.wait_text(1, "You win")
        await fake.wait_text(2, "wins the pot")
        fake.send_text(1, "/profile")
        profile = await fake.wait_text(1, "Balance:")
        assert "Tom &lt;&amp;&gt; Jerry" in profile
        await settle(bot)
        assert not [c for c in fake.calls if c.answered_error]


async def test_the_reveal_wait_does_not_hold_up_other_players(tmp_path):
    async with running_bot(tmp_path, reveal_delay_seconds=1) as bot:
        fake = bot.fake
        await accept_terms(fake, 3, "Carol")
        fake.script_dice(1, 2)
        await _duel(bot)
        await fake.wait_for(lambda: len(fake.sent(method="forwardMessage")) == 2)
        fake.send_text(3, "/profile")
        await fake.wait_text(3, "Win rate", timeout=0.5)
        assert bot.sql("SELECT status FROM lobbies") == [("rolling",)]  # still revealing
        await fake.wait_text(2, "You win")


async def test_darts_duel_throws_darts(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.script_dice(6, 3)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.send_text(1, "/darts 30")
        await fake.wait_text(1, "🎯 Lobby #1")
        fake.send_text(2, "/darts 30")
        win = await fake.wait_text(1, "You win")
        assert win.startswith("🏆 🎯 Alice 6 vs Bob 3")
        assert {c.params["emoji"] for c in fake.sent(method="sendDice")} == {"🎯"}
