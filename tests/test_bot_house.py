"""End to end: duels against the house through the fake Bot API. Won, lost, tied; the daily
loss cap; the "Play the house instead" button on an expired lobby; the game menu's way in;
refusals that change nothing; the profile and stats. (Kills mid-duel: test_crash_house.)"""

from __future__ import annotations

import sqlite3

from botharness import (
    FakeClock,
    accept_terms,
    callback_answer,
    find_button,
    press_button,
    running_bot,
    settle,
    state,
)

from ludice import db, house, leaderboard, ledger, reports
from ludice import settings as game_settings

HOUSE = ledger.HOUSE


async def _house_duel(bot, user_id: int, text: str, *dice: int) -> None:
    bot.fake.script_dice(*dice)
    bot.fake.send_text(user_id, text)
    await bot.fake.wait_for(lambda: bot.sql(
        "SELECT 1 FROM lobbies WHERE status NOT IN ('open', 'rolling')"
        " AND id = (SELECT max(id) FROM lobbies)"))
    await settle(bot)


async def test_a_house_duel_won_pays_from_the_house(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, house_fee_percent=10) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await _house_duel(bot, 1, "/house 30", 5, 2)
        win = [t for t in fake.texts(1) if "You win" in t][-1]
        assert "Alice 5 vs 🏠 2" in win and "<b>54</b>" in win and "house fee 6" in win
        started = [t for t in fake.texts(1) if "Duel #1" in t]
        assert started and "Alice vs 🏠" in started[0] and "Pot: 60" in started[0]
        assert bot.balance(1) == 124 and bot.balance(HOUSE) == -24
        # both dice rolled in the player's chat, nothing forwarded, nothing sent to the house
        assert len(fake.sent(1, "sendDice")) == 2
        assert not fake.sent(method="forwardMessage") and not fake.sent(HOUSE)
        assert not fake.sent(method="forwardMessages")
        assert bot.sql("SELECT user_id, seat, stake, payout, won FROM lobby_players") == [
            (1, 1, 30, 54, 1), (HOUSE, 2, 30, 0, 0)]
        assert bot.sql("SELECT status, fee FROM lobbies") == [("settled", 6)]
        seen = len(fake.texts(1))
        fake.send_text(1, "/game 1")  # its record, like any duel's
        await fake.wait_for(lambda: len(fake.texts(1)) > seen)
        record = fake.texts(1)[seen]
        assert "🏠" in record and "Alice" in record and "54" in record, record
        assert bot.audit() == []


