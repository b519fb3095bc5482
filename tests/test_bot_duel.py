"""End to end: duels through the fake Bot API, from /start to a settled pot."""

from __future__ import annotations

from botharness import accept_terms, running_bot, settle

SENDS = {"sendmessage", "senddice", "forwardmessage", "forwardmessages", "copymessage"}


def dice_seen(fake, chat_id: int) -> list[int]:
    """The dice values a player has in their chat, rolled there or forwarded, in order."""
    return [m["dice"]["value"] for (chat, _), m in sorted(fake.messages.items())
            if chat == chat_id and "dice" in m]


def sends(calls, chats: set[int]) -> list[str]:
    return [c.method for c in calls if not c.answered_error and c.method.lower() in SENDS
            and int(c.params["chat_id"]) in chats]


async def test_two_players_from_start_to_settled_duel(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        assert bot.balance(1) == 100 and bot.balance(2) == 100

        fake.script_dice(5, 2)
        first = len(fake.calls)
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        assert bot.balance(1) == 70
        fake.send_text(2, "/dice 30")
        win = await fake.wait_text(1, "You win")
        loss = await fake.wait_text(2, "wins the pot")
        await settle(bot)
        assert "60" in win and "Alice 5 vs Bob 2" in win
        assert bot.balance(1) == 130 and bot.balance(2) == 70
        assert "Balance: <b>70</b>" in loss
        # both players see both dice, in the order of the start message, and one result each
        assert dice_seen(fake, 1) == [5, 2] and dice_seen(fake, 2) == [5, 2]
        for chat in (1, 2):
            assert sum("You win" in t or "wins the pot" in t for t in fake.texts(chat)) == 1
        # seven sends: Alice's lobby message (edited into the start), Bob's start, two dice,
        # one forward of both, two results
        assert sends(fake.calls[first:], {1, 2}) == [
            "sendMessage", "sendMessage", "sendDice", "sendDice", "forwardMessages",
            "sendMessage", "sendMessage"]
        [waiting] = [m for (chat, _), m in fake.messages.items()
                     if chat == 1 and "Duel #1" in m.get("text", "")]
        assert "Alice vs Bob" in waiting["text"] and "edit_date" in waiting
        assert "reply_markup" not in waiting  # the Leave button went with the edit
        assert not any("Lobby #1" in m.get("text", "") for (chat, _), m in fake.messages.items()
                       if chat == 1)


async def _duel(bot, bet: int = 30) -> None:
    fake = bot.fake
    await accept_terms(fake, 1, "Alice")
    await accept_terms(fake, 2, "Bob")
    fake.send_text(1, f"/dice {bet}")
    await fake.wait_text(1, "Waiting for an opponent")
    fake.send_text(2, f"/dice {bet}")


async def test_the_dice_each_player_sees_are_the_ones_that_count(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.script_dice(3, 6)
        await _duel(bot)
        await fake.wait_text(2, "You win")
        await settle(bot)
        # rolled in the chat of Bob, who filled the lobby; Alice gets both forwarded, protected
        assert len(fake.sent(2, "sendDice")) == 2 and not fake.sent(1, "sendDice")
        [forward] = fake.sent(1, "forwardMessages")
        assert int(forward.params["from_chat_id"]) == 2
        assert forward.params.get("protect_content") is True
        shown = [m for (chat, _), m in sorted(fake.messages.items()) if chat == 1 and "dice" in m]
        assert all("forward_origin" in m and m.get("has_protected_content") for m in shown)
        assert dice_seen(fake, 1) == dice_seen(fake, 2) == [3, 6]
        rolls = bot.sql("SELECT round, user_id, value, chat_id FROM rolls ORDER BY user_id")
        assert rolls == [(1, 1, 3, 2), (1, 2, 6, 2)]


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
        assert dice_seen(fake, 1) == dice_seen(fake, 2) == [4, 4, 6, 2]
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
        assert dice_seen(fake, 1) == [3, 3]  # no re-roll with tie_rounds=0
        assert not any("Tie" in t for t in fake.texts(1))


async def test_a_429_on_the_result_is_retried_not_dropped(tmp_path):
    async with running_bot(tmp_path, reveal_delay_seconds=0.3) as bot:
        fake = bot.fake
        fake.script_dice(2, 5)
        await _duel(bot)
        # both dice are out and shown; the next sendMessage calls are the results
        await fake.wait_for(lambda: len(fake.sent(method="forwardMessages")) == 1)
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
        await fake.wait_for(lambda: len(fake.sent(method="forwardMessages")) == 1)
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
