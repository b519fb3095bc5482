"""End to end: Stars top-ups, refunds, reconciliation and the daily bonus through the fake
Bot API. Every test ends with a clean ledger audit (running_bot checks it)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from botharness import FakeClock, accept_terms, press_button, running_bot, start_bot

from ludice import db, payments

STARS_ON = {"stars_enabled": "on", "credits_per_star": 10, "star_packs": "15,50,100",
            "welcome_bonus": 0}


async def _buy(bot, user_id: int, stars: int = 50) -> dict:
    """Open /topup, pick a pack and return the sendInvoice parameters."""
    fake = bot.fake
    invoices = len(fake.sent(user_id, "sendInvoice"))
    fake.send_text(user_id, "/topup")
    await press_button(fake, user_id, f"pack:{stars}")
    await fake.wait_for(lambda: len(fake.sent(user_id, "sendInvoice")) > invoices)
    return fake.sent(user_id, "sendInvoice")[-1].params


async def _pay(bot, user_id: int, *charges: str) -> None:
    """Buy the 15-star pack once per charge id and wait until each payment is credited. One
    /topup menu serves every purchase (its pack button pressed again): a /topup each would
    be more payment actions than the bot takes from one player in a minute."""
    fake = bot.fake
    for number, charge in enumerate(charges):
        if number == 0:
            payload = (await _buy(bot, user_id, 15))["payload"]
        else:
            invoices = len(fake.sent(user_id, "sendInvoice"))
            await press_button(fake, user_id, "pack:15")
            await fake.wait_for(lambda n=invoices: len(fake.sent(user_id, "sendInvoice")) > n)
            payload = fake.sent(user_id, "sendInvoice")[-1].params["payload"]
        bot.fake.successful_payment(user_id, payload, 15, charge)
        await bot.fake.wait_for(lambda c=charge: bot.sql(
            "SELECT 1 FROM payments WHERE charge_id = ?", c))


def _answers(fake) -> list[dict]:
    return [c.params for c in fake.sent(method="answerPreCheckoutQuery")]


async def _pre_checkout(fake, user_id: int, payload: str, amount: int) -> dict:
    before = len(_answers(fake))
    fake.pre_checkout(user_id, payload, amount)
    await fake.wait_for(lambda: len(_answers(fake)) > before)
    return _answers(fake)[-1]


async def _cli(bot, *args: str) -> subprocess.CompletedProcess:
    # Not subprocess.run: the fake Bot API answers the CLI from this test's event loop.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ludice", *args, "--db", str(bot.db_path),
        "--token", bot.fake.token, "--api-url", bot.fake.base_url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


async def test_invoice_pre_checkout_payment_and_receipt(tmp_path):
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        invoice = await _buy(bot, 1, 50)
        assert invoice["currency"] == "XTR" and invoice.get("provider_token", "") == ""
        assert [p["amount"] for p in invoice["prices"]] == [50]
        assert len(invoice["payload"].encode()) <= 128
        answer = await _pre_checkout(fake, 1, invoice["payload"], 50)
        assert answer["ok"] is True
        fake.successful_payment(1, invoice["payload"], 50, "charge-1")
        receipt = await fake.wait_text(1, "Payment received")
        assert "500" in receipt and bot.balance(1) == 500
        # the same delivery again credits nothing more
        fake.successful_payment(1, invoice["payload"], 50, "charge-1")
        fake.send_text(1, "/paysupport")
        support = await fake.wait_text(1, "Payment support")
        assert "charge-1" in support and bot.balance(1) == 500
        assert bot.sql("SELECT count(*) FROM payments") == [(1,)]


async def test_pre_checkout_refuses_forged_payloads_and_other_payers(tmp_path):
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        await accept_terms(fake, 2, "Bob")
        payload = (await _buy(bot, 1, 15))["payload"]
        parts = payload.split(":")
        richer = ":".join([*parts[:3], "999999", *parts[4:]])  # more credits, same signature
        for forged, amount in ((richer, 15), ("v1:1:15:150:abc:deadbeef", 15), ("junk", 15),
                               (payload, 14)):
            answer = await _pre_checkout(fake, 1, forged, amount)
            assert answer["ok"] is False and "not valid" in answer["error_message"]
        answer = await _pre_checkout(fake, 2, payload, 15)  # Bob pays Alice's invoice
        assert answer["ok"] is False and "another player" in answer["error_message"]
        # stars switched off between invoice and payment
        conn = db.open_db(bot.db_path)
        with db.transaction(conn):
            from ludice import settings
            settings.set_value(conn, "stars_enabled", "off", 0)
        conn.close()
        answer = await _pre_checkout(fake, 1, payload, 15)
        assert answer["ok"] is False and "turned off" in answer["error_message"]
        assert bot.balance(1) == 0 and bot.balance(2) == 0


async def test_topups_off_and_payment_rate_limit(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=0) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        fake.send_text(1, "/topup")
        await fake.wait_text(1, "turned off")
    (tmp_path / "b").mkdir()
    async with running_bot(tmp_path / "b", **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        for _ in range(6):
            fake.send_text(1, "/topup")
        await fake.wait_for(lambda: any("Too many payment actions" in c.params.get("text", "")
                                        for c in fake.sent(1, "sendMessage")))
        menus = [c for c in fake.sent(1, "sendMessage") if "Choose a pack" in c.params["text"]]
        assert len(menus) == 5


async def test_payment_delivered_but_not_credited_is_credited_by_reconciliation(tmp_path):
    db_path = tmp_path / "ludice.db"
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        payload = (await _buy(bot, 1, 100))["payload"]
        # Telegram took the stars, but the process died before the update was handled:
        # the payment only shows up in getStarTransactions.
        lost = {"id": "charge-lost", "amount": 100, "date": 1_800_000_000,
                "source": {"type": "user", "user": fake.user(1),
                           "invoice_payload": payload}}
        foreign = {"id": "gift", "amount": 5, "date": 1_800_000_000,
                   "source": {"type": "user", "user": fake.user(3), "invoice_payload": "x"}}
        fake.set_response("getStarTransactions", {"transactions": [lost, foreign]})
        await bot.stop()
        assert bot.balance(1) == 0
        restarted = await start_bot(fake, db_path)  # reconciles at start-up
        await fake.wait_text(1, "Payment received")
        assert restarted.balance(1) == 1000
        assert restarted.sql("SELECT source FROM payments") == [("reconcile",)]
        await restarted.stop()
        # on demand, again: nothing new to credit
        done = await _cli(restarted, "payment", "reconcile", "--json")
        assert done.returncode == 0, done.stderr
        assert '"credited": []' in done.stdout and '"not_ours": 1' in done.stdout
        assert restarted.balance(1) == 1000 and restarted.audit() == []


async def test_refund_twice_and_refund_of_spent_credits(tmp_path):
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        await _pay(bot, 1, "c-1", "c-2")
        assert bot.balance(1) == 300

        done = await _cli(bot, "payment", "refund", "c-1", "--reason", "asked nicely")
        assert done.returncode == 0, done.stderr
        assert bot.balance(1) == 150 and "c-1" in fake.refunded
        again = await _cli(bot, "payment", "refund", "c-1", "--reason", "again")
        assert again.returncode == 1 and "already refunded" in again.stderr
        assert bot.balance(1) == 150
        assert len(fake.sent(method="refundStarPayment")) == 1

        # spend all but 50 of the credits c-2 bought, then try to refund it
        conn = db.open_db(bot.db_path)
        from ludice import ledger
        with db.transaction(conn):
            ledger.adjust(conn, 1, -100, reason="spent", key="spend", now=0)
        conn.close()
        refused = await _cli(bot, "payment", "refund", "c-2", "--reason", "r")
        assert refused.returncode == 1 and "--allow-shortfall" in refused.stderr
        assert bot.balance(1) == 50 and "c-2" not in fake.refunded
        forced = await _cli(bot, "payment", "refund", "c-2", "--reason", "r", "--allow-shortfall")
        assert forced.returncode == 0 and "shortfall 100" in forced.stdout
        assert bot.balance(1) == 0
        assert bot.sql("SELECT status, refund_taken, refund_shortfall FROM payments"
                       " WHERE charge_id = 'c-2'") == [("refunded", 50, 100)]


async def test_refund_interrupted_after_telegram_is_finished_by_a_retry(tmp_path):
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        payload = (await _buy(bot, 1, 15))["payload"]
        fake.successful_payment(1, payload, 15, "c-9")
        await fake.wait_for(lambda: bot.balance(1) == 150)
        # The admin's refund recorded its intent, Telegram returned the stars, and the CLI
        # died before writing that down.
        conn = db.open_db(bot.db_path)
        with db.transaction(conn):
            payments.begin_refund(conn, "c-9", reason="r", allow_shortfall=False, now=0)
        conn.close()
        fake.refunded.add("c-9")
        assert bot.balance(1) == 0
        retry = await _cli(bot, "payment", "refund", "c-9", "--reason", "r")
        assert retry.returncode == 0, retry.stderr  # CHARGE_ALREADY_REFUNDED counts as done
        assert bot.sql("SELECT status FROM payments") == [("refunded",)]
        assert bot.balance(1) == 0


async def test_daily_bonus_once_per_24_hours(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, daily_bonus=50, welcome_bonus=0) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        fake.send_text(1, "/bonus")
        await fake.wait_text(1, "Daily bonus collected")
        assert bot.balance(1) == 50
        clock.advance(3600)
        fake.send_text(1, "/bonus")
        await fake.wait_text(1, "due in 23 h 0 min")
        assert bot.balance(1) == 50
        clock.advance(23 * 3600)
        fake.send_text(1, "/bonus")
        await fake.wait_for(lambda: bot.balance(1) == 100)
    (tmp_path / "off").mkdir()
    async with running_bot(tmp_path / "off", daily_bonus=0) as bot:
        await accept_terms(bot.fake, 1)
        bot.fake.send_text(1, "/bonus")
        await bot.fake.wait_text(1, "no daily bonus")


async def test_a_refund_telegram_refuses_can_be_abandoned(tmp_path):
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        await _pay(bot, 1, "c-1", "c-2")
        fake.fail_next("refundStarPayment", error_code=400,
                       description="Bad Request: CHARGE_NOT_FOUND")
        failed = await _cli(bot, "payment", "refund", "c-1", "--reason", "r")
        assert failed.returncode == 1 and "run the same command again" in failed.stderr
        assert bot.balance(1) == 150  # c-1's credits are held back while pending
        [(status, error)] = bot.sql("SELECT status, refund_error FROM payments"
                                    " WHERE charge_id = 'c-1'")
        assert status == "refund_pending" and "CHARGE_NOT_FOUND" in error
        aborted = await _cli(bot, "payment", "refund", "c-1", "--abort")
        assert aborted.returncode == 0 and "credits are back" in aborted.stdout
        assert bot.balance(1) == 300
        assert bot.sql("SELECT status, refund_attempts FROM payments WHERE charge_id = 'c-1'"
                       ) == [("credited", 1)]
        # Telegram did refund c-2 although we never heard back: --abort finishes it instead
        pending = await _cli(bot, "payment", "refund", "c-2", "--reason", "r")
        assert pending.returncode == 0
        conn = db.open_db(bot.db_path)
        with db.transaction(conn):
            conn.execute("UPDATE payments SET status = 'refund_pending' WHERE charge_id = 'c-2'")
        conn.close()
        fake.set_response("getStarTransactions", {"transactions": [
            {"id": "c-2", "amount": 15, "date": 1_800_000_000,
             "receiver": {"type": "user", "user": fake.user(1)}}]})
        finished = await _cli(bot, "payment", "refund", "c-2", "--abort")
        assert finished.returncode == 0, finished.stderr
        assert bot.sql("SELECT status FROM payments WHERE charge_id = 'c-2'") == [("refunded",)]
        assert bot.balance(1) == 150


async def test_a_player_pays_with_the_pay_button_and_gets_the_stars_back(tmp_path):
    async with running_bot(tmp_path, **STARS_ON) as bot:
        fake = bot.fake
        await accept_terms(fake, 1)
        await _buy(bot, 1, 50)
        [invoice_id] = [key[1] for key, m in fake.messages.items() if key[0] == 1
                        and "invoice" in m]
        outcome = await fake.pay(1, 1, invoice_id)  # pre-checkout, the bot says yes, paid
        assert outcome.status == "paid" and fake.stars(1) == 950
        await fake.wait_text(1, "Payment received")
        await fake.wait_for(lambda: bot.balance(1) == 500)
        done = await _cli(bot, "payment", "refund", outcome.charge_id, "--reason", "asked")
        assert done.returncode == 0, done.stderr
        assert fake.stars(1) == 1000 and bot.balance(1) == 0
