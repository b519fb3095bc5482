"""End to end: what players type and press, including nonsense and forgeries. Every refusal
answers clearly and changes nothing."""

from __future__ import annotations

from botharness import (
    accept_terms,
    callback_answer,
    find_button,
    press_button,
    running_bot,
    settle,
    state,
)

from ludice import db, users

LIMITS = {"welcome_bonus": 100, "min_bet": 10, "max_bet": 200}


async def _refused(bot, user_id: int, text: str, reply: str) -> None:
    """Send `text`, expect exactly one new message containing `reply`, and no change."""
    fake = bot.fake
    before, seen = state(bot), len(fake.texts(user_id))
    fake.send_text(user_id, text)
    await fake.wait_for(lambda: len(fake.texts(user_id)) > seen)
    await settle(bot)
    new = fake.texts(user_id)[seen:]
    assert len(new) == 1 and reply in new[0], (text, new)
    assert state(bot) == before, text


BAD_BETS = [
    ("/dice abc", "A bet is a whole number of credits"),
    ("/dice 1", "The smallest bet is 10 credits"),
    ("/dice -5", "A bet is a whole number of credits"),
    ("/dice 1.5", "A bet is a whole number of credits"),
    ("/dice 1e3", "A bet is a whole number of credits"),
    ("/dice ５０", "A bet is a whole number of credits"),  # full-width digits
    ("/play 9", "The smallest bet is 10 credits"),
    ("/darts 201", "The largest bet is 200 credits"),
    ("/dice 99999999999999999999", "The largest bet is 200 credits"),
    ("/dice 150", "You have 100 credits, not enough for that bet"),
]


