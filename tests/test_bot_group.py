"""End to end in a group chat: opting in, challenges from card to settlement, direct
challenges, refunds, and the bot leaving. Ledger audit clean after each (running_bot)."""

from __future__ import annotations

import asyncio

from botharness import (
    GROUP,
    Gate,
    accept_terms,
    buttons,
    callback_answer,
    card_of,
    group_say,
    open_group,
    running_bot,
    settle,
    shown,
    state,
)


async def said(fake, user_id: int, text: str, **kwargs) -> str:
    """Say `text` in the group and return the bot's next message there."""
    seen = len(fake.texts(GROUP))
    group_say(fake, user_id, text, **kwargs)
    await fake.wait_for(lambda: len(fake.texts(GROUP)) > seen)
    return fake.texts(GROUP)[seen]


async def _players(fake, *people: tuple[int, str]) -> None:
    for user_id, name in people:
        await accept_terms(fake, user_id, name)


async def test_three_players_from_challenge_to_settlement(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, house_fee_percent=10) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        await _players(fake, (1, "Alice"), (2, "Bob"), (3, "Carol"))
        group_say(fake, 1, "/duel 40 🎯")
        await fake.wait_for(lambda: card_of(fake, 1))
        card_id, card = card_of(fake, 1)
        assert "Darts challenge #1" in card["text"] and "bet <b>40</b>" in shown(card)
        assert "Players (1/3): Alice" in card["text"] and "Seats left: 2" in card["text"]
        assert buttons(card) == ["gj:1", "gc:1"]  # no Start with one player
        assert bot.balance(1) == 60 and bot.balance(-2) == 40

        fake.script_dice(3, 6, 2)
        first = fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        assert (await callback_answer(fake, first)).params["text"] == "You're in! Good luck."
        await fake.wait_for(lambda: "Players (2/3): Alice, Bob" in card_of(fake, 1)[1]["text"])
        assert buttons(card_of(fake, 1)[1]) == ["gj:1", "gc:1", "gs:1"]
        fake.press(3, "gj:1", message_id=card_id, chat_id=GROUP)
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        # the card was edited in place, never re-posted
        assert card_of(fake, 1)[0] == card_id
        assert buttons(card_of(fake, 1)[1]) == []
        assert "Alice 🎯3 · Bob 🎯6 · Carol 🎯2" in result
        assert "<b>Bob</b> wins <b>108</b>" in result and "house fee 12" in result
        assert bot.balance(1) == 60 and bot.balance(2) == 168 and bot.balance(3) == 60
        assert bot.balance(-1) == 12 and bot.balance(-2) == 0
        # the dice were rolled in the group, announced on the card by a label naming the order
        dice = fake.sent(GROUP, "sendDice")
        assert len(dice) == 3 and all(d.params.get("protect_content") for d in dice)
        assert "round 1: rolling for Alice, Bob, Carol" in card_of(fake, 1)[1]["text"]
        assert not any("rolling for" in c.params["text"]  # no label posted on its own
                       for c in fake.sent(GROUP, "sendMessage"))
        # the result is the group's: no private result messages
        assert not any("wins" in t or "You win" in t for t in fake.texts(1) + fake.texts(2))
        result_msg = fake.messages[max(k for k in fake.messages if k[0] == GROUP)]
        assert buttons(result_msg) == ["gr:1"]


async def test_a_two_player_group_duel_posts_four_messages_into_the_group(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, tie_rounds=1) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(fake, (1, "Alice"), (2, "Bob"))
        await settle(bot)
        first = len(fake.calls)
        fake.script_dice(4, 4, 5, 1)  # a tie first: round 2's label comes on the card too
        group_say(fake, 1, "/duel 30")
        await fake.wait_for(lambda: card_of(fake, 1))
        labels = []
        fake.subscribe(lambda event: labels.append(card_of(fake, 1)[1]["text"])
                       if event["type"] == "call" and event["method"] == "sendDice" else None)
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert "Alice 🎲5 · Bob 🎲1" in result
        posts = [c.method for c in fake.calls[first:] if not c.answered_error
                 and c.method.startswith(("send", "forward", "copy"))
                 and int(c.params.get("chat_id", 0)) == GROUP]
        # the card, two dice, the result; then two more dice for the tie-break
        assert posts == ["sendMessage", "sendDice", "sendDice", "sendDice", "sendDice",
                         "sendMessage"]
        assert "round 1: rolling for Alice, Bob" in labels[0]
        assert "Tie (Alice 🎲4 · Bob 🎲4)" in labels[2] and "round 2" in labels[2]


