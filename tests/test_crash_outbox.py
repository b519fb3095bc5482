"""Crash points around what players are told and what the audit reads: a group result the
group refuses (the bot was removed while it waited) goes to each player privately, once; a
message sent while its mark waits to ride with the next write (ludice.commits) goes out
again after a crash, never twice without one, and a stop writes the mark; and the ledger
audit reads one snapshot, so a writer busy beside it never makes it see a violation that
never was."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest
from botharness import (
    GROUP,
    FakeTelegram,
    Running,
    accept_terms,
    card_of,
    group_say,
    kill,
    open_group,
    prepare_db,
    running_bot,
    settle,
    start_bot,
)

from ludice import db, games, ledger, outbox, refunds, users
from ludice import settings as game_settings
from ludice.playground.emulator import ApiError

REFUSALS = [
    ("Forbidden: bot was kicked from the supergroup chat", 403),
    ("Bad Request: chat not found", 400),
    ("Bad Request: not enough rights to send text messages to the chat", 400),
]


@pytest.mark.parametrize(("refusal", "code"), REFUSALS)
async def test_a_result_the_group_refuses_reaches_each_player_privately(tmp_path, refusal,
                                                                        code):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob", lang="ru")
        inner = fake.handler("sendMessage")
        removed = asyncio.Event()
        held = asyncio.Event()

        async def result_waits(p: dict[str, Any]) -> Any:
            if int(p["chat_id"]) == GROUP and "wins" in p.get("text", ""):
                held.set()  # waiting its turn in the group (pacing, a 429)...
                await removed.wait()
                raise ApiError(refusal, code)  # ...and by then the group refuses it
            return inner(p)

        fake.set_response("sendMessage", result_waits)
        fake.script_dice(6, 2)
        group_say(fake, 1, "/duel 30")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await asyncio.wait_for(held.wait(), 5)
        fake.bot_status(GROUP, "kicked", by=100)
        await fake.wait_for(lambda: bot.sql("SELECT present FROM groups") == [(0,)])
        removed.set()
        alice = await fake.wait_text(1, "Dice Club")
        bob = await fake.wait_text(2, "Dice Club")
        await settle(bot)
        assert "could not post this there" in alice
        assert "Challenge #1: Alice 🎲6 · Bob 🎲2" in alice
        assert "<b>Alice</b> wins <b>60</b>" in alice
        assert "Вызов #1: Alice 🎲6 · Bob 🎲2" in bob  # in Bob's own language
        assert "reply_markup" not in fake.sent(1)[-1].params  # no Rematch in a private chat
        for user_id in (1, 2):  # once each
            assert sum("Dice Club" in t for t in fake.texts(user_id)) == 1
        assert bot.sql("SELECT count(*) FROM outbox WHERE chat_id = ? AND error IS NOT NULL",
                       GROUP) == [(1,)]
        await bot.app.mailer.drain()
        await settle(bot)
        for user_id in (1, 2):
            assert sum("Dice Club" in t for t in fake.texts(user_id)) == 1
        assert bot.balance(1) == 130 and bot.balance(2) == 70


RECEIPT = "Receipt id: <code>c-1</code>"


async def _receipt_sent_mark_waiting(bot: Running) -> None:
    """A receipt goes out while its mark waits: no other write comes to take it along."""
    bot.app.jobs.scheduler.pause()  # the heartbeat and the sweeps write too
    bot.app.store.commits.ride_seconds = 3600
    await bot.app.store.write(outbox.add, 1, "topup_receipt", 1, stars=5, credits=50,
                              charge_id="c-1", balance=50)
    bot.app.mailer.kick()
    await bot.fake.wait_for(lambda: RECEIPT in "".join(bot.fake.texts(1)))


def _pending(bot: Running) -> list[tuple]:
    return bot.sql("SELECT id FROM outbox WHERE sent_at IS NULL")


async def _alice_with_a_waiting_mark(fake: FakeTelegram, db_path) -> Running:
    """A bot on a fresh file, Alice in, and her receipt sent with its mark waiting."""
    prepare_db(db_path, {})
    bot = await start_bot(fake, db_path)
    await accept_terms(fake, 1, "Alice")
    await settle(bot)
    await _receipt_sent_mark_waiting(bot)
    return bot


async def test_a_message_whose_mark_waits_goes_out_once_until_a_crash_and_again_after(
        tmp_path):
    db_path = tmp_path / "ludice.db"
    async with FakeTelegram() as fake:
        first = await _alice_with_a_waiting_mark(fake, db_path)
        for _ in range(3):  # each round reads it pending: the mailer knows it went out
            await first.app.mailer.drain()
        assert len(_pending(first)) == 1
        assert sum(RECEIPT in text for text in fake.texts(1)) == 1
        await kill(first)  # the mark never landed

        second = await start_bot(fake, db_path)
        try:
            await settle(second)  # at least once: the receipt goes out again, and is marked
            assert sum(RECEIPT in text for text in fake.texts(1)) == 2
            assert _pending(second) == []
        finally:
            await second.stop()


async def test_a_mark_rides_with_the_next_write_and_a_stop_writes_it(tmp_path):
    db_path = tmp_path / "ludice.db"
    async with FakeTelegram() as fake:
        first = await _alice_with_a_waiting_mark(fake, db_path)
        await first.app.store.write(lambda conn: None)  # any unit of work takes it along
        assert _pending(first) == []
        await _receipt_sent_mark_waiting(first)  # a second one, its mark still waiting
        assert len(_pending(first)) == 1
        await first.stop()
        assert _pending(first) == []  # the stop wrote it

        second = await start_bot(fake, db_path)
        try:
            await settle(second)
            assert sum(RECEIPT in text for text in fake.texts(1)) == 2  # nothing again
        finally:
            await second.stop()


def _players(path, count: int) -> None:
    conn = db.open_current(path)
    try:
        with db.transaction(conn):
            for user_id in range(1, count + 1):
                users.register(conn, user_id, first_name=f"P{user_id}", username=None,
                               language_code="en", welcome_bonus=1000, now=1)
    finally:
        conn.close()


def _busy_writer(path, stop: threading.Event, done: list[int]) -> None:
    """Players enter and leave lobbies as fast as SQLite lets them: stakes move into escrow
    and back out again, each move one transaction."""
    conn = db.open_current(path)
    settings = game_settings.load(conn)
    try:
        while not stop.is_set():
            for user_id in (1, 2, 3):
                with db.transaction(conn):
                    games.enter(conn, user_id, "dice", 10 * user_id, settings=settings, now=2)
                with db.transaction(conn):
                    refunds.leave(conn, user_id, None, now=2)
                done[0] += 1
    finally:
        conn.close()


@pytest.mark.parametrize("parallel", [False, True], ids=["one connection", "two connections"])
def test_the_audit_beside_a_busy_writer_never_sees_a_false_violation(db_path, parallel):
    _players(db_path, 3)
    stop, done = threading.Event(), [0]
    writer = threading.Thread(target=_busy_writer, args=(db_path, stop, done))
    writer.start()
    conn = db.open_current(db_path)
    try:
        found, audits = [], 0
        while audits < 300 or done[0] < 40:  # hundreds of each, interleaved
            found += ledger.audit(conn, parallel=parallel)
            audits += 1
        assert not conn.in_transaction  # the snapshot ends with the audit
    finally:
        stop.set()
        writer.join()
        conn.close()
    assert found == [], f"{len(found)} false violations in {audits} audits: {found[:3]}"


def test_the_audit_sees_a_real_violation_inside_its_snapshot(db_path):
    _players(db_path, 1)
    raw = sqlite3.connect(db_path)
    raw.execute("DROP TRIGGER transfers_apply")  # a balance that moves without a transfer
    raw.execute("UPDATE accounts SET balance = balance + 5 WHERE id = 1")
    raw.commit()
    raw.close()
    conn = db.open_current(db_path)
    try:
        assert ledger.audit(conn) == ["balances sum to 5, not 0",
                                      "account user:1 holds 1005 but its transfers add up to 1000"]
        with db.transaction(conn):  # inside the caller's own transaction, the same answer
            assert len(ledger.audit(conn)) == 2
    finally:
        conn.close()
