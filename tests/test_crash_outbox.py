"""Crash points around what players are told and what the audit reads: a group result the
group refuses (the bot was removed while it waited) goes to each player privately, once; and
the ledger audit reads one snapshot, so a writer busy beside it never makes it see a
violation that never was."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest
from botharness import (
    GROUP,
    accept_terms,
    card_of,
    group_say,
    open_group,
    running_bot,
    settle,
)

from ludice import db, games, ledger, refunds, users
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