async def test_quiet_until_an_admin_turns_play_on(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.group(GROUP, "Dice Club")
        fake.set_member(GROUP, 100, "creator")
        await _players(fake, (1, "Alice"))
        fake.bot_status(GROUP, "member", by=100)
        intro = await fake.wait_text(GROUP, "I stay quiet")
        assert "/ludice on" in intro
        fake.bot_status(GROUP, "administrator", by=100, old="member")  # promoted: no new intro
        group_say(fake, 1, "/duel 50")
        group_say(fake, 1, "hello everyone")
        group_say(fake, 1, "/help")
        await settle(bot)
        assert fake.texts(GROUP) == [intro]  # not a word while play is off
        assert bot.sql("SELECT count(*) FROM lobbies") == [(0,)]
        before = state(bot)
        group_say(fake, 1, "/ludice on")  # Alice is no admin
        assert "Only group admins" in await fake.wait_text(GROUP, "Only group admins")
        await settle(bot)
        assert state(bot) == before
        assert bot.sql("SELECT enabled, title, present FROM groups") == [(0, "Dice Club", 1)]
        group_say(fake, 100, "/ludice on")
        await fake.wait_text(GROUP, "Play is on")
        assert bot.sql("SELECT enabled, updated_by FROM groups") == [(1, 100)]
        group_say(fake, 1, "/duel 50")
        await fake.wait_for(lambda: card_of(fake, 1))
        group_say(fake, 1, "nice weather")  # chatter is never answered
        await settle(bot)
        assert not any("didn't get that" in t for t in fake.texts(GROUP))


async def test_an_anonymous_admin_can_switch_play(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        fake.group(GROUP, "Dice Club")
        fake.bot_status(GROUP, "member", by=100)
        await fake.wait_text(GROUP, "I stay quiet")
        group_say(fake, 0, "/ludice on", anonymous=True)
        await fake.wait_text(GROUP, "Play is on")
        group_say(fake, 0, "/ludice off", anonymous=True)
        await fake.wait_text(GROUP, "Play is off")
        assert bot.sql("SELECT enabled FROM groups") == [(0,)]


async def test_settings_are_for_admins_and_persist(tmp_path):
    async with running_bot(tmp_path, min_bet=10, max_bet=1000) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(fake, (1, "Alice"))
        before = state(bot), bot.sql("SELECT * FROM groups")
        for words in ("seats 4", "bets 20 100", "games 🎲", "throw on", "turn 30", "lang ru"):
            assert "Only group admins" in await said(fake, 1, f"/ludice {words}"), words
        await settle(bot)
        assert (state(bot), bot.sql("SELECT * FROM groups")) == before

        refusals = {"seats 9": "Lobby size is a number from 2 to 6",
                    "bets 5 100": "within 10–1000", "bets 300 100": "within 10–1000",
                    "games chess": "Name games by emoji", "turn 5": "10–600 seconds",
                    "throw maybe": "Use on or off", "topic": "This group has no topics",
                    "colour red": "Unknown setting"}
        for words, reply in refusals.items():
            assert reply in await said(fake, 100, f"/ludice {words}"), words
        await settle(bot)
        assert (state(bot), bot.sql("SELECT * FROM groups")) == before

        for words in ("seats 4", "bets 20 100", "games 🎲 darts ⚽️", "throw on", "turn 45"):
            assert "Saved" in await said(fake, 100, f"/ludice {words}")
        shown = await said(fake, 1, "/ludice")  # anyone may look
        assert "Lobby size: 4" in shown
        assert "Bets: 20–100" in shown and "🎲 dice 🎯 darts ⚽ football" in shown
        assert "players throw their own dice, 45 s per round" in shown
        assert bot.sql("SELECT seats, min_bet, max_bet, games, throw_mode, turn_seconds"
                       " FROM groups") == [(4, 20, 100, "dice,darts,football", 1, 45)]
        # the limits and games hold for challenges
        for text, reply in (("/duel 10", "The smallest bet is 20"),
                            ("/duel 200", "The largest bet is 100"),
                            ("/duel 50 🎳", "Games in this group: 🎲 🎯 ⚽"),
                            ("/duel", "Challenge with a bet: /duel 50"),
                            ("/duel fifty", "A bet is a whole number")):
            assert reply in await said(fake, 1, text), text
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM lobbies") == [(0,)]
        assert "Сохранено" in await said(fake, 100, "/ludice lang ru")
        assert "Ставки: 10–1000" in await said(fake, 100, "/ludice bets default")


async def test_a_direct_challenge_is_refused_to_a_third_person(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="4")
        await _players(fake, (1, "Alice"), (2, "Bob"), (3, "Carol"))
        bobs = group_say(fake, 2, "who wants a game?")["message"]["message_id"]
        group_say(fake, 1, "/duel 30", reply_to=bobs)
        await fake.wait_for(lambda: card_of(fake, 1))
        card_id, card = card_of(fake, 1)
        assert "Alice challenges Bob" in card["text"] and "(1/2)" in card["text"]
        await settle(bot)
        before = state(bot)
        answer = await callback_answer(fake, fake.press(3, "gj:1", message_id=card_id,
                                                        chat_id=GROUP))
        assert answer.params["text"] == "This challenge is for Bob only."
        assert answer.params["show_alert"] is True
        await settle(bot)
        assert state(bot) == before
        fake.script_dice(2, 5)
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_text(GROUP, "<b>Bob</b> wins <b>60</b>")
        await settle(bot)
        assert bot.balance(2) == 130 and bot.balance(1) == 70 and bot.balance(3) == 100
        # you can't challenge yourself or a bot
        mine = group_say(fake, 1, "my message")["message"]["message_id"]
        group_say(fake, 1, "/duel 30", reply_to=mine)
        await fake.wait_text(GROUP, "You can't challenge yourself.")
        intro = next(k[1] for k, m in fake.messages.items()
                     if k[0] == GROUP and "I stay quiet" in m.get("text", ""))
        group_say(fake, 1, "/duel 30", reply_to=intro)
        await fake.wait_text(GROUP, "Bots don't play.")
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM lobbies") == [(1,)]


async def test_the_creator_cancels_and_everyone_is_refunded(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        await _players(fake, (1, "Alice"), (2, "Bob"), (3, "Carol"))
        group_say(fake, 1, "/duel 50")
        await fake.wait_for(lambda: card_of(fake, 1))
        card_id = card_of(fake, 1)[0]
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_for(lambda: "(2/3)" in card_of(fake, 1)[1]["text"])
        await settle(bot)
        before = state(bot)
        for presser, reply in ((3, "That is not your lobby."),
                               (2, "Only the player who opened the lobby can withdraw it."),
                               (2, "Only the player who opened the challenge can start it.")):
            data = "gs:1" if "start" in reply else "gc:1"
            answer = await callback_answer(fake, fake.press(presser, data, message_id=card_id,
                                                            chat_id=GROUP))
            assert answer.params["text"] == reply
        await settle(bot)
        assert state(bot) == before
        answer = await callback_answer(fake, fake.press(1, "gc:1", message_id=card_id,
                                                        chat_id=GROUP))
        assert "withdrawn" in answer.params["text"]
        told = await fake.wait_text(2, "was withdrawn by its creator")
        assert "Dice Club" in told and "50 credits are back" in told and "Balance: 100" in told
        await fake.wait_for(lambda: "Withdrawn by Alice" in card_of(fake, 1)[1]["text"])
        await settle(bot)
        assert buttons(card_of(fake, 1)[1]) == []
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [("cancelled", "left")]
        assert not any("withdrawn" in t for t in fake.texts(1))  # Alice knows, she did it
        before = state(bot)
        answer = await callback_answer(fake, fake.press(3, "gj:1", message_id=card_id,
                                                        chat_id=GROUP))
        assert answer.params["text"] == "That lobby is already closed."
        await settle(bot)
        assert state(bot) == before
        # the expiry timer stays aimed at the closed lobby (no read to move it); when it
        # fires it finds nothing due and goes idle
        assert bot.app.jobs.expiry_at[1] == 1
        assert await bot.app.jobs.expire_due() == 0
        assert bot.app.jobs.expiry_at is None and not bot.app.jobs.scheduler.get_job("expiry")


async def test_bot_removed_with_lobbies_open_refunds_them_privately(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        await _players(fake, (1, "Alice"), (2, "Bob"), (3, "Carol"))
        group_say(fake, 1, "/duel 40")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        group_say(fake, 3, "/duel 25 🏀")
        await fake.wait_for(lambda: card_of(fake, 2))
        await fake.wait_for(lambda: "(2/3)" in card_of(fake, 1)[1]["text"])
        await settle(bot)
        assert bot.balance(-2) == 105
        group_calls = len(fake.sent(GROUP))
        fake.bot_status(GROUP, "kicked", by=100)
        for user_id, bet in ((1, 40), (2, 40), (3, 25)):
            told = await fake.wait_text(user_id, "the bot was removed from the group")
            assert f"Your {bet} credits are back" in told and "Balance: 100" in told
        await settle(bot)
        assert bot.balance(-2) == 0
        assert bot.sql("SELECT status, cancel_reason FROM lobbies ORDER BY id") == [
            ("cancelled", "bot_removed"), ("cancelled", "bot_removed")]
        assert bot.sql("SELECT present, enabled FROM groups") == [(0, 0)]
        assert len(fake.sent(GROUP)) == group_calls  # nothing posted where it can't be
        # the expiry timer stays aimed at the closed lobby (no read to move it); when it
        # fires it finds nothing due and goes idle
        assert bot.app.jobs.expiry_at[1] == 1
        assert await bot.app.jobs.expire_due() == 0
        assert bot.app.jobs.expiry_at is None and not bot.app.jobs.scheduler.get_job("expiry")
        # added back later: it introduces itself again and waits for an admin
        fake.bot_status(GROUP, "member", by=100, old="left")
        await fake.wait_for(lambda: sum("I stay quiet" in t for t in fake.texts(GROUP)) == 2)
        assert bot.sql("SELECT present, enabled FROM groups") == [(1, 0)]


async def test_play_off_calls_off_open_challenges(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(fake, (1, "Alice"))
        group_say(fake, 1, "/duel 40")
        await fake.wait_for(lambda: card_of(fake, 1))
        group_say(fake, 100, "/ludice off")
        assert "Open challenges refunded: 1" in await fake.wait_text(GROUP, "Play is off")
        await fake.wait_text(1, "play was turned off in the group")
        await fake.wait_for(lambda: "Called off (play was turned off in the group)"
                            in card_of(fake, 1)[1]["text"])
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(-2) == 0
        assert buttons(card_of(fake, 1)[1]) == []


async def test_an_admin_who_is_losing_cannot_void_the_duel_by_turning_play_off(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, throw="on", turn="30")  # the admin is user 100
        await _players(fake, (100, "Admin"), (2, "Bob"), (3, "Carol"))
        group_say(fake, 100, "/duel 50")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await fake.wait_text(GROUP, "throw your 🎲 now")
        group_say(fake, 3, "/duel 20")  # not started: this one is called off
        await fake.wait_for(lambda: card_of(fake, 2))
        fake.send_dice(2, "🎲", 6, chat_id=GROUP, chat_type="supergroup")
        await fake.wait_for(lambda: bot.sql("SELECT 1 FROM rolls WHERE user_id = 2"))
        fake.send_dice(100, "🎲", 1, chat_id=GROUP, chat_type="supergroup")
        off = await said(fake, 100, "/ludice off")  # the dice are out: too late to void
        assert "Open challenges refunded: 1" in off and "Duels already rolling finish" in off
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert "Admin 🎲1 · Bob 🎲6" in result and "<b>Bob</b> wins <b>100</b>" in result
        assert bot.sql("SELECT status, cancel_reason FROM lobbies ORDER BY id") == [
            ("settled", None), ("cancelled", "play_off")]
        assert bot.balance(100) == 50 and bot.balance(2) == 150 and bot.balance(3) == 100


def _calls_to_group(fake) -> int:
    """Every call the bot made into the group, answered or failed (or still held)."""
    return sum(c.params.get("chat_id") == GROUP for c in fake.calls)


async def test_a_bot_removed_mid_duel_finishes_it_and_tells_each_player(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        await _players(fake, (1, "Alice"), (2, "Bob"))
        fake.script_dice(1)
        gate = Gate(fake, "sendDice", skip=1)  # Alice's 1 is in the group; Bob's hangs
        group_say(fake, 1, "/duel 40")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await asyncio.wait_for(gate.reached.wait(), 5)
        await fake.wait_for(lambda: fake.delivered() and not bot.sql(
            "SELECT 1 FROM outbox WHERE sent_at IS NULL"))
        group_calls = _calls_to_group(fake)
        fake.bot_status(GROUP, "kicked", by=1)  # Alice saw her 1 and kicks the bot
        told = {u: await fake.wait_text(u, "could not be played out in the group")
                for u in (1, 2)}
        gate.fail("Forbidden: bot was kicked from the supergroup chat", 403)
        await settle(bot)
        rolls = dict(bot.sql("SELECT user_id, value FROM rolls WHERE round = 1"))
        assert rolls[1] == 1 and 1 <= rolls[2] <= 6  # Alice's stands, Bob's rolled fairly
        assert bot.sql("SELECT status FROM lobbies") == [("settled",)]
        assert bot.balance(1) + bot.balance(2) == 200 and bot.balance(-2) == 0
        if rolls[2] > 1:  # else a tie, re-rolled by the server too
            assert bot.balance(2) == 140
        for user_id in (1, 2):
            assert "the bot was removed from the group" in told[user_id]
            assert "rolled fairly by the ludice server" in told[user_id]
            assert f"Balance: <b>{bot.balance(user_id)}</b>" in told[user_id]
        assert _calls_to_group(fake) == group_calls  # nothing posted where it can't be
