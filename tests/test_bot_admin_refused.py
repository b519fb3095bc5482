"""End to end: who may not use the admin commands, and what can't be done twice. A non-admin
hears exactly what any unknown command gets (nothing reveals that admin commands exist),
a forged or another admin's confirmation button does nothing, a redelivered confirmation
has no second effect, and a Stars refund goes through Telegram once."""

from __future__ import annotations

from botharness import (
    FakeTelegram,
    accept_terms,
    callback_answer,
    kill,
    prepare_db,
    running_bot,
    settle,
    start_bot,
    state,
)
from test_bot_admin import ADMIN, BOB, decide, players, reply
from test_bot_payments import STARS_ON, _pay

# Every admin command, each as an admin would type it (so only who sends it differs).
COMMANDS = ("/admin", "/user @bob", "/ban @bob spam", "/unban @bob", "/adjust @bob 50 gift",
            "/adjust @bob -500 take", "/lobbies", "/cancel 1 spam", "/refund c-1 asked",
            "/settings", "/set min_bet 20", "/stats", "/audit", "/ban", "/user")


async def test_non_admins_get_the_unknown_command_answer_and_change_nothing(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN})) as bot:
        fake = bot.fake
        await players(fake)
        await accept_terms(fake, 3, "Вера", lang="ru")
        fake.send_text(BOB, "/dice 30")  # a lobby a /cancel could name
        await fake.wait_text(BOB, "Waiting for an opponent")
        for user in (BOB, 3):
            unknown = await reply(fake, user, "/frobnicate")
            assert unknown in ("I didn't get that. Use the menu below or /help.",
                               "Не понял. Воспользуйтесь меню ниже или /help.")
            before = state(bot)
            for command in COMMANDS:
                assert await reply(fake, user, command) == unknown, (user, command)
            await settle(bot)
            assert state(bot) == before
        assert bot.sql("SELECT count(*) FROM admin_requests") == [(0,)]
        assert bot.sql("SELECT count(*) FROM users WHERE banned_at IS NOT NULL") == [(0,)]
        assert bot.sql("SELECT count(*) FROM settings WHERE key = 'min_bet'") == [(0,)]
        # The same commands from the admin do answer (so the refusal above was about who).
        assert (await reply(fake, ADMIN, "/audit")).startswith("✅")


async def test_forged_and_foreign_confirmation_buttons_change_nothing(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN, 3})) as bot:
        fake = bot.fake
        await players(fake)
        await accept_terms(fake, 3, "Cleo")
        assert "Ban @bob (2)?" in await reply(fake, ADMIN, "/ban @bob spam")
        [(request_id,)] = bot.sql("SELECT id FROM admin_requests")
        before = state(bot)
        # Bob forges the admin's Confirm and a menu button: the ordinary stale-button answer.
        for data in (f"ac:{request_id}:1", "av:stats", f"ac:{request_id}:0"):
            pressed = fake.press(BOB, data, message_id=1)
            assert (await callback_answer(fake, pressed)).params["text"] == (
                "This button is no longer valid.")
        # Another admin can't confirm a request that isn't theirs, nor an unknown one.
        for data in (f"ac:{request_id}:1", "ac:999:1", "ac:99999999999999999999:1"):
            pressed = fake.press(3, data, message_id=1)
            assert (await callback_answer(fake, pressed)).params["text"] == (
                "This button is no longer valid.")
        await settle(bot)
        assert state(bot) == before
        assert bot.sql("SELECT banned_at, decided_at FROM users, admin_requests"
                       " WHERE users.id = 2") == [(None, None)]
        assert not any("Bob 2" in t or "Banned" in t for t in fake.texts(BOB) + fake.texts(3))
        # The admin who asked still can.
        assert await decide(fake) == "🔨 Banned @bob (2)."


