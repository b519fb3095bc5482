"""End to end: /limits through the fake Bot API. Stake and loss limits refuse the bet that
would pass them, a raise waits a day, a time-out refuses private and group play and direct
challenges, a self-exclusion refuses a top-up at pre-checkout, the reality check comes after
N minutes of play, and no button, forged or not, lifts a time-out. Every test ends with a
clean ledger audit (running_bot checks it)."""

from __future__ import annotations

from botharness import (
    GROUP,
    FakeClock,
    accept_terms,
    callback_answer,
    card_of,
    group_say,
    open_group,
    press_button,
    running_bot,
    settle,
    state,
)

DAY = 86_400


async def _duel(bot, bet: int, alice_die: int, bob_die: int) -> None:
    """Alice (1) and Bob (2) play one private duel to the end."""
    fake = bot.fake
    fake.script_dice(alice_die, bob_die)
    fake.send_text(1, f"/dice {bet}")
    await fake.wait_text(1, "Waiting for an opponent")
    seen = len(fake.texts(1))
    fake.send_text(2, f"/dice {bet}")
    await fake.wait_for(lambda: any("Balance: <b>" in t for t in fake.texts(1)[seen:]))
    await settle(bot)


async def _players(bot) -> None:
    await accept_terms(bot.fake, 1, "Alice")
    await accept_terms(bot.fake, 2, "Bob")


async def _refused(bot, user_id: int, text: str, expect: str, **kwargs) -> str:
    """Send `text`; the bot's answer must contain `expect` and nothing may have changed."""
    before = state(bot)
    seen = len(bot.fake.texts(kwargs.get("chat_id", user_id)))
    bot.fake.send_text(user_id, text, **kwargs)
    chat = kwargs.get("chat_id", user_id)
    answer = await bot.fake.wait_for(
        lambda: next((t for t in bot.fake.texts(chat)[seen:] if expect in t), None))
    await settle(bot)
    assert state(bot) == before
    return answer


async def test_a_stake_limit_refuses_the_bet_that_passes_it(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=200) as bot:
        await _players(bot)
        bot.fake.send_text(1, "/limits stake day 50")
        assert "in force now" in await bot.fake.wait_text(1, "Stakes per day: 50")
        await _duel(bot, 30, 5, 2)
        answer = await _refused(bot, 1, "/dice 30", "daily stake limit of 50")
        assert "20 left" in answer and "frees up at" in answer
        # in a group too; the group hears no figures, Alice gets them privately
        await open_group(bot)
        seen = len(bot.fake.texts(1))
        in_group = await _refused(bot, 1, "/duel 30", "can't make that bet", chat_id=GROUP,
                                  chat_type="supergroup")
        assert "50" not in in_group
        assert [t for t in bot.fake.texts(1)[seen:] if "20 left" in t]
        bot.fake.send_text(1, "/dice 20")  # what is left still fits
        await bot.fake.wait_text(1, "Lobby #2")


async def test_a_loss_limit_after_two_lost_duels(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=200) as bot:
        await _players(bot)
        bot.fake.send_text(1, "/limits loss day 60")
        await bot.fake.wait_text(1, "Losses per day: 60")
        await _duel(bot, 30, 1, 6)
        await _duel(bot, 30, 2, 6)
        assert bot.balance(1) == 140
        answer = await _refused(bot, 1, "/dice 10", "daily loss limit of 60")
        assert "0 left" in answer
        # Bob, who won, has no limit and plays on
        bot.fake.send_text(2, "/dice 10")
        await bot.fake.wait_text(2, "Lobby #3")


async def test_a_raise_applies_only_the_next_day(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, welcome_bonus=200) as bot:
        await _players(bot)
        bot.fake.send_text(1, "/limits stake day 30")
        await bot.fake.wait_text(1, "Stakes per day: 30, in force now")
        bot.fake.send_text(1, "/limits stake day 100")
        later = await bot.fake.wait_text(1, "Stakes per day: 100 from")
        assert "until then 30 applies" in later
        await _refused(bot, 1, "/dice 50", "daily stake limit is 30")
        bot.fake.send_text(1, "/limits")
        overview = await bot.fake.wait_text(1, "Your limits")
        assert "Stakes per day: 0 of 30 used → 100 from" in overview
        clock.advance(DAY - 1)
        await _refused(bot, 1, "/dice 50", "daily stake limit is 30")
        clock.advance(1)
        bot.fake.send_text(1, "/dice 50")
        await bot.fake.wait_text(1, "Waiting for an opponent")
        assert bot.balance(1) == 150


async def _take_timeout(bot, user_id: int) -> None:
    fake = bot.fake
    fake.send_text(user_id, "/limits")
    await fake.wait_text(user_id, "Your limits")
    await press_button(fake, user_id, "lm:timeout")
    await press_button(fake, user_id, "lt:1:0")
    await fake.wait_text(user_id, "Take a time-out of 24 hours")
    await press_button(fake, user_id, "lt:1:1")
    await fake.wait_text(user_id, "Time-out until")


