"""End to end: what a player reads about themselves and the game, in their language, and
what they hear when something breaks."""

from __future__ import annotations

import re

from botharness import accept_terms, callback_answer, press_button, running_bot, settle, state


async def _duel(bot, winner_first: bool = True, bet: int = 30) -> None:
    fake = bot.fake
    fake.script_dice(*((6, 1) if winner_first else (1, 6)))
    settled = len(bot.sql("SELECT 1 FROM lobbies WHERE status = 'settled'"))
    fake.send_text(1, f"/dice {bet}")
    await fake.wait_for(lambda: bot.sql("SELECT 1 FROM lobbies WHERE status = 'open'"))
    fake.send_text(2, f"/dice {bet}")
    await fake.wait_for(
        lambda: len(bot.sql("SELECT 1 FROM lobbies WHERE status = 'settled'")) > settled)
    await settle(bot)


async def test_profile_counts_games_wins_losses_rate_and_net(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.send_text(1, "/profile")
        empty = await fake.wait_text(1, "Win rate")
        assert "Balance: <b>100</b>" in empty and "Games: 0 · wins 0 · losses 0" in empty
        assert "Win rate: 0% · net result: +0" in empty

        await _duel(bot, winner_first=True)
        await _duel(bot, winner_first=True)
        await _duel(bot, winner_first=False)
        assert bot.balance(1) == 130 and bot.balance(2) == 70
        fake.send_text(1, "👤 Profile")
        fake.send_text(2, "/profile")
        await settle(bot)
        alice, bob = fake.texts(1)[-1], fake.texts(2)[-1]
        assert "<b>Alice</b>" in alice and "Balance: <b>130</b>" in alice
        assert "Games: 3 · wins 2 · losses 1 · draws 0" in alice
        assert "Win rate: 67% · net result: +30" in alice
        assert "Games: 3 · wins 1 · losses 2 · draws 0" in bob
        assert "Win rate: 33% · net result: -30" in bob


async def test_a_split_pot_counts_as_a_draw(tmp_path):
    async with running_bot(tmp_path, tie_rounds=0) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(4, 4)
        fake.send_text(1, "/dice 20")
        await fake.wait_text(1, "Lobby #")
        fake.send_text(2, "/dice 20")
        await fake.wait_text(1, "split")
        fake.send_text(1, "/profile")
        text = await fake.wait_text(1, "Win rate")
        assert "Games: 1 · wins 0 · losses 0 · draws 1" in text and "net result: +0" in text


async def test_history_in_plain_words(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, lobby_ttl_seconds=600) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/history")
        await fake.wait_text(1, "Your latest credit movements")
        await accept_terms(fake, 2, "Bob")
        await _duel(bot, winner_first=True)
        fake.send_text(1, "/dice 40")
        await fake.wait_text(1, "Lobby #2")
        fake.send_text(1, "/leave")
        await fake.wait_text(1, "You left lobby #2")
        fake.send_text(1, "/history")
        await settle(bot)
        lines = fake.texts(1)[-1].split("\n")
        assert lines[0] == "<b>Your latest credit movements</b>"
        entries = [re.sub(r"^\d\d\.\d\d \d\d:\d\d  ", "", line) for line in lines[1:]]
        assert entries == [
            "+40  Refund, lobby #2",
            "−40  Stake, lobby #2",
            "+60  Winnings, duel #1",
            "−30  Stake, lobby #1",
            "+100  Welcome bonus",
        ]


async def test_history_when_nothing_moved(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=0) as bot:
        await accept_terms(bot.fake, 1, "Alice")
        bot.fake.send_text(1, "/history")
        await bot.fake.wait_text(1, "No credit movements yet.")


async def test_help_shows_the_current_limits_fee_and_rules(tmp_path):
    async with running_bot(tmp_path, min_bet=20, max_bet=500, house_fee_percent=5,
                           tie_rounds=2, lobby_ttl_seconds=600) as bot:
        fake = bot.fake
        fake.send_text(1, "/help")  # open before the terms, too
        text = await fake.wait_text(1, "How ludice works")
        assert "Bets: 20–500 credits" in text
        assert "minus a 5% house fee" in text
        assert "re-rolled up to 2 times" in text and "up to 10 min" in text
        assert "goes to the house" in text  # the remainder rule, stated
        for command in ("/play", "/dice", "/leave", "/profile", "/history", "/topup",
                        "/privacy"):
            assert command in text
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "❓ Help")
        await fake.wait_for(lambda: sum("How ludice works" in t for t in fake.texts(1)) == 2)


