"""End to end: the edges of group play (expiry, starting early, throttling, restarts) and
the rough edges fixed on the way: names and languages follow Telegram, a failing button is
answered, and a send that may have landed is not sent twice."""

from __future__ import annotations

from botharness import (
    GROUP,
    ApiError,
    FakeClock,
    FakeTelegram,
    accept_terms,
    buttons,
    callback_answer,
    card_of,
    group_say,
    open_group,
    prepare_db,
    press_button,
    running_bot,
    settle,
    start_bot,
)


async def _card(bot, user_id: int = 1, text: str = "/duel 30", lobby_id: int = 1) -> int:
    group_say(bot.fake, user_id, text)
    await bot.fake.wait_for(lambda: card_of(bot.fake, lobby_id))
    return card_of(bot.fake, lobby_id)[0]


async def test_an_unfilled_challenge_expires_and_its_card_says_so(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, lobby_ttl_seconds=120) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        card_id = await _card(bot)
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_for(lambda: "(2/3)" in card_of(fake, 1)[1]["text"])
        clock.advance(121)
        assert await bot.app.jobs.sweep() == 1
        for user_id in (1, 2):
            told = await fake.wait_text(user_id, "expired before it filled")
            assert "30 credits are back" in told and "Dice Club" in told
        await fake.wait_for(lambda: "Expired before it filled" in card_of(fake, 1)[1]["text"])
        await settle(bot)
        assert buttons(card_of(fake, 1)[1]) == []
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0


async def test_the_creator_starts_early_and_group_help(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="5")
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        group_say(fake, 2, "/help")
        help_text = await fake.wait_text(GROUP, "ludice in this group")
        assert "/duel BET" in help_text and "up to 5 players" in help_text
        card_id = await _card(bot)
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_for(lambda: "gs:1" in buttons(card_of(fake, 1)[1]))
        fake.script_dice(4, 2)
        answer = await callback_answer(fake, fake.press(1, "gs:1", message_id=card_id,
                                                        chat_id=GROUP))
        assert answer.params["text"] == "Started!"
        assert "<b>Alice</b> wins <b>60</b>" in await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert bot.sql("SELECT seats, status FROM lobbies") == [(5, "settled")]


async def test_a_flood_in_a_group_is_throttled_silently(tmp_path):
    async with running_bot(tmp_path, throttle_seconds=30) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        await _card(bot)
        group_say(fake, 1, "/duel 40")
        group_say(fake, 1, "/top")
        group_say(fake, 1, "/top")
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM lobbies") == [(1,)]
        assert sum("Leaderboard: Dice Club" in t for t in fake.texts(GROUP)) == 1
        assert not any("Easy there" in t for t in fake.texts(GROUP))
        answer = await callback_answer(fake, fake.press(1, "gc:1", message_id=card_of(
            fake, 1)[0], chat_id=GROUP))
        assert answer.params["text"].startswith("Easy there")  # a button hears it privately