async def test_a_confirmation_delivered_again_after_a_crash_has_no_second_effect(tmp_path):
    db_path = tmp_path / "ludice.db"
    prepare_db(db_path, {})
    async with FakeTelegram() as fake:
        first = await start_bot(fake, db_path, admins=frozenset({ADMIN}))
        await players(fake)
        assert "by +40" in await reply(fake, ADMIN, "/adjust @bob 40 prize")
        since = len(fake.pushed)
        assert "balance now 140" in await decide(fake)
        await settle(first)
        pressed = fake.pushed[since:]
        await kill(first)  # Telegram never heard the press was handled
        before, texts = state(first), len(fake.texts(ADMIN))
        second = await start_bot(fake, db_path, admins=frozenset({ADMIN}))
        try:
            for update in pressed:
                fake.push_raw(dict(update))  # the same update id, as Telegram redelivers
            await settle(second)
            assert state(second) == before and second.balance(BOB) == 140
            assert len(fake.texts(ADMIN)) == texts
        finally:
            await second.stop()
        assert second.audit() == []


async def test_refund_a_stars_payment_from_telegram(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({ADMIN}), **STARS_ON) as bot:
        fake = bot.fake
        await players(fake)
        await _pay(bot, BOB, "c-1", "c-2", "c-3")
        assert bot.balance(BOB) == 450
        before = state(bot)
        for text, answer in [("/refund", "Usage: /refund"), ("/refund c-1", "A reason is needed"),
                             ("/refund c-404 asked", "no payment with charge id c-404")]:
            assert answer in await reply(fake, ADMIN, text), text
        assert state(bot) == before
        assert await reply(fake, ADMIN, "/refund c-1 asked nicely") == (
            "Refund payment c-1: 15 ⭐ back to user 2, and take back the 150 credits it "
            "bought?\nReason: asked nicely")
        assert "c-1" not in fake.refunded
        assert await decide(fake) == (
            "Refunded 15 ⭐ of payment c-1 to user 2; took back 150 credits.")
        assert "c-1" in fake.refunded and bot.balance(BOB) == 300
        assert bot.sql("SELECT status, refund_reason FROM payments WHERE charge_id = 'c-1'") == [
            ("refunded", "admin 1: asked nicely")]
        assert bot.sql("SELECT reference FROM transfers WHERE kind = 'topup_refund'") == [
            ("admin 1: asked nicely",)]
        assert "already refunded" in await reply(fake, ADMIN, "/refund c-1 again")
        # Telegram refuses for now: the intent stays recorded and reconciliation finishes it.
        fake.fail_next("refundStarPayment", error_code=500, description="Internal Server Error")
        assert "c-2" in await reply(fake, ADMIN, "/refund c-2 asked too")
        waiting = await decide(fake)
        assert "Telegram has not returned the stars yet" in waiting, waiting
        assert bot.sql("SELECT status FROM payments WHERE charge_id = 'c-2'") == [
            ("refund_pending",)]
        await bot.app.reconcile()
        assert bot.sql("SELECT status FROM payments WHERE charge_id = 'c-2'") == [("refunded",)]
        assert bot.balance(BOB) == 150
        # Bob spends some of what c-3 bought: only the CLI may refund it short.
        fake.send_text(BOB, "/dice 30")
        await fake.wait_text(BOB, "Waiting for an opponent")
        assert "--allow-shortfall" in await reply(fake, ADMIN, "/refund c-3 asked")
        await settle(bot)
        assert fake.refunded == {"c-1", "c-2"}


async def test_admins_need_not_accept_the_players_terms(tmp_path):
    async with running_bot(tmp_path, admins=frozenset({5})) as bot:
        fake = bot.fake
        await accept_terms(fake, BOB, "Bob", username="bob")
        fake.user(5, first_name="Operator")
        fake.user(6, first_name="Stranger")
        assert (await reply(fake, 5, "/admin")).startswith("🛠 <b>Admin</b>")
        assert "Ban @bob (2)?" in await reply(fake, 5, "/ban @bob spam")
        assert await decide(fake, 5) == "🔨 Banned @bob (2)."
        assert (await reply(fake, 5, "/status")).startswith("✅")
        # Playing still takes the terms, for admins too; and nobody else skips them.
        terms = await reply(fake, 6, "/frobnicate")
        assert "accept the terms" in terms
        assert await reply(fake, 5, "/play") == terms
        for command in ("/admin", "/ban @bob spam", "/status"):
            assert await reply(fake, 6, command) == terms
        assert bot.sql("SELECT id FROM users WHERE id IN (5, 6)") == []