async def test_a_time_out_refuses_private_and_group_play_and_direct_challenges(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=200) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(bot)
        await accept_terms(fake, 3, "Carol")
        group_say(fake, 2, "/duel 30")  # Bob's open challenge, before Alice's time-out
        card_id = await fake.wait_for(lambda: card_of(fake, 1))
        fake.send_text(1, "/dice 30")  # Alice waits for an opponent in private
        await fake.wait_text(1, "Lobby #2")
        await _take_timeout(bot, 1)
        # the lobby she waited in alone is withdrawn: no game starts during the time-out
        await fake.wait_text(1, "Your waiting lobby #2 was withdrawn: 30 credits are back.")
        assert bot.sql("SELECT status FROM lobbies WHERE id = 2") == [("cancelled",)]
        assert bot.balance(1) == 200
        await _refused(bot, 1, "/dice 30", "time-out until")
        in_group = await _refused(bot, 1, "/duel 30", "can't make that bet", chat_id=GROUP,
                                  chat_type="supergroup")
        assert "time-out" not in in_group  # the group does not learn about it; Alice does:
        assert "time-out until" in fake.texts(1)[-1]
        before = state(bot)
        answer = await callback_answer(fake, fake.press(1, "gj:1", message_id=card_id[0],
                                                        chat_id=GROUP))
        assert "time-out until" in answer.params["text"]
        assert state(bot) == before
        alices = group_say(fake, 1, "just chatting")["message"]["message_id"]
        named = await _refused(bot, 3, "/duel 30", "is not taking challenges",
                               chat_id=GROUP, chat_type="supergroup", reply_to=alices)
        assert named.startswith("Alice is not taking challenges")
        assert "time-out" not in named  # the challenger does not learn why
        # Carol can still challenge the group, and Bob's challenge goes on without Alice
        group_say(fake, 3, "/duel 30")
        await fake.wait_for(lambda: card_of(fake, 3))


async def test_a_top_up_is_refused_at_pre_checkout_during_self_exclusion(tmp_path):
    async with running_bot(tmp_path, stars_enabled="on", star_packs="15,50",
                           welcome_bonus=0) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/topup")
        await press_button(fake, 1, "pack:15")
        invoice = (await fake.wait_for(lambda: fake.sent(1, "sendInvoice")))[-1].params
        fake.send_text(1, "/limits")
        await fake.wait_text(1, "Your limits")
        await press_button(fake, 1, "lm:exclusion")
        await press_button(fake, 1, "lx:183:0")
        await fake.wait_text(1, "Exclude yourself for 6 months")
        await press_button(fake, 1, "lx:183:1")
        await fake.wait_text(1, "Last confirmation")
        await press_button(fake, 1, "lx:183:2")
        await fake.wait_text(1, "You are excluded from play until")
        # the invoice sent before is paid now: Telegram asks first, and the bot says no
        fake.pre_checkout(1, invoice["payload"], 15)
        answer = await fake.wait_for(lambda: fake.sent(method="answerPreCheckoutQuery"))
        assert answer[-1].params["ok"] is False
        assert "No top-ups while you are self-excluded" in answer[-1].params["error_message"]
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM payments") == [(0,)]
        # and no new invoice either
        fake.send_text(1, "/topup")
        update = await press_button(fake, 1, "pack:15")
        refusal = await callback_answer(fake, update)
        assert "No top-ups" in refusal.params["text"]
        assert len(fake.sent(1, "sendInvoice")) == 1
        await _refused(bot, 1, "/dice 10", "self-excluded until")


async def test_the_reality_check_after_n_minutes(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, welcome_bonus=200) as bot:
        fake = bot.fake
        await _players(bot)
        fake.send_text(1, "/limits")
        await fake.wait_text(1, "Reality check: off")
        await press_button(fake, 1, "lm:reminder")
        await press_button(fake, 1, "lr:30")
        await fake.wait_text(1, "Reality check: every 30 min of play")
        await _duel(bot, 30, 1, 6)
        clock.advance(29 * 60)
        await bot.app.jobs.sweep()
        await settle(bot)
        assert not any("Reality check</b>" in t for t in fake.texts(1))
        clock.advance(60)
        await bot.app.jobs.sweep()
        check = await fake.wait_text(1, "Reality check</b>")
        assert "played for 30 min" in check and "-30" in check
        assert not any("Reality check" in t for t in fake.texts(2))  # Bob asked for none
        keep = await callback_answer(fake, await press_button(fake, 1, "rc:keep"))
        assert keep.params["text"] == "Enjoy your game."
        # the session goes on: one more duel, the next check 30 minutes after the first
        await _duel(bot, 30, 6, 1)
        clock.advance(30 * 60)
        await bot.app.jobs.sweep()
        second = await fake.wait_text(1, "played for 60 min")
        assert "+0" in second
        await press_button(fake, 1, "rc:break")
        taken = await fake.wait_text(1, "Session over")
        assert taken.startswith("This session: 60 min, net result in credits: +0.")
        await press_button(fake, 1, "lm:timeout")  # a longer break is one tap away
        await fake.wait_text(1, "A time-out stops all play")
        clock.advance(30 * 60)
        await bot.app.jobs.sweep()
        await settle(bot)
        assert sum("Reality check</b>" in t for t in fake.texts(1)) == 2