async def test_names_and_languages_follow_telegram_on_game_actions(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        fake.user(1, first_name="Alicia", username="ali", language_code="ru")
        await _card(bot)
        assert bot.sql("SELECT first_name, username, language_code FROM users WHERE id = 1"
                       ) == [("Alicia", "ali", "ru")]
        assert "Alicia is looking for opponents" in card_of(fake, 1)[1]["text"]
        fake.user(1, first_name="Al", language_code="en")
        fake.send_text(1, "/leave")
        await fake.wait_text(1, "You left lobby #1")
        assert bot.sql("SELECT first_name, language_code FROM users WHERE id = 1") == [
            ("Al", "en")]
        fake.user(1, first_name="A.", language_code="en")
        fake.send_text(1, "/dice 20")
        await fake.wait_text(1, "Waiting for an opponent")
        assert bot.sql("SELECT first_name FROM users WHERE id = 1") == [("A.",)]


async def test_a_failing_button_handler_stops_the_spinner_with_an_apology(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        await _card(bot)
        fake.send_text(2, "/start g1")
        await fake.wait_text(2, "Join it?")
        fake.fail_next("getChatMember", error_code=400, description="Bad Request: chat not found")
        update = await press_button(fake, 2, "gp:1")
        answer = await callback_answer(fake, update)
        assert answer.params["text"].startswith("Sorry, something went wrong")
        assert answer.params["show_alert"] is True
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM lobby_players") == [(1,)]


async def test_a_send_is_not_retried_after_a_server_error_but_an_edit_is(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.fail_next("sendMessage", error_code=500)
        fake.send_text(1, "/help")  # the answer may have landed: it is not sent again
        await fake.wait_text(1, "Sorry, something went wrong")
        await settle(bot)
        assert sum("How ludice works" in t for t in fake.texts(1)) == 0
        card_id = await _card(bot)
        fake.fail_next("editMessageText", error_code=502, description="Bad Gateway")
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_for(lambda: "(2/3)" in card_of(fake, 1)[1]["text"])
        edits = [c for c in fake.calls if c.method == "editMessageText"]
        assert [c.answered_error for c in edits] == [True, False]


async def test_a_throw_round_keeps_its_window_across_a_restart(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await open_group(first, throw="on", turn="40")
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        await _card(first)
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await fake.wait_text(GROUP, "throw your 🎲 now")
        ends = clock.now + 40
        fake.send_dice(1, "🎲", 5, chat_id=GROUP, chat_type="supergroup")
        await fake.wait_for(lambda: first.sql("SELECT 1 FROM rolls"))
        await first.stop()
        second = await start_bot(fake, db_path, clock)
        try:
            job = second.app.jobs.scheduler.get_job("turn-1")
            assert job is not None and job.next_run_time.timestamp() == ends
            assert not second.app.duels.tasks  # no runner rolls for the players
            clock.advance(41)
            await second.app.jobs.sweep()
            assert "No throw: Bob" in await fake.wait_text(GROUP, "wins")
            await settle(second)
            assert second.balance(1) == 130 and second.audit() == []
        finally:
            await second.stop()


async def _alice_threw(fake, db_path, clock, value: int):
    """A running bot with a throw-your-own duel (30 s turns) between Alice and Bob in which
    only Alice has thrown `value`."""
    running = await start_bot(fake, db_path, clock)
    await open_group(running, throw="on", turn="30")
    for user_id, name in ((1, "Alice"), (2, "Bob")):
        await accept_terms(fake, user_id, name)
    await _card(running, text="/duel 20")
    fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
    await fake.wait_text(GROUP, "throw your 🎲 now")
    fake.send_dice(1, "🎲", value, chat_id=GROUP, chat_type="supergroup")
    await fake.wait_for(lambda: running.sql("SELECT 1 FROM rolls"))
    await settle(running)
    return running


async def test_a_die_thrown_in_time_while_the_bot_was_down_counts(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await _alice_threw(fake, db_path, clock, 2)
        await first.stop()
        clock.advance(10)  # Bob throws in time, while the bot is down...
        fake.send_dice(2, "🎲", 6, chat_id=GROUP, chat_type="supergroup")
        clock.advance(60)  # ...which comes back 40 s after the window closed
        second = await start_bot(fake, db_path, clock)
        try:
            # the start-up sweep left the round alone: polling read Bob's die first
            result = await fake.wait_text(GROUP, "wins")
            await settle(second)
            assert "Alice 🎲2 · Bob 🎲6" in result and "<b>Bob</b> wins <b>40</b>" in result
            assert second.sql("SELECT user_id, value FROM rolls ORDER BY user_id") == [
                (1, 2), (2, 6)]
            assert second.balance(2) == 120 and second.balance(1) == 80
        finally:
            await second.stop()
    assert second.audit() == []


async def test_no_round_closes_until_the_dice_from_before_a_restart_are_read(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        ends = clock.now + 30
        first = await _alice_threw(fake, db_path, clock, 4)
        await first.stop()
        clock.advance(45)  # down past the window; Bob threw nothing, or late
        fake.send_dice(2, "🎲", 6, chat_id=GROUP, chat_type="supergroup")
        second = await start_bot(fake, db_path, clock, startup_grace=5)
        try:
            job = second.app.jobs.scheduler.get_job("turn-1")
            assert job.next_run_time.timestamp() == clock.now + 5 > ends
            await fake.wait_text(GROUP, "Bob, too late")  # dated after the window
            await second.app.jobs.sweep()
            await settle(second)
            assert second.sql("SELECT status FROM lobbies") == [("rolling",)]  # not yet
            clock.advance(5)
            await second.app.jobs.sweep()
            assert "No throw: Bob" in await fake.wait_text(GROUP, "wins")
            await settle(second)
            assert second.balance(1) == 120
        finally:
            await second.stop()
    assert second.audit() == []


async def test_a_die_whose_answer_was_lost_calls_the_challenge_off(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        inner = fake.handler("sendDice")

        def posted_but_lost(p: dict) -> dict:
            inner(p)  # Telegram posts Alice's die in the group...
            fake.set_response("sendDice", inner)
            raise ApiError("Bad Gateway", 502)  # ...but its answer never comes back

        fake.set_response("sendDice", posted_but_lost)
        fake.script_dice(6, 1, 3)
        card_id = await _card(bot, text="/duel 20")
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        note = await fake.wait_text(GROUP, "Challenge #1 is off")
        assert "nobody can be sure which die counts" in note and "refunded" in note
        for user_id in (1, 2):
            told = await fake.wait_text(user_id, "Challenge #1 in Dice Club was called off")
            assert "Telegram failed" in told and "20 credits are back" in told
        await bot.app.jobs.sweep()  # the sweep must not roll again
        await settle(bot)
        dice = [m["dice"]["value"] for (chat, _), m in fake.messages.items()
                if chat == GROUP and "dice" in m]
        assert dice == [6]  # the one die the group saw; none rolled over it
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [
            ("cancelled", "telegram_error")]
        assert bot.sql("SELECT count(*) FROM rolls") == [(0,)]
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0


async def test_a_duel_the_bot_cannot_roll_in_the_group_is_refunded(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        card_id = await _card(bot)
        fake.fail_next("sendDice", error_code=403,
                       description="Forbidden: bot is not a member of the supergroup chat")
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        for user_id in (1, 2):
            told = await fake.wait_text(user_id, "the bot can no longer post there")
            assert "30 credits are back" in told
        await settle(bot)
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [
            ("cancelled", "unreachable")]
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0
        assert not bot.app.duels.tasks


async def test_a_group_upgraded_to_a_supergroup_keeps_its_settings(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        old, new = -4242, -1004242
        fake.group(old, "Small Club", kind="group")
        await open_group(bot, old, title="Small Club", seats="3")
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        fake.script_dice(6, 1)
        group_say(fake, 1, "/duel 20", chat_id=old)
        await fake.wait_for(lambda: card_of(fake, 1, old))
        fake.press(2, "gj:1", message_id=card_of(fake, 1, old)[0], chat_id=old)
        await fake.wait_for(lambda: "(2/3)" in card_of(fake, 1, old)[1]["text"])
        fake.press(1, "gs:1", message_id=card_of(fake, 1, old)[0], chat_id=old)
        await fake.wait_text(old, "wins")
        group_say(fake, 2, "/duel 30", chat_id=old)
        await fake.wait_for(lambda: card_of(fake, 2, old))
        await settle(bot)
        fake.migrate(old, new, by=100)
        told = await fake.wait_text(2, "upgraded to a supergroup")
        assert "30 credits are back" in told
        await settle(bot)
        assert bot.sql("SELECT chat_id, present, enabled, seats FROM groups ORDER BY chat_id"
                       ) == [(new, 1, 1, 3), (old, 0, 0, 3)]
        assert bot.balance(2) == 80 and bot.balance(-2) == 0
        group_say(fake, 1, "/duel 25", chat_id=new)
        await fake.wait_for(lambda: card_of(fake, 3, new))
        assert "(1/3)" in card_of(fake, 3, new)[1]["text"]
        group_say(fake, 2, "/top", chat_id=new)
        board = await fake.wait_text(new, "Leaderboard: Small Club")
        assert "🥇 Alice +20" in board  # the history came along
