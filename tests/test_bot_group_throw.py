"""End to end: throw-your-own mode in a group. Players throw the game's emoji themselves in
the round's window; only a fair first throw counts. Time runs on a FakeClock and rounds close
through the scheduler's sweep (what its date job runs), never by sleeping out the window."""

from __future__ import annotations

from botharness import (
    GROUP,
    FakeClock,
    accept_terms,
    card_of,
    group_say,
    open_group,
    running_bot,
    settle,
    state,
)


async def _throw_lobby(bot, players: list[tuple[int, str]], bet: int = 20) -> int:
    """Open a throw-your-own challenge by the first player, the others join; returns the
    number of group messages so far."""
    fake = bot.fake
    for user_id, name in players:
        await accept_terms(fake, user_id, name)
    group_say(fake, players[0][0], f"/duel {bet}")
    await fake.wait_for(lambda: card_of(fake, 1))
    for user_id, _ in players[1:]:
        fake.press(user_id, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await fake.wait_for(lambda user_id=user_id: bot.sql(
            "SELECT 1 FROM lobby_players WHERE user_id = ?", user_id))
    await fake.wait_text(GROUP, "round 1")
    await settle(bot)
    return len(fake.texts(GROUP))


def _dice(bot, chat_id: int = GROUP, **kwargs):
    return lambda user_id, emoji="🎲", value=3, **more: bot.fake.send_dice(
        user_id, emoji, value, chat_id=chat_id, chat_type="supergroup", **kwargs, **more)


async def _counted(bot, user_id: int, round_no: int = 1) -> None:
    await bot.fake.wait_for(lambda: bot.sql(
        "SELECT value FROM rolls WHERE user_id = ? AND round = ?", user_id, round_no))


async def test_throws_count_only_when_fair_and_a_late_player_forfeits(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock) as bot:
        fake = bot.fake
        await open_group(bot, seats="4", throw="on", turn="30")
        seen = await _throw_lobby(bot, [(1, "Alice"), (2, "Bob"), (3, "Carol"), (4, "Dave")])
        turn = next(t for t in fake.texts(GROUP) if "round 1" in t)
        assert "Alice, Bob, Carol, Dave, throw your 🎲 now! You have 30 s" in turn
        assert "throw your own 🎲 below" in card_of(fake, 1)[1]["text"]
        throw = _dice(bot)

        throw(1, value=6, forwarded=True)
        assert "forwarded dice don't count" in await fake.wait_text(GROUP, "Alice, forwarded")
        throw(1, value=4)
        await _counted(bot, 1)
        throw(1, value=6)  # a second throw: ignored, and Alice had her one hint already
        throw(2, "🎯", value=6)
        await fake.wait_text(GROUP, "Bob, this round is played with 🎲")
        throw(2, value=2)
        await _counted(bot, 2)
        throw(4, value=1)
        await _counted(bot, 4)
        throw(4, value=5)
        await fake.wait_text(GROUP, "Dave, only your first throw of a round counts")
        throw(4, value=6, via_bot=True)  # no second hint for Dave this round
        await accept_terms(fake, 5, "Eve")
        throw(5, value=6)  # not a player: none of our business
        await settle(bot)
        assert bot.sql("SELECT user_id, value FROM rolls ORDER BY user_id") == [
            (1, 4), (2, 2), (4, 1)]
        clock.advance(31)
        throw(3, value=6)
        await fake.wait_text(GROUP, "Carol, too late")
        await settle(bot)
        assert len(fake.texts(GROUP)) == seen + 4  # four hints, one each, nothing else
        assert bot.sql("SELECT status FROM lobbies") == [("rolling",)]

        await bot.app.jobs.sweep()  # the window's job (or the sweep) closes the round
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert "Alice 🎲4 · Bob 🎲2 · Dave 🎲1" in result and "No throw: Carol" in result
        assert "<b>Alice</b> wins <b>80</b>" in result
        assert bot.balance(1) == 160 and bot.balance(3) == 80 and bot.balance(-2) == 0
        assert fake.sent(GROUP, "sendDice") == []  # the players threw, the bot did not
        assert bot.app.jobs.scheduler.get_job("turn-1") is None
        throw(2, value=6)  # after the end: silence
        await settle(bot)
        assert len(fake.texts(GROUP)) == seen + 5


async def test_nobody_throws_and_the_lobby_is_refunded(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock) as bot:
        fake = bot.fake
        await open_group(bot, throw="on", turn="20")
        await _throw_lobby(bot, [(1, "Alice"), (2, "Bob")], bet=30)
        job = bot.app.jobs.scheduler.get_job("turn-1")
        assert job is not None and job.next_run_time.timestamp() == clock.now + 20
        assert await bot.app.jobs.sweep() == 0 and bot.balance(-2) == 60  # not due yet
        clock.advance(21)
        await bot.app.jobs.sweep()
        assert "Nobody threw in time" in await fake.wait_text(GROUP, "Nobody threw")
        for user_id in (1, 2):
            told = await fake.wait_text(user_id, "nobody threw in time")
            assert "30 credits are back" in told and "Balance: 100" in told
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0
        assert bot.sql("SELECT status, cancel_reason FROM lobbies") == [("expired", "no_throws")]
        await bot.app.jobs.sweep()  # once only
        await settle(bot)
        assert bot.sql("SELECT count(*) FROM transfers WHERE kind = 'refund'") == [(2,)]


async def test_a_tie_opens_a_new_window_and_the_round_closes_when_all_threw(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock) as bot:
        fake = bot.fake
        await open_group(bot, throw="on", turn="30")
        await _throw_lobby(bot, [(1, "Alice"), (2, "Bob")])
        throw = _dice(bot)
        throw(1, value=3)
        await _counted(bot, 1)
        clock.advance(5)
        throw(2, value=3)  # everyone threw: the round closes after the reveal delay
        tie = await fake.wait_text(GROUP, "round 2")
        assert "Tie (Alice 🎲3 · Bob 🎲3)" in tie and "Alice, Bob, throw your 🎲 now" in tie
        job = bot.app.jobs.scheduler.get_job("turn-1")
        assert job.next_run_time.timestamp() == clock.now + 30  # a fresh window
        throw(2, value=5)
        await _counted(bot, 2, round_no=2)
        await settle(bot)
        before = state(bot)
        await bot.app.jobs.sweep()  # Alice still has time
        await settle(bot)
        assert state(bot) == before
        clock.advance(31)
        await bot.app.jobs.sweep()
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert "Bob 🎲5" in result and "No throw: Alice" in result
        assert bot.balance(2) == 120 and bot.balance(1) == 80
        assert bot.sql("SELECT status, round FROM lobbies") == [("settled", 2)]