async def test_forged_lift_buttons_change_nothing(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=200) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(bot)
        await _take_timeout(bot, 1)
        pauses = bot.sql("SELECT * FROM exclusions")
        for data in ("lm:lift", "lt:0:1", "lt:2:1", "lr:5", "lw:stake_year", "lx:30:2",
                     "lx:183:2", "lx:183:1", "lx:183:9", "rc:lift", "unexclude", "lift:1"):
            answer = await callback_answer(fake, fake.press(1, data, message_id=1))
            assert answer.params.get("show_alert"), (data, answer.params)
        # a group admin has no way either
        group_say(fake, 100, "/ludice unexclude Alice")
        await settle(bot)
        assert bot.sql("SELECT * FROM exclusions") == pauses
        assert bot.sql("SELECT count(*) FROM exclusions WHERE lifted_at IS NOT NULL") == [(0,)]
        await _refused(bot, 1, "/dice 30", "time-out until")


async def test_a_time_out_refuses_a_rematch(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=200) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(bot)
        fake.script_dice(5, 2)
        group_say(fake, 1, "/duel 30")
        card_id = (await fake.wait_for(lambda: card_of(fake, 1)))[0]
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_text(GROUP, "<b>Alice</b> wins")
        await settle(bot)
        await _take_timeout(bot, 1)
        result_id = max(k[1] for k in fake.messages if k[0] == GROUP)
        before = state(bot)
        answer = await callback_answer(fake, fake.press(1, "gr:1", message_id=result_id,
                                                        chat_id=GROUP))
        assert "time-out until" in answer.params["text"]
        await settle(bot)
        assert state(bot) == before


async def test_bad_limits_are_explained_and_change_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        for text in ("/limits stake year 50", "/limits stake day -5", "/limits loss day 1.5",
                     "/limits stake", "/limits stake day 50 now", f"/limits loss day {10**13}"):
            seen = len(fake.texts(1))
            fake.send_text(1, text)
            await fake.wait_for(lambda seen=seen: len(fake.texts(1)) > seen)
            assert fake.texts(1)[-1].startswith("Set a limit with the buttons"), text
        fake.send_text(1, "/limits")
        await press_button(fake, 1, "lm:loss")
        await press_button(fake, 1, "lw:loss_week")
        await fake.wait_text(1, "Losses per week</b> now: no limit")
        fake.send_text(1, "lots")
        await fake.wait_text(1, "A limit is a whole number of credits")
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM player_limits") == [(0,)]
        fake.send_text(1, "250")  # still asked: the next good answer sets it
        await fake.wait_text(1, "Losses per week: 250, in force now")


async def test_new_players_start_with_the_default_daily_loss_limit(tmp_path):
    async with running_bot(tmp_path, default_daily_loss_limit=100) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/limits")
        assert "Losses per day: 0 of 100 used" in await fake.wait_text(1, "Your limits")
        fake.send_text(1, "/limits loss day 40")  # lower: at once
        await fake.wait_text(1, "Losses per day: 40, in force now")
        fake.send_text(1, "/limits loss day off")  # none: in 24 hours
        await fake.wait_text(1, "Losses per day: no limit from")
        await settle(bot)
        assert bot.sql("SELECT actor, value FROM limit_log ORDER BY id") == [
            ("default", 100), ("player", 40), ("player", None)]


async def test_house_duels_count_and_friendly_duels_pass_limits_not_a_time_out(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=200) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/limits loss day 30")
        await fake.wait_text(1, "Losses per day: 30, in force now")
        fake.script_dice(1, 6)  # Alice loses to the house
        fake.send_text(1, "/house 30")
        await fake.wait_for(lambda: bot.sql("SELECT status FROM lobbies") == [("settled",)])
        await settle(bot)
        assert bot.balance(1) == 170
        await _refused(bot, 1, "/house 10", "daily loss limit of 30")
        await _refused(bot, 1, "/dice 10", "daily loss limit of 30")
        fake.send_text(1, "/dice 0")  # for fun: no credits at stake, the limit lets it be
        await fake.wait_text(1, "Friendly lobby #2")
        await _take_timeout(bot, 1)
        await fake.wait_text(1, "Your waiting friendly lobby #2 was withdrawn.")
        await _refused(bot, 1, "/dice 0", "time-out until")
        await _refused(bot, 1, "/house 30", "time-out until")
