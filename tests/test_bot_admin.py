"""End to end: the admin commands in Telegram, from an admin (asked, confirmed, recorded with
the admin's id) and with bad input (a clear answer, nothing changed). Every test ends with a
clean ledger audit (running_bot checks it). Non-admins: test_bot_admin_refused.py."""

from __future__ import annotations

import sqlite3

from botharness import (
    FakeClock,
    accept_terms,
    callback_answer,
    find_button,
    running_bot,
    settle,
    state,
)

from ludice import admin

ADMIN, BOB = 1, 2


async def reply(fake, user_id: int, text: str) -> str:
    """Send `text` and return the bot's next message to that chat."""
    seen = len(fake.texts(user_id))
    fake.send_text(user_id, text)
    await fake.wait_for(lambda: len(fake.texts(user_id)) > seen)
    return fake.texts(user_id)[seen]


async def decide(fake, user_id: int = ADMIN, yes: bool = True) -> str:
    """Press Confirm (or Cancel) on the newest confirmation; returns what it turned into."""
    message_id, data = await fake.wait_for(lambda: find_button(fake, user_id, "ac:"))
    seen = len(fake.texts(user_id))
    fake.press(user_id, f"{data.rsplit(':', 1)[0]}:{int(yes)}", message_id=message_id)
    await fake.wait_for(lambda: len(fake.texts(user_id)) > seen)
    return fake.texts(user_id)[seen]


def corrupt(bot, credits: int) -> None:
    conn = sqlite3.connect(bot.db_path)
    with conn:
        conn.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (credits, BOB))
    conn.close()


async def players(fake) -> None:
    await accept_terms(fake, ADMIN, "Ada")
    await accept_terms(fake, BOB, "Bob", username="bob")


async def test_ban_and_unban_are_asked_confirmed_and_recorded(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN})) as bot:
        fake = bot.fake
        await players(fake)
        assert "Usage: /ban" in await reply(fake, ADMIN, "/ban")
        assert "A reason is needed" in await reply(fake, ADMIN, "/ban @bob")
        assert "No player @nobody" in await reply(fake, ADMIN, "/ban @nobody spam")
        assert "No player 999" in await reply(fake, ADMIN, "/ban 999 spam")
        asked = await reply(fake, ADMIN, "/ban @bob spamming the group")
        assert asked == "🔨 Ban @bob (2)?\nReason: spamming the group"
        assert bot.sql("SELECT banned_at FROM users WHERE id = 2") == [(None,)]
        assert await decide(fake) == "🔨 Banned @bob (2)."
        assert bot.sql("SELECT ban_reason, banned_by FROM users WHERE id = 2") == [
            ("spamming the group", ADMIN)]
        assert "already banned: spamming the group" in await reply(fake, ADMIN, "/ban 2 again")
        card = await reply(fake, ADMIN, "/user @bob")
        assert "Bob</b> @bob (<code>2</code>)" in card and "(by admin 1)" in card
        assert "Admin: no" in card and "Admin: yes" in await reply(fake, ADMIN, "/user 1")

        assert "Lift the ban on @bob (2)?" in await reply(fake, ADMIN, "/unban @bob")
        assert await decide(fake) == "Ban lifted: @bob (2)."
        assert bot.sql("SELECT banned_at, banned_by FROM users WHERE id = 2") == [(None, None)]
        assert "is not banned" in await reply(fake, ADMIN, "/unban @bob")
        # Every action is kept with its admin and reason.
        assert bot.sql("SELECT admin_id, action, target, reason, outcome FROM admin_requests"
                       ) == [(1, "ban", "2", "spamming the group", "confirmed"),
                             (1, "unban", "2", "", "confirmed")]


async def test_adjust_through_the_ledger_with_the_admin_in_the_reference(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN})) as bot:
        fake = bot.fake
        await players(fake)
        before = state(bot)
        for text, answer in [
            ("/adjust @bob", "Usage: /adjust"),
            ("/adjust @bob 50", "A reason is needed"),
            ("/adjust @bob fifty goodwill", "not fifty"),
            ("/adjust @bob 0 goodwill", "other than 0"),
            ("/adjust @ghost 5 goodwill", "No player @ghost"),
            ("/adjust @bob -101 clawback", "@bob (2) holds 100 credits; cannot take 101"),
        ]:
            assert answer in await reply(fake, ADMIN, text), text
        assert state(bot) == before and bot.sql("SELECT count(*) FROM admin_requests") == [(0,)]

        assert await reply(fake, ADMIN, "/adjust @bob +50 lost in an outage") == (
            "💰 Change the balance of @bob (2) by +50: 100 → 150?\nReason: lost in an outage")
        assert bot.balance(BOB) == 100  # not before the confirmation
        assert await decide(fake) == "💰 @bob (2): +50, balance now 150."
        assert bot.sql("SELECT debit_id, credit_id, amount, kind, reference FROM transfers"
                       " WHERE kind = 'adjust'") == [(-5, 2, 50, "adjust",
                                                      "admin 1: lost in an outage")]
        # A second press of the same button does nothing more.
        assert find_button(fake, ADMIN, "ac:") is None  # the confirmation lost its buttons
        request_id = bot.sql("SELECT max(id) FROM admin_requests")[0][0]
        pressed = fake.press(ADMIN, f"ac:{request_id}:1", message_id=1)
        assert (await callback_answer(fake, pressed)).params["text"] == (
            "This request was already answered; nothing more changed.")
        # Said no: nothing happens, and a yes after the no changes nothing either.
        assert "by -30" in await reply(fake, ADMIN, "/adjust 2 -30 typo")
        assert await decide(fake, yes=False) == "Cancelled; nothing changed."
        pressed = fake.press(ADMIN, f"ac:{request_id + 1}:1", message_id=1)
        assert "already answered" in (await callback_answer(fake, pressed)).params["text"]
        await settle(bot)
        assert bot.balance(BOB) == 150
        assert bot.sql("SELECT outcome FROM admin_requests ORDER BY id") == [
            ("confirmed",), ("dropped",)]


