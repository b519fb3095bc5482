"""Crash points, end to end: an update Telegram redelivers after the bot died has no second
effect. Telegram redelivers every update whose offset was not confirmed when the bot died,
and the in-memory dedupe dies with the process: only what the database recorded survives."""

from __future__ import annotations

import sqlite3
from typing import Any

from botharness import (
    GROUP,
    FakeClock,
    FakeTelegram,
    accept_terms,
    card_of,
    group_say,
    kill,
    open_group,
    prepare_db,
    press_button,
    settle,
    start_bot,
    state,
)

from ludice.playground.emulator import ApiError
from ludice.playground.emulator.server import METHODS
from ludice.playground.emulator.wire import as_int


def unconfirmed_from(fake: FakeTelegram, update_id: int) -> None:
    """getUpdates fails (502) whenever it would confirm `update_id` or a later one, the way a
    failed getUpdates leaves the offset unconfirmed while the batch's handlers commit."""
    inner = fake.handler("getUpdates")

    async def refuse_to_confirm(p: dict[str, Any]) -> Any:
        if (as_int(p.get("offset")) or 0) > update_id:
            raise ApiError("Bad Gateway", 502)
        return await inner(p)

    fake.set_response("getUpdates", refuse_to_confirm)


def confirm_again(fake: FakeTelegram) -> None:
    own = METHODS["getupdates"]
    fake.set_response("getUpdates", lambda p: own(fake, p))


async def test_a_duel_redelivered_after_a_kill_stakes_nobody_again(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        await settle(first)
        fake.script_dice(5, 2)
        alice = fake.send_text(1, "/dice 30")
        fake.send_text(2, "/dice 30")  # one batch: both stakes commit before any confirmation
        unconfirmed_from(fake, alice["update_id"])
        await fake.wait_text(1, "You win")
        await fake.wait_text(2, "wins the pot")
        await fake.wait_for(lambda: not first.sql("SELECT 1 FROM outbox WHERE sent_at IS NULL"))
        await kill(first)  # the duel was played and paid; Telegram never heard "confirmed"
        after_duel = state(first)
        texts = len(fake.texts(1)), len(fake.texts(2))
        confirm_again(fake)

        second = await start_bot(fake, db_path, clock)
        try:
            await settle(second)  # both /dice updates come again and are handled
            assert fake.delivered()
            assert state(second) == after_duel  # no second lobby, stake or duel
            assert second.sql("SELECT count(*) FROM transfers WHERE kind = 'stake'") == [(2,)]
            assert second.balance(1) == 130 and second.balance(2) == 70
            assert (len(fake.texts(1)), len(fake.texts(2))) == texts  # and not a word
            assert len(fake.sent(method="sendDice")) == 2
        finally:
            await second.stop()
        assert second.audit() == []


async def test_no_money_or_lobby_update_acts_twice_across_a_restart(tmp_path):
    """Every kind of update that moves money or lobbies, delivered again after a restart:
    private bets (command, button, typed), /leave, /bonus, a group's /duel, Join, Start now,
    Cancel, Rematch, a thrown die, /ludice off and the bot's removal."""
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"daily_bonus": "5", "welcome_bonus": "1000"})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock)
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol"), (4, "Dave"), (5, "Eve")):
            await accept_terms(fake, user_id, name)
        await settle(first)
        since = len(fake.pushed)
        # private: a command bet, then /leave; a button bet and a typed bet
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(1, "/leave")
        await fake.wait_text(1, "You left lobby #1")
        fake.send_text(2, "/dice")
        await fake.wait_text(2, "Choose your bet")
        await press_button(fake, 2, "bet:dice:50")
        await fake.wait_text(2, "Lobby #2")
        fake.send_text(3, "/darts")
        await fake.wait_text(3, "Choose your bet")
        fake.send_text(3, "40")
        await fake.wait_text(3, "Lobby #3")
        fake.send_text(1, "/bonus")
        await fake.wait_text(1, "bonus")
        # a group: a bot-rolled duel started early, one cancelled, a rematch, a thrown die
        await open_group(first, seats="3")
        fake.script_dice(6, 1)
        group_say(fake, 1, "/duel 20")
        await fake.wait_for(lambda: card_of(fake, 4))
        card = card_of(fake, 4)[0]
        fake.press(4, "gj:4", message_id=card, chat_id=GROUP)
        await fake.wait_for(lambda: "Dave" in card_of(fake, 4)[1]["text"])
        fake.press(1, "gs:4", message_id=card, chat_id=GROUP)
        await fake.wait_text(GROUP, "Alice</b> wins")
        group_say(fake, 4, "/duel 25")
        await fake.wait_for(lambda: card_of(fake, 5))
        fake.press(4, "gc:5", message_id=card_of(fake, 5)[0], chat_id=GROUP)
        await fake.wait_for(lambda: "Withdrawn" in card_of(fake, 5)[1]["text"])
        rematch = next(m for (chat, _), m in sorted(fake.messages.items())
                       if chat == GROUP and "wins" in m.get("text", ""))
        fake.press(5, "gr:4", message_id=rematch["message_id"], chat_id=GROUP)
        await fake.wait_for(lambda: card_of(fake, 6))
        await settle(first)
        # play off and on again, the bot removed and added again: a challenge open at the end
        fake.send_text(100, "/ludice off", chat_id=GROUP, chat_type="supergroup")
        await fake.wait_text(GROUP, "Play is off")
        fake.send_text(100, "/ludice on", chat_id=GROUP, chat_type="supergroup")
        await fake.wait_for(lambda: len([t for t in fake.texts(GROUP) if "Play is on" in t]) == 2)
        fake.bot_status(GROUP, "left", by=100)
        await settle(first)
        fake.bot_status(GROUP, "member", by=100)
        await fake.wait_for(lambda: len([t for t in fake.texts(GROUP) if "I stay quiet" in t]) == 2)
        fake.send_text(100, "/ludice on", chat_id=GROUP, chat_type="supergroup")
        await fake.wait_for(lambda: len([t for t in fake.texts(GROUP) if "Play is on" in t]) == 3)
        group_say(fake, 4, "/duel 15")
        await fake.wait_for(lambda: card_of(fake, 7))
        await settle(first)
        replayed = fake.pushed[since:]
        assert len(replayed) >= 18
        await kill(first)
        before = state(first)
        texts = {chat: len(fake.texts(chat)) for chat in (1, 2, 3, 4, 5, GROUP)}
        bonus_paid = first.sql("SELECT count(*) FROM transfers WHERE kind = 'daily'")

        second = await start_bot(fake, db_path, clock)
        try:
            for update in replayed:
                fake.push_raw(dict(update))  # the same update ids, as Telegram redelivers
            await settle(second)
            assert state(second) == before
            assert second.sql("SELECT count(*) FROM transfers WHERE kind = 'daily'") == bonus_paid
            assert second.sql("SELECT enabled, present FROM groups") == [(1, 1)]
            assert len(fake.texts(GROUP)) == texts[GROUP]  # the group heard nothing again
            for chat in (1, 2, 3, 4, 5):  # prompts may come again; nothing about money or lobbies
                again = fake.texts(chat)[texts[chat]:]
                assert not [t for t in again if "obby" in t or "onus" in t], again
        finally:
            await second.stop()
        assert second.audit() == []