async def test_a_house_duel_lost_pays_the_house(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await _house_duel(bot, 1, "/house 30 🎯", 2, 6)
        loss = [t for t in fake.texts(1) if "wins the pot" in t][-1]
        assert "🎯 Alice 2 vs 🏠 6" in loss and "You lose 30" in loss
        assert bot.balance(1) == 70 and bot.balance(HOUSE) == 30
        assert bot.sql("SELECT game FROM lobbies") == [("darts",)]
        assert bot.audit() == []


async def test_a_house_duel_still_tied_gives_the_stake_back_without_a_fee(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, tie_rounds=1,
                           house_fee_percent=10) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await _house_duel(bot, 1, "/house 40", 3, 3, 4, 4)
        assert any("Tie" in t and "round 2" in t for t in fake.texts(1))
        split = [t for t in fake.texts(1) if "Still tied" in t][-1]
        assert "you get 40" in split
        assert bot.balance(1) == 100 and bot.balance(HOUSE) == 0
        assert bot.sql("SELECT fee FROM lobbies") == [(0,)]
        assert bot.sql("SELECT user_id, payout, won FROM lobby_players ORDER BY seat") == [
            (1, 40, None), (HOUSE, 40, None)]
        assert bot.audit() == []


async def test_the_daily_loss_cap_makes_the_house_decline(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, welcome_bonus=200,
                           house_daily_loss_cap=50) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await _house_duel(bot, 1, "/house 30", 6, 1)  # the house is 30 down
        before = state(bot)
        fake.send_text(1, "/house 30")
        refused = await fake.wait_text(1, "lost enough for today")
        assert "up to 20 credits" in refused
        await settle(bot)
        assert state(bot) == before
        await _house_duel(bot, 1, "/house 20", 6, 1)  # 50 down: the cap exactly
        before = state(bot)
        fake.send_text(1, "/house 10")
        await fake.wait_text(1, "politely declines")
        await settle(bot)
        assert state(bot) == before
        # a day after those duels began, the house plays again
        clock.advance(house.DAY)
        await _house_duel(bot, 1, "/house 30", 1, 6)
        assert bot.sql("SELECT status FROM lobbies") == [("settled",)] * 3
        assert bot.balance(1) == 220 and bot.balance(HOUSE) == -20
        assert bot.audit() == []


async def test_an_expired_lobby_offers_the_house_instead(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, welcome_bonus=100,
                           lobby_ttl_seconds=60) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/darts 30")
        await fake.wait_text(1, "Waiting for an opponent")
        clock.advance(61)
        assert await bot.app.jobs.sweep() == 1
        await fake.wait_text(1, "Nobody joined lobby #1")
        assert find_button(fake, 1, "hb:darts:30") is not None
        fake.script_dice(6, 2)
        answer = await callback_answer(fake, await press_button(fake, 1, "hb:darts:30"))
        assert not answer.params.get("text")
        await fake.wait_text(1, "You win")
        await settle(bot)
        assert bot.sql("SELECT id, game, bet, status FROM lobbies") == [
            (1, "darts", 30, "expired"), (2, "darts", 30, "settled")]
        assert bot.balance(1) == 130 and bot.balance(HOUSE) == -30
        assert bot.audit() == []


async def test_no_house_offer_when_house_play_is_off(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, lobby_ttl_seconds=60,
                           house_play="off") as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        clock.advance(61)
        await bot.app.jobs.sweep()
        await fake.wait_text(1, "Nobody joined lobby #1")
        await settle(bot)
        assert find_button(fake, 1, "hb:") is None
        fake.send_text(1, "/play")  # no way to the house on the game menu either
        await fake.wait_text(1, "Choose a game")
        await settle(bot)
        assert find_button(fake, 1, "hm") is None and find_button(fake, 1, "game:dice")
        fake.send_text(1, "/help")
        assert "/house" not in await fake.wait_text(1, "How ludice works")
        # a stale or forged offer is refused with a reason, nothing changes
        before = state(bot)
        answer = await callback_answer(fake, fake.press(1, "hb:dice:30", message_id=999))
        assert "not taking duels" in answer.params["text"]
        await settle(bot)
        assert state(bot) == before


async def test_the_game_menu_leads_to_a_house_duel(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, house_max_bet=50) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/help")
        assert "/house 50" in await fake.wait_text(1, "How ludice works")
        fake.send_text(1, "/play")
        await press_button(fake, 1, "hm")
        await press_button(fake, 1, "hg:dice")
        prompt = await fake.wait_text(1, "Dice against the house")
        assert "(10–50)" in prompt
        assert find_button(fake, 1, "hb:dice:50") and not find_button(fake, 1, "hb:dice:100")
        fake.script_dice(1, 2)
        fake.send_text(1, "25")  # a typed bet
        await fake.wait_text(1, "wins the pot")
        await settle(bot)
        assert bot.balance(1) == 75 and bot.balance(HOUSE) == 25
        assert bot.audit() == []


async def test_bad_house_input_is_refused_and_changes_nothing(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, max_bet=200, house_max_bet=60) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        cases = [
            (1, "/house 61", "The largest bet is 60 credits"),
            (1, "/house 0", "The house only plays for credits"),
            (1, "/house 5", "The smallest bet is 10 credits"),
            (1, "/house abc", "A bet is a whole number"),
            (1, "/house 50 ⚽", "That game is not available here"),
            (1, "/house 50 60 70", "Duel the house with a bet"),
        ]
        for user_id, text, reply in cases:
            before = state(bot)
            seen = len(fake.texts(user_id))
            fake.send_text(user_id, text)
            await fake.wait_for(lambda u=user_id, s=seen: len(fake.texts(u)) > s)
            await settle(bot)
            assert reply in fake.texts(user_id)[-1], (text, fake.texts(user_id)[-1])
            assert state(bot) == before, text
        fake.send_text(2, "/dice 30")  # Bob waits in a lobby: no house duel meanwhile
        await fake.wait_text(2, "Waiting for an opponent")
        before = state(bot)
        fake.send_text(2, "/house 30")
        await fake.wait_text(2, "You are already in lobby #1")
        with sqlite3.connect(bot.db_path) as conn:
            conn.execute("UPDATE users SET banned_at = 1, ban_reason = 'spam' WHERE id = 1")
        fake.send_text(1, "/house 30")
        await fake.wait_text(1, "Your account is suspended: spam")
        await settle(bot)
        assert state(bot) == before
        conn = db.open_db(bot.db_path)
        try:
            with db.transaction(conn):
                game_settings.set_value(conn, "house_play", "off", 0)
        finally:
            conn.close()
        fake.send_text(2, "/house")
        await fake.wait_text(2, "not taking duels")
        await settle(bot)
        assert state(bot) == before


async def test_stats_and_profile_show_house_duels_apart(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, house_fee_percent=10) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await _house_duel(bot, 1, "/house 50", 6, 1)   # Alice +40 net, house -40
        await _house_duel(bot, 1, "/house 20", 1, 6)   # Alice -20, house +20
        fake.send_text(1, "/profile")
        profile = await fake.wait_text(1, "Win rate")
        assert "Balance: <b>120</b>" in profile
        assert "Games: 0 ·" in profile
        assert "🏠 Against the house: 2 games · wins 1 · losses 1 · net +20" in profile
        await settle(bot)
        conn = db.open_db(bot.db_path)
        try:
            figures = reports.stats(conn)
        finally:
            conn.close()
        assert figures["users"] == 1  # the house's seat is nobody
        assert (figures["house_duels"], figures["house_duels_won"],
                figures["house_duels_lost"], figures["house_duels_net"]) == (2, 1, 1, -20)
        assert figures["house_balance"] == -20
        conn = db.open_db(bot.db_path)
        try:  # a house duel is nobody's group game
            assert leaderboard.player_ranks(conn, 1) == []
        finally:
            conn.close()