async def test_a_confirmation_checks_again_and_expires(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, admins=frozenset({ADMIN})) as bot:
        fake = bot.fake
        await players(fake)
        assert "by -80" in await reply(fake, ADMIN, "/adjust @bob -80 clawback")
        # Bob stakes 30 before the admin confirms: the balance no longer covers it.
        fake.send_text(BOB, "/dice 30")
        await fake.wait_text(BOB, "Waiting for an opponent")
        before = state(bot)
        assert await decide(fake) == (
            "@bob (2) holds 70 credits; cannot take 80. Nothing changed.")
        assert state(bot) == before
        assert "by -10" in await reply(fake, ADMIN, "/adjust @bob -10 clawback")
        clock.advance(admin.REQUEST_TTL + 1)
        assert await decide(fake) == (
            "This confirmation expired: send the command again. Nothing changed.")
        assert state(bot) == before


async def test_lobbies_and_cancel(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN})) as bot:
        fake = bot.fake
        await players(fake)
        assert await reply(fake, ADMIN, "/lobbies") == "No lobbies in play."
        fake.send_text(BOB, "/dice 30")
        await fake.wait_text(BOB, "Waiting for an opponent")
        listed = await reply(fake, ADMIN, "/lobbies")
        assert "#1 🎲 bet 30 · open · private · players 2" in listed
        before = state(bot)
        for text, answer in [("/cancel", "Usage: /cancel"), ("/cancel 1", "A reason is needed"),
                             ("/cancel 99 spam", "There is no lobby #99"),
                             ("/cancel abc spam", "abc is not a lobby id"),
                             ("/cancel 99999999999999999999 x", "is not a lobby id")]:
            assert answer in await reply(fake, ADMIN, text), text
        assert state(bot) == before
        assert "Cancel lobby #1 (open, bet 30) and refund the stakes of its 1 player?" in (
            await reply(fake, ADMIN, "/cancel #1 table flipped"))
        assert await decide(fake) == (
            "Lobby #1 cancelled: refunded the stakes of 1 player and told them.")
        notice = await fake.wait_text(BOB, "table flipped")
        assert "30" in notice
        await settle(bot)
        assert bot.balance(BOB) == 100
        assert bot.sql("SELECT status, cancel_reason, cancelled_by FROM lobbies") == [
            ("cancelled", "table flipped", ADMIN)]
        assert "already over (cancelled)" in await reply(fake, ADMIN, "/cancel 1 again")


async def test_settings_stats_audit_and_the_menu(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN})) as bot:
        fake = bot.fake
        await players(fake)
        menu = await reply(fake, ADMIN, "/admin")
        assert "/adjust @name|id ±N reason…" in menu and "/audit" in menu
        message_id, data = await fake.wait_for(lambda: find_button(fake, ADMIN, "av:stats"))
        seen = len(fake.texts(ADMIN))
        fake.press(ADMIN, data, message_id=message_id)
        await fake.wait_for(lambda: len(fake.texts(ADMIN)) > seen)
        stats = fake.texts(ADMIN)[-1]
        assert "<code>users</code>: 2" in stats and "<code>credits_held_by_users</code>: 200" in (
            stats)
        assert await reply(fake, ADMIN, "/stats") == stats
        assert (await reply(fake, ADMIN, "/audit")).startswith("✅ Ledger audit: clean.")
        corrupt(bot, +5)  # a balance changed behind the ledger's back
        assert await reply(fake, ADMIN, "/audit") == (
            "⚠️ Ledger audit found 2 problems:\n• balances sum to 5, not 0\n"
            "• account user:2 holds 105 but its transfers add up to 100")
        corrupt(bot, -5)
        shown = await reply(fake, ADMIN, "/settings")
        assert "<code>min_bet</code> = <b>10</b> — smallest bet in credits" in shown
        assert "<code>reveal_delay_seconds</code> = <b>0.05</b> (default 4.0)" in shown

        for text, answer in [("/set", "Usage: /set"), ("/set min_bet", "Usage: /set"),
                             ("/set min_bet ten", "min_bet must be a whole number"),
                             ("/set nope 1", "unknown setting 'nope'"),
                             ("/set min_bet 20000", "cannot exceed max_bet")]:
            assert answer in await reply(fake, ADMIN, text), text
        assert await reply(fake, ADMIN, "/set quick_bets 50, 20") == (
            "Change quick_bets from 10,50,100,500 to 20,50?")
        assert await decide(fake) == "Saved: quick_bets = 20,50"
        assert bot.sql("SELECT value, updated_by FROM settings WHERE key = 'quick_bets'") == [
            ("20,50", ADMIN)]
        assert "<code>quick_bets</code> = <b>20,50</b> (default 10,50,100,500)" in (
            await reply(fake, ADMIN, "/settings"))