async def test_bad_bets_and_unaffordable_bets_are_refused(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        await accept_terms(bot.fake, 1, "Alice")
        for text, reply in BAD_BETS:
            await _refused(bot, 1, text, reply)
        assert bot.balance(1) == 100
        assert bot.sql("SELECT count(*) FROM lobbies") == [(0,)]
        # an exact fit is fine
        bot.fake.send_text(1, "/dice 100")
        await bot.fake.wait_text(1, "Waiting for an opponent")
        await settle(bot)
        assert bot.balance(1) == 0


async def test_typed_bet_after_choosing_a_game_with_buttons(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "🎲 Play")
        await fake.wait_text(1, "Choose a game")
        await press_button(fake, 1, "game:darts")
        prompt = await fake.wait_text(1, "type an amount")
        assert "Darts" in prompt and "(10–200)" in prompt and "Balance: 100" in prompt
        # quick bets outside [min_bet, max_bet] are not offered; "just for fun" (0) always is
        kb = fake.messages[(1, find_button(fake, 1, "bet:")[0])]["reply_markup"][
            "inline_keyboard"]
        assert [b["callback_data"] for row in kb for b in row] == [
            "bet:darts:10", "bet:darts:50", "bet:darts:100", "bet:darts:0"]
        await _refused(bot, 1, "abc", "A bet is a whole number")
        await _refused(bot, 1, "5", "The smallest bet is 10")  # still waiting for a bet
        fake.send_text(1, "25")
        waiting = await fake.wait_text(1, "Waiting for an opponent")
        assert "🎯 Lobby #1: 25 credits" in waiting
        await settle(bot)
        assert bot.balance(1) == 75
        assert bot.sql("SELECT game, bet, status FROM lobbies") == [("darts", 25, "open")]
        # the bet prompt is over: a number now is just a number
        await _refused(bot, 1, "30", "I didn't get that")


async def test_menu_buttons_still_work_while_a_bet_is_awaited(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/dice")
        await fake.wait_text(1, "type an amount")
        await _refused(bot, 1, "👤 Profile", "Win rate")
        await _refused(bot, 1, "🔝 Top up", "turned off")
        await _refused(bot, 1, "❓ Help", "How ludice works")


async def test_quick_bet_buttons(tmp_path):
    async with running_bot(tmp_path, quick_bets="10,50,150", **LIMITS) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        fake.send_text(1, "/play")
        await press_button(fake, 1, "game:dice")
        await fake.wait_text(1, "type an amount")
        await settle(bot)
        before = state(bot)
        too_much = await press_button(fake, 1, "bet:dice:150")
        answer = await callback_answer(fake, too_much)
        assert answer.params["text"].startswith("You have 100 credits, not enough")
        await settle(bot)
        assert state(bot) == before

        update = await press_button(fake, 1, "bet:dice:50")
        await fake.wait_text(1, "Waiting for an opponent")
        answer = await callback_answer(fake, update)
        assert not answer.params.get("text")  # nothing to say: the lobby message says it
        await settle(bot)
        assert bot.balance(1) == 50
        assert bot.sql("SELECT game, bet, status FROM lobbies") == [("dice", 50, "open")]

        before = state(bot)
        again = await press_button(fake, 1, "bet:dice:10")
        answer = await callback_answer(fake, again)
        assert "already in lobby #1" in answer.params["text"]
        await settle(bot)
        assert state(bot) == before


FORGED = [
    ("leave:999999", "That lobby does not exist."),
    ("leave:abc", "This button is no longer valid."),
    ("bet:poker:50", "This button is no longer valid."),
    ("bet:dice:999999999", "The largest bet is 200 credits."),
    ("bet:dice:-5", "This button is no longer valid."),  # no keyboard of ours says that
    ("bet:dice:" + "9" * 20, "This button is no longer valid."),  # beyond any SQLite integer
    ("leave:" + "9" * 20, "This button is no longer valid."),
    ("game:slots", "This button is no longer valid."),
    ("terms:extra", "This button is no longer valid."),
    ("zzz", "This button is no longer valid."),
    ("", "This button is no longer valid."),
]


async def test_forged_callbacks_are_answered_and_change_nothing(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        await settle(bot)
        before = state(bot)
        # Bob presses Alice's Leave button data on a message of his own chat
        someone_elses = [("leave:1", "That is not your lobby.")]
        for data, reply in someone_elses + FORGED:
            update = fake.press(2, data, message_id=1)
            answer = await callback_answer(fake, update)
            assert answer.params.get("text") == reply, data
        await settle(bot)
        assert state(bot) == before
        assert bot.sql("SELECT id, status FROM lobbies") == [(1, "open")]
        assert not any("Sorry" in t for t in fake.texts(2))


async def test_a_duplicate_update_has_no_second_effect(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        update = fake.send_text(1, "/dice 30")
        fake.push_raw(update)
        await fake.wait_text(1, "Waiting for an opponent")
        await settle(bot)
        fake.push_raw(update)  # and once more, after it was handled and confirmed
        await settle(bot)
        assert [c for c in fake.calls if c.method == "getUpdates"]  # sanity
        assert sum(1 for u in fake.pushed if u["update_id"] == update["update_id"]) == 3
        assert bot.sql("SELECT count(*) FROM lobbies") == [(1,)]
        assert bot.sql("SELECT count(*) FROM transfers WHERE kind = 'stake'") == [(1,)]
        assert bot.balance(1) == 70
        assert len(fake.texts(1)) == 3  # terms, welcome, waiting: no refusal either


async def test_a_flood_is_throttled_with_one_notice(tmp_path):
    async with running_bot(tmp_path, throttle_seconds=1, **LIMITS) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        seen = len(fake.texts(1))
        for _ in range(5):
            fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        await settle(bot)
        new = fake.texts(1)[seen:]
        assert sum("Waiting for an opponent" in t for t in new) == 1
        assert sum("Easy there" in t for t in new) == 1
        assert len(new) == 2
        assert bot.sql("SELECT count(*) FROM lobbies") == [(1,)]
        assert bot.balance(1) == 70


async def test_terms_gate_holds_everything_back_until_accepted(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        fake = bot.fake
        fake.user(7, first_name="Eve")
        before = state(bot)
        for text in ("/play", "/profile", "/dice 30", "/leave", "/history", "hello"):
            seen = len(fake.texts(7))
            fake.send_text(7, text)
            await fake.wait_for(lambda seen=seen: len(fake.texts(7)) > seen)
            assert "Before you play, please accept the terms" in fake.texts(7)[-1], text
            assert fake.sent(7, "sendMessage")[-1].params["reply_markup"]["inline_keyboard"][
                0][0]["callback_data"] == "terms"
        for data in ("bet:dice:50", "leave:1", "game:dice"):
            answer = await callback_answer(fake, fake.press(7, data, message_id=1))
            assert answer.params["text"] == "Please accept the terms first: send /start."
        await settle(bot)
        assert state(bot) == before
        assert bot.sql("SELECT count(*) FROM users") == [(0,)]
        # /help and /privacy are open to everyone
        fake.send_text(7, "/privacy")
        await fake.wait_text(7, "What ludice stores")

        # accepting twice (a double tap on the same button) grants the bonus once
        fake.send_text(7, "/start")
        message_id, data = await fake.wait_for(lambda: find_button(fake, 7, "terms"))
        first = fake.press(7, data, message_id=message_id)
        second = fake.press(7, data, message_id=message_id)
        await callback_answer(fake, first)
        await callback_answer(fake, second)
        await fake.wait_text(7, "You have already accepted the terms")
        await settle(bot)
        welcome = [t for t in fake.texts(7) if "You're in" in t]
        assert len(welcome) == 1 and "+100" in welcome[0]
        assert bot.balance(7) == 100
        assert bot.sql("SELECT count(*) FROM transfers WHERE kind = 'welcome'") == [(1,)]
        assert not any("Sorry" in t for t in fake.texts(7))
        fake.send_text(7, "/start")
        await fake.wait_text(7, "Welcome back! Your balance: <b>100</b>")


async def test_no_welcome_bonus_when_it_is_zero(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=0) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        welcome = await fake.wait_text(1, "You're in")
        assert "bonus" not in welcome.lower() and "Your balance: <b>0</b>" in welcome
        await settle(bot)
        assert bot.balance(1) == 0
        assert bot.sql("SELECT count(*) FROM transfers") == [(0,)]
        assert bot.sql("SELECT terms_accepted_at IS NOT NULL FROM users") == [(1,)]
        await _refused(bot, 1, "/dice 10", "You have 0 credits")


async def test_a_banned_player_is_refused_with_the_reason(tmp_path):
    async with running_bot(tmp_path, **LIMITS) as bot:
        await accept_terms(bot.fake, 1, "Alice")
        conn = db.open_current(bot.db_path)
        try:
            with db.transaction(conn):
                users.ban(conn, 1, "spam & abuse <3", db.now())
        finally:
            conn.close()
        await _refused(bot, 1, "/dice 30", "suspended: spam &amp; abuse &lt;3")