async def test_a_round_one_die_delivered_again_does_not_count_in_the_tie_break(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {"tie_rounds": "1"})
    clock = FakeClock()
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, clock, startup_grace=0)
        await open_group(first, throw="on", turn="30")
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        group_say(fake, 1, "/duel 20")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await fake.wait_text(GROUP, "throw your 🎲 now")
        alice = fake.send_dice(1, "🎲", 6, chat_id=GROUP, chat_type="supergroup")
        fake.send_dice(2, "🎲", 6, chat_id=GROUP, chat_type="supergroup")
        await fake.wait_text(GROUP, "round 2")  # a tie: both throw again
        await settle(first)
        await kill(first)

        second = await start_bot(fake, db_path, clock, startup_grace=0)
        try:
            fake.push_raw(dict(alice))  # Alice's six from round 1, delivered again
            await settle(second)
            rolls = "SELECT round, user_id, value FROM rolls ORDER BY round, user_id"
            assert second.sql(rolls) == [(1, 1, 6), (1, 2, 6)]  # round 2 waits for both
            assert second.sql("SELECT status, round FROM lobbies") == [("rolling", 2)]
        finally:
            await second.stop()
        assert second.audit() == []


async def test_a_database_from_another_bot_does_not_ignore_this_bots_updates(tmp_path):
    """Update ids count per bot: the ids another bot recorded as handled are not this bot's."""
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO meta (key, value) VALUES ('bot_id', '999')")
    conn.executemany("INSERT INTO handled_updates (update_id, handled_at) VALUES (?, 0)",
                     [(n,) for n in range(1, 501)])
    conn.commit()
    conn.close()
    async with FakeTelegram() as fake:
        running = await start_bot(fake, db_path)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(5, 2)
        fake.send_text(1, "/dice 30")
        fake.send_text(2, "/dice 30")
        await fake.wait_text(1, "You win")
        await settle(running)
        assert running.sql("SELECT status FROM lobbies") == [("settled",)]
        assert running.sql("SELECT value FROM meta WHERE key = 'bot_id'") == [
            (fake.token.split(":")[0],)]
