"""End to end in a group: newcomers through the deep link, forged buttons, a forum's game
topic, rematches and leaderboards."""

from __future__ import annotations

from botharness import (
    GROUP,
    FakeClock,
    accept_terms,
    buttons,
    callback_answer,
    card_of,
    find_button,
    group_say,
    open_group,
    press_button,
    running_bot,
    settle,
    shown,
    state,
)

OTHER = -1009999999999


async def _challenge(bot, creator: int = 1, text: str = "/duel 30", lobby_id: int = 1,
                     **kwargs) -> int:
    group_say(bot.fake, creator, text, **kwargs)
    await bot.fake.wait_for(lambda: card_of(bot.fake, lobby_id))
    return card_of(bot.fake, lobby_id)[0]


async def test_a_newcomer_is_sent_to_accept_the_terms_then_joins(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        fake.user(7, first_name="Neo")
        # a challenge from someone who never started the bot: a link, no lobby
        group_say(fake, 7, "/duel 30")
        reply = await fake.wait_text(GROUP, "accept the terms in a private chat")
        assert "Neo, please" in reply
        link = fake.messages[max(k for k in fake.messages if k[0] == GROUP)]
        assert buttons(link) == ["https://t.me/ludice_test_bot?start=g0"]
        card_id = await _challenge(bot)
        await settle(bot)
        before = state(bot)
        answer = await callback_answer(fake, fake.press(7, "gj:1", message_id=card_id,
                                                        chat_id=GROUP))
        assert answer.params["url"] == "https://t.me/ludice_test_bot?start=g1"
        await settle(bot)
        assert state(bot) == before  # no stake from someone who has not accepted
        assert bot.sql("SELECT count(*) FROM users WHERE id = 7") == [(0,)]

        fake.send_text(7, "/start g1")  # Telegram opens the link in private
        await fake.wait_text(7, "Before you play, please accept the terms")
        assert find_button(fake, 7, "tg:1") is not None
        await press_button(fake, 7, "tg:1")
        offer = await fake.wait_text(7, "Challenge #1 in <b>Dice Club</b>")
        assert "bet <b>30</b>" in offer and "seats left: 1" in offer
        assert bot.balance(7) == 100  # accepting took nothing
        fake.script_dice(2, 6)
        offer_id = find_button(fake, 7, "gp:1")[0]
        await press_button(fake, 7, "gp:1")
        await fake.wait_text(7, "You joined challenge #1 in Dice Club")
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert "<b>Neo</b> wins <b>60</b>" in result
        assert bot.balance(7) == 130 and bot.balance(1) == 70
        assert "Players: Alice, Neo" in card_of(fake, 1)[1]["text"]
        # the offer's button again, or a link to a finished challenge: nothing happens
        before = state(bot)
        fake.send_text(7, "/start g1")
        await fake.wait_text(7, "That lobby is already closed.")
        answer = await callback_answer(fake, fake.press(7, "gp:1", message_id=offer_id))
        assert answer.params["text"] == "That lobby is already closed."
        await settle(bot)
        assert state(bot) == before
        # a link that came from a /duel brings them back to the group
        fake.user(8, first_name="Trin")
        fake.send_text(8, "/start g0")
        await press_button(fake, 8, "tg:0")
        await fake.wait_text(8, "go back to the group and send your challenge again")


async def test_only_members_of_the_group_join_from_private(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 9, "Mallory")
        await accept_terms(fake, 8, "Muted")
        await _challenge(bot)
        for status, in_chat in (("left", True), ("kicked", True), ("restricted", False)):
            fake.set_member(GROUP, 9, status, is_member=in_chat)
            fake.send_text(9, "/start g1")
            await fake.wait_text(9, "Join it?")
            await settle(bot)
            before = state(bot)
            answer = await callback_answer(fake, await press_button(fake, 9, "gp:1"))
            assert answer.params["text"] == "That lobby does not exist.", status
            await settle(bot)
            assert state(bot) == before
        # restricted (say, muted) but still in the group: a member like any other
        fake.set_member(GROUP, 8, "restricted", is_member=True)
        fake.send_text(8, "/start g1")
        await press_button(fake, 8, "gp:1")
        await fake.wait_text(8, "You joined challenge #1")
        assert bot.sql("SELECT user_id FROM lobby_players ORDER BY seat") == [(1,), (8,)]


async def test_joining_on_the_card_is_for_members_of_the_group_only(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (9, "Mallory"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        card_id = await _challenge(bot)
        await settle(bot)
        before = state(bot)
        # a public group's card can be pressed by someone who only reads the group
        for status, in_chat in (("left", True), ("restricted", False)):
            fake.set_member(GROUP, 9, status, is_member=in_chat)
            answer = await callback_answer(fake, fake.press(9, "gj:1", message_id=card_id,
                                                            chat_id=GROUP))
            assert answer.params["text"] == "Only members of this group can join its challenges."
        await settle(bot)
        assert state(bot) == before
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_text(GROUP, "wins")
        checks = [c.params["user_id"] for c in fake.sent(method="getChatMember")
                  if c.params["chat_id"] == GROUP and c.params["user_id"] != 100]
        assert checks == [9, 9, 2]  # one look each time Join is pressed


async def test_oversized_ids_are_stale_buttons_not_errors(tmp_path, caplog):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        huge = "9" * 20
        fake.send_text(1, f"/start g{huge}")
        await fake.wait_text(1, "Welcome back")
        for data, chat in ((f"gj:{huge}", GROUP), (f"gc:{huge}", GROUP), (f"leave:{huge}", 1),
                           (f"gp:{huge}", 1), (f"tg:{huge}", 1), (f"bet:dice:{huge}", 1),
                           (f"gj:-{huge}", GROUP)):
            answer = await callback_answer(fake, fake.press(1, data, message_id=1, chat_id=chat))
            assert answer.params["text"] == "This button is no longer valid.", data
        await settle(bot)
        assert not any("went wrong" in t for t in fake.texts(1))
        assert [r for r in caplog.records if r.levelname == "ERROR"] == []


async def test_forged_buttons_in_a_group_change_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, seats="3")
        await open_group(bot, OTHER, admin=200, title="Elsewhere")
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
            await accept_terms(fake, user_id, name)
        card_id = await _challenge(bot)
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_for(lambda: "(2/3)" in card_of(fake, 1)[1]["text"])
        group_say(fake, 3, "/duel 20", chat_id=OTHER)
        await fake.wait_for(lambda: card_of(fake, 2, OTHER))
        await settle(bot)
        before = state(bot)
        cases = [
            (3, "gj:999", GROUP, "That lobby does not exist."),
            (1, "gj:2", GROUP, "That lobby does not exist."),  # a lobby of another group
            (3, "gc:2", GROUP, "That lobby does not exist."),
            (3, "gs:1", GROUP, "Only the player who opened the challenge can start it."),
            (2, "gj:1", GROUP, "You're already in this challenge."),
            (3, "gr:1", GROUP, "A rematch is for finished games."),
            (3, "gj:abc", GROUP, "This button is no longer valid."),
            (3, "gj:1:extra", GROUP, "This button is no longer valid."),
            (3, "leave:1", GROUP, "This button is no longer valid."),  # a private button
            (3, "gp:1", GROUP, "This button is no longer valid."),
            (3, "bet:dice:50", GROUP, "This button is no longer valid."),
        ]
        for presser, data, chat, reply in cases:
            answer = await callback_answer(fake, fake.press(presser, data, message_id=card_id,
                                                            chat_id=chat))
            assert answer.params.get("text") == reply, data
        await settle(bot)
        assert state(bot) == before
        assert not any("Sorry" in t for t in fake.texts(GROUP))


async def test_in_a_forum_the_bot_plays_in_its_topic_only(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot, forum=True)
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        group_say(fake, 100, "/ludice topic", message_thread_id=5)
        saved = await fake.wait_text(GROUP, "Saved")
        assert "Topic: topic #5" in saved
        assert bot.sql("SELECT topic_id, is_forum FROM groups") == [(5, 1)]
        group_say(fake, 1, "/duel 30", message_thread_id=7)
        hint = await fake.wait_text(GROUP, "I play in another topic")
        assert fake.sent(GROUP, "sendMessage")[-1].params["message_thread_id"] == 7
        group_say(fake, 1, "/top")  # General
        await fake.wait_for(lambda: fake.texts(GROUP).count(hint) == 2)
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM lobbies") == [(0,)]

        fake.script_dice(6, 1)
        card_id = await _challenge(bot, message_thread_id=5)
        assert fake.messages[(GROUP, card_id)]["message_thread_id"] == 5
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_text(GROUP, "wins")
        await settle(bot)
        posted = [c for c in fake.sent(GROUP) if c.method in ("sendMessage", "sendDice")]
        in_play = posted[-4:]  # the round's label, two dice, the result
        assert [c.method for c in in_play] == ["sendMessage", "sendDice", "sendDice",
                                               "sendMessage"]
        assert all(c.params.get("message_thread_id") == 5 for c in in_play)
        assert bot.sql("SELECT thread_id FROM group_lobbies") == [(5,)]
        group_say(fake, 100, "/ludice topic off", message_thread_id=9)
        assert "Topic: any" in await fake.wait_text(GROUP, "Topic: any")


async def test_rematch_opens_the_same_challenge_again(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol <3")):
            await accept_terms(fake, user_id, name)
        bobs = group_say(fake, 2, "hi")["message"]["message_id"]
        fake.script_dice(5, 3)
        card_id = await _challenge(bot, text="/duel 25 🎳", reply_to=bobs)
        fake.press(2, "gj:1", message_id=card_id, chat_id=GROUP)
        await fake.wait_text(GROUP, "<b>Alice</b> wins")
        await settle(bot)
        result_id = max(k[1] for k in fake.messages if k[0] == GROUP)
        assert buttons(fake.messages[(GROUP, result_id)]) == ["gr:1"]
        # Bob asks for revenge: the same game and bet, aimed at Alice this time
        fake.press(2, "gr:1", message_id=result_id, chat_id=GROUP)
        await fake.wait_for(lambda: card_of(fake, 2))
        card = shown(card_of(fake, 2)[1])
        assert "Bowling challenge #2" in card and "bet <b>25</b>" in card
        assert "Bob challenges Alice" in card
        answer = await callback_answer(fake, fake.press(3, "gr:1", message_id=result_id,
                                                        chat_id=GROUP))
        assert not answer.params.get("text")
        await fake.wait_for(lambda: card_of(fake, 3))
        assert "Carol <3 is looking for opponents" in card_of(fake, 3)[1]["text"]
        answer = await callback_answer(fake, fake.press(3, "gr:1", message_id=result_id,
                                                        chat_id=GROUP))
        assert answer.params["text"].startswith("You are already in lobby #3")
        await settle(bot)
        assert bot.sql("SELECT id, game, bet, creator_id, status FROM lobbies ORDER BY id") == [
            (1, "bowling", 25, 1, "settled"), (2, "bowling", 25, 2, "open"),
            (3, "bowling", 25, 3, "open")]


async def test_top_in_the_group_and_in_private(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock) as bot:
        fake = bot.fake
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
            await accept_terms(fake, user_id, name)
        group_say(fake, 1, "/top")
        empty = await fake.wait_text(GROUP, "Leaderboard: Dice Club")
        assert empty.count("no finished games yet") == 4

        async def duel(a: int, b: int, bet: int, dice: tuple[int, int], lobby_id: int) -> None:
            fake.script_dice(*dice)
            card_id = await _challenge(bot, a, f"/duel {bet}", lobby_id)
            fake.press(b, f"gj:{lobby_id}", message_id=card_id, chat_id=GROUP)
            await fake.wait_for(lambda: bot.sql("SELECT status FROM lobbies WHERE id = ?",
                                                lobby_id) == [("settled",)])
            await settle(bot)

        await duel(1, 2, 40, (6, 1), 1)  # Alice +40, Bob -40
        clock.advance(8 * 86_400)  # next week
        await duel(3, 2, 10, (1, 6), 2)  # Bob +10, Carol -10
        await duel(2, 1, 10, (6, 2), 3)  # Bob +10, Alice -10
        seen = len(fake.texts(GROUP))
        group_say(fake, 3, "/top")
        await fake.wait_for(lambda: len(fake.texts(GROUP)) > seen)
        board = fake.texts(GROUP)[seen]
        week, ever = board.split("<b>All time</b>")
        assert "By winnings: 🥇 Bob +20 · 🥈 Alice -10 · 🥉 Carol -10" in week
        assert "By wins: 🥇 Bob 2" in week and "Alice" not in week.split("By wins")[1]
        assert "By winnings: 🥇 Alice +30 · 🥈 Carol -10 · 🥉 Bob -20" in ever
        assert "By wins: 🥇 Bob 2 · 🥈 Alice 1" in ever

        fake.send_text(2, "/top")
        ranks = await fake.wait_text(2, "Your ranks in groups")
        assert "Dice Club: #3 of 3 by winnings (-20), #1 by wins (2 of 3 games)" in ranks
        await accept_terms(fake, 4, "Dan")
        fake.send_text(4, "/top")
        await fake.wait_text(4, "You haven't finished a game in a group yet")
