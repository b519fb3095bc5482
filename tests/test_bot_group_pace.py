"""End to end: a burst that would break a group's message limit is spread out, not dropped.
The limit is made small (4 messages per 0.5 s instead of Telegram's 20 a minute) so the test
stays fast; the pacing is measured on the fake's own clock of arriving calls. The bot's
overall pace (30 messages a second) against the emulator's own flood limits: it queues
instead of collecting 429s."""

from __future__ import annotations

import asyncio

from botharness import (
    GROUP,
    Gate,
    accept_terms,
    card_of,
    group_say,
    open_group,
    running_bot,
    settle,
)

from ludice import db, outbox

LIMIT, WINDOW = 4, 0.5
POSTING = ("sendMessage", "sendDice", "editMessageText")


async def test_a_burst_of_results_is_paced_and_all_delivered(tmp_path):
    async with running_bot(tmp_path, group_pace=(LIMIT, WINDOW)) as bot:
        fake = bot.fake
        await open_group(bot)
        players = [(1, "Alice"), (2, "Bob"), (3, "Carol"), (4, "Dave"), (5, "Eve"), (6, "Finn")]
        for user_id, name in players:
            await accept_terms(fake, user_id, name)
        for lobby_id, creator in ((1, 1), (2, 3), (3, 5)):
            group_say(fake, creator, "/duel 20")
            await fake.wait_for(lambda lobby_id=lobby_id: card_of(fake, lobby_id))
        # six different values: however the three duels' dice interleave, none ties
        fake.script_dice(6, 1, 5, 2, 4, 3)
        fake.fail_next("sendMessage", error_code=429, retry_after=1)  # Telegram says slow down
        started = asyncio.get_running_loop().time()
        for lobby_id, joiner in ((1, 2), (2, 4), (3, 6)):  # three duels at once
            fake.press(joiner, f"gj:{lobby_id}", message_id=card_of(fake, lobby_id)[0],
                       chat_id=GROUP)
        await fake.wait_for(lambda: sum("wins" in t for t in fake.texts(GROUP)) == 3,
                            timeout=15)
        await settle(bot, timeout=15)
        took = asyncio.get_running_loop().time() - started

        # every result went out, none was dropped or marked failed
        results = [t for t in fake.texts(GROUP) if "wins <b>40</b>" in t]
        assert len(results) == 3
        assert bot.sql("SELECT count(*) FROM outbox WHERE sent_at IS NULL OR error IS NOT NULL"
                       ) == [(0,)]
        assert bot.sql("SELECT count(*) FROM lobbies WHERE status = 'settled'") == [(3,)]
        assert any(c.answered_error for c in fake.calls if c.method == "sendMessage")
        # never more than LIMIT calls posting into the group within any WINDOW
        posting = [c.at for c in fake.calls
                   if c.method in POSTING and c.params.get("chat_id") == GROUP]
        assert len(posting) >= 3 * 4  # card edit (with the label), two dice, result
        for first, fifth in zip(posting, posting[LIMIT:], strict=False):
            assert fifth - first >= WINDOW - 0.05, (first, fifth)
        burst = [at for at in posting if at >= started]
        assert took >= (len(burst) // LIMIT - 1) * WINDOW  # it really was held back


def _owe(bot, text: str) -> None:
    """A note for the group, written as another process would, and the mailer kicked."""
    conn = db.open_db(bot.db_path)
    try:
        with db.transaction(conn):
            outbox.add(conn, GROUP, "group_cancelled", 0, lobby_id=1, reason=text)
    finally:
        conn.close()
    bot.app.mailer.kick()


async def test_messages_queued_while_a_chat_is_sending_go_out_once_each(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake, mailer = bot.fake, bot.app.mailer
        await open_group(bot)
        await settle(bot)
        mailer.interval = 60  # nothing may wait for the next poll

        def owe(text: str) -> None:
            _owe(bot, text)

        gate = Gate(fake, "sendMessage")
        owe("first")
        await asyncio.wait_for(gate.reached.wait(), 5)  # the group's sender is busy
        owe("second")
        owe("third")
        await asyncio.sleep(0.05)
        gate.release()
        gate.close()
        await fake.wait_for(lambda: sum("(third)" in t for t in fake.texts(GROUP)) == 1)
        await settle(bot)
        notes = [t for t in fake.texts(GROUP) if "cancelled by an admin" in t]
        assert [n.split("(")[1].split(")")[0] for n in notes] == ["first", "second", "third"]


async def test_a_busy_chat_is_not_read_again_for_what_its_sender_has_in_hand(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake, mailer, store = bot.fake, bot.app.mailer, bot.app.store
        await open_group(bot)
        await settle(bot)
        mailer.interval = 60
        reads = []
        read = store.read

        async def counted(fn, *args, **kwargs):
            reads.append((fn.__name__, args))
            return await read(fn, *args, **kwargs)

        store.read = counted
        gate = Gate(fake, "sendMessage")
        _owe(bot, "first")
        await asyncio.wait_for(gate.reached.wait(), 5)  # the group's sender is busy with it
        for _ in range(3):  # each round finds it pending, and in that sender's hand
            await mailer.dispatch()
        gate.release()
        gate.close()
        await fake.wait_for(lambda: any("(first)" in t for t in fake.texts(GROUP)))
        await settle(bot)
        assert ("_pending", (GROUP,)) not in reads  # its sender never looked again
        assert sum("(first)" in t for t in fake.texts(GROUP)) == 1


async def test_a_busy_second_queues_under_the_overall_limit_instead_of_collecting_429s(
        tmp_path):
    async with running_bot(tmp_path, global_pace=(30, 1.0)) as bot:
        fake = bot.fake
        fake.rate_limits = True  # Telegram's: 30 messages a second overall, ~1 per chat
        newcomers = range(1000, 1045)
        for user_id in newcomers:  # 45 people at once, one reply each
            fake.user(user_id, first_name=f"P{user_id}")
            fake.send_text(user_id, "/start")
        await fake.wait_for(lambda: all(fake.texts(u) for u in newcomers), timeout=15)
        await settle(bot, timeout=15)
        assert all(len(fake.texts(u)) == 1 and "accept the terms" in fake.texts(u)[0]
                   for u in newcomers)
        refused = [c for c in fake.calls if c.answered_error]
        assert len(refused) == 0, len(refused)  # none was answered 429 and retried
