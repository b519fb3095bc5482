"""End to end: friendly games (a bet of 0). Matched only with other friendly lobbies, no
transfers and no fee, counted as games with a winner but never in net winnings; in a group
the card, the rematch and throw-your-own mode work as for any challenge."""

from __future__ import annotations

from botharness import (
    GROUP,
    FakeClock,
    accept_terms,
    card_of,
    group_say,
    open_group,
    press_button,
    running_bot,
    settle,
    shown,
)

from ludice import db, leaderboard

GAME_TRANSFERS = "SELECT count(*) FROM transfers WHERE kind NOT IN ('welcome')"


async def test_a_friendly_private_duel_moves_no_credits(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, house_fee_percent=10) as bot:
        fake = bot.fake
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
            await accept_terms(fake, user_id, name)
        fake.send_text(3, "/dice 10")  # a staked lobby waiting: never matched with a friendly
        await fake.wait_text(3, "Waiting for an opponent")
        fake.send_text(1, "/dice")
        await press_button(fake, 1, "bet:dice:0")  # the "Just for fun" quick bet
        waiting = await fake.wait_text(1, "Friendly lobby #2")
        assert "nothing at stake" in waiting
        fake.script_dice(6, 2)
        fake.send_text(2, "/dice 0")
        win = await fake.wait_text(1, "You win!")
        loss = await fake.wait_text(2, "Alice wins.")
        await settle(bot)
        assert "Alice 6 vs Bob 2" in win and "no credits moved" in win
        assert "no credits moved" in loss
        for user_id in (1, 2):  # no "Pot: 0" where nothing is at stake
            start = next(t for t in fake.texts(user_id) if "Opponent found" in t)
            assert "Friendly duel #2: Alice vs Bob, just for fun." in start
            assert "Pot" not in start
        assert bot.sql("SELECT id, bet, status, fee FROM lobbies ORDER BY id") == [
            (1, 10, "open", 0), (2, 0, "settled", 0)]
        assert bot.sql(GAME_TRANSFERS) == [(1,)]  # Carol's stake only
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-1) == 0
        fake.send_text(1, "/profile")
        profile = await fake.wait_text(1, "Win rate")
        assert "Games: 1 · wins 1 · losses 0" in profile and "net result: +0" in profile
        fake.send_text(2, "/profile")
        profile = await fake.wait_text(2, "Win rate")
        assert "Games: 1 · wins 0 · losses 1" in profile
        assert bot.audit() == []


async def test_a_friendly_lobby_nobody_joined_expires_without_a_house_offer(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, lobby_ttl_seconds=60) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/darts 0")
        await fake.wait_text(1, "Friendly lobby #1")
        clock.advance(61)
        assert await bot.app.jobs.sweep() == 1
        expired = await fake.wait_text(1, "Nobody joined friendly lobby #1")
        assert "are back" not in expired
        await settle(bot)
        assert bot.sql("SELECT status FROM lobbies") == [("expired",)]
        assert bot.sql(GAME_TRANSFERS) == [(0,)]
        markup = fake.sent(1, "sendMessage")[-1].params.get("reply_markup")
        assert not markup  # the house plays for credits only
        assert bot.audit() == []


async def test_a_friendly_group_challenge_and_its_rematch(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, house_fee_percent=10) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        group_say(fake, 1, "/duel 0")
        await fake.wait_for(lambda: card_of(fake, 1))
        card_id, card = card_of(fake, 1)
        assert "just for fun" in shown(card)
        fake.script_dice(2, 5)
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        result = await fake.wait_text(GROUP, "wins, just for fun")
        await settle(bot)
        assert "<b>Bob</b> wins" in result
        assert bot.sql(GAME_TRANSFERS) == [(0,)]
        assert bot.balance(1) == 100 and bot.balance(2) == 100
        group_say(fake, 1, "/help")
        assert "/duel 0 plays just for fun" in await fake.wait_text(GROUP, "ludice in this")
        # the rematch opens the same friendly challenge
        rematch = next(k for k in sorted(fake.messages, reverse=True) if k[0] == GROUP
                       and "just for fun" in fake.messages[k].get("text", ""))
        fake.press(1, "gr:1", message_id=rematch[1], chat_id=GROUP)
        await fake.wait_for(lambda: card_of(fake, 2))
        await settle(bot)
        assert bot.sql("SELECT id, bet, status FROM lobbies ORDER BY id") == [
            (1, 0, "settled"), (2, 0, "open")]
        conn = db.open_db(bot.db_path)
        try:
            top = leaderboard.group_top(conn, GROUP)
        finally:
            conn.close()
        assert top["wins"] == [("Bob", 1)]  # a friendly win counts as a win...
        assert dict(top["net"]) == {"Alice": 0, "Bob": 0}  # ...never as winnings
        assert bot.sql(GAME_TRANSFERS) == [(0,)]
        assert bot.audit() == []


async def test_a_friendly_throw_your_own_challenge(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock) as bot:
        fake = bot.fake
        await open_group(bot, throw="on", turn="30")
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        group_say(fake, 1, "/duel 0")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await fake.wait_text(GROUP, "round 1")
        for user_id, value in ((1, 3), (2, 6)):
            fake.send_dice(user_id, "🎲", value, chat_id=GROUP, chat_type="supergroup")
        result = await fake.wait_text(GROUP, "wins, just for fun")
        await settle(bot)
        assert "<b>Bob</b> wins" in result
        assert bot.sql(GAME_TRANSFERS) == [(0,)]
        assert bot.audit() == []