async def test_help_without_a_fee_says_no_fee(tmp_path):
    async with running_bot(tmp_path, house_fee_percent=0) as bot:
        bot.fake.send_text(1, "/help")
        text = await bot.fake.wait_text(1, "How ludice works")
        assert "fee" not in text and "Bets: 10–10000 credits" in text


async def test_privacy(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.fake.send_text(1, "/privacy")
        text = await bot.fake.wait_text(1, "What ludice stores")
        for word in ("Telegram id", "balance", "dice values"):
            assert word in text
        assert bot.sql("SELECT count(*) FROM users") == [(0,)]


async def test_a_russian_player_reads_russian(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        fake.user(1, first_name="Иван", language_code="ru")
        fake.send_text(1, "/start")
        terms = await fake.wait_text(1, "Добро пожаловать в ludice")
        assert "18 лет" in terms
        await press_button(fake, 1, "terms")
        await fake.wait_text(1, "Готово! Приветственный бонус: <b>+100</b>")
        fake.send_text(1, "/dice abc")
        await fake.wait_text(1, "Ставка — целое число кредитов")
        fake.send_text(1, "/dice 500")
        await fake.wait_text(1, "У вас 100 кредитов, на эту ставку не хватает")
        await accept_terms(fake, 2, "Bob", lang="en")
        await _duel(bot, winner_first=True)
        assert any("Вы выиграли <b>60</b>" in t for t in fake.texts(1))
        assert any("Иван wins the pot of 60" in t for t in fake.texts(2))  # Bob: English
        fake.send_text(1, "/profile")
        await fake.wait_text(1, "Доля побед: 100% · итог: +30")
        assert not [t for t in fake.texts(1) if "credits" in t or "Balance" in t]


async def test_an_expiry_notice_in_russian(tmp_path):
    async with running_bot(tmp_path, lobby_ttl_seconds=1) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Иван", lang="ru")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Ждём соперника")
        await fake.wait_text(1, "Никто не присоединился к лобби #1", timeout=4)


async def test_a_failing_call_in_a_handler_gets_an_apology_and_changes_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/play")
        await fake.wait_text(1, "Choose a game")
        await settle(bot)
        before = state(bot)
        # Telegram refuses the answer to the button: the handler fails before it did anything
        fake.fail_next("answerCallbackQuery", error_code=400,
                       description="Bad Request: query is too old and response timeout expired"
                                   " or query ID is invalid")
        await press_button(fake, 1, "game:dice")
        await fake.wait_text(1, "Sorry, something went wrong on our side")
        await settle(bot)
        assert state(bot) == before
        assert not any("type an amount" in t for t in fake.texts(1))
        # and the bot is fine afterwards
        update = await press_button(fake, 1, "game:dice")
        await fake.wait_text(1, "type an amount")
        await callback_answer(fake, update)


async def test_a_refused_reply_after_the_stake_leaves_a_whole_lobby_not_half_of_one(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.fail_next("sendMessage", error_code=400,
                       description="Bad Request: can't parse entities")
        fake.send_text(1, "/dice 30")
        apology = await fake.wait_text(1, "Sorry, something went wrong")
        assert "Sorry" in apology
        await settle(bot)
        # the unit of work committed whole: stake in escrow, lobby open, expiry scheduled
        assert bot.balance(1) == 70 and bot.balance(-2) == 30
        assert bot.sql("SELECT status FROM lobbies") == [("open",)]
        assert bot.app.jobs.expiry_at[1] == 1 and bot.app.jobs.scheduler.get_job("expiry")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "already in lobby #1")
        fake.send_text(1, "/leave")
        await fake.wait_text(1, "You left lobby #1")
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
