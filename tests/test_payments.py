"""The payments domain on a real SQLite file: payloads, pre-checkout, exactly-once credit,
two-step refunds, reconciliation, and the ledger invariant that ties stars to payments."""

from __future__ import annotations

import pytest
from conftest import add_user

from ludice import db, ledger, outbox, payments, users
from ludice.errors import LudiceError
from ludice.settings import DEFAULTS

ON = DEFAULTS.replace(stars_enabled=True, credits_per_star=10, star_packs=(15, 50))
NOW = 1_800_000_000


@pytest.fixture
def buyer(conn):
    add_user(conn, 1)
    add_user(conn, 2)
    with db.transaction(conn):
        users.accept_terms(conn, 1, NOW)
        users.accept_terms(conn, 2, NOW)
    return conn


def _payload(conn, stars=15, user=1):
    with db.transaction(conn):
        return payments.offer(conn, user, stars, settings=ON, now=NOW)[0]


def _refused(fn, *args, **kwargs) -> str:
    with pytest.raises(payments.PaymentRefused) as caught:
        fn(*args, **kwargs)
    return caught.value.reason


def test_payload_is_signed_short_and_tamper_evident(buyer):
    payload = _payload(buyer, 50)
    assert len(payload.encode()) <= 128
    parsed = payments.verify_payload(buyer, payload)
    assert (parsed.user_id, parsed.stars, parsed.credits) == (1, 50, 500)
    parts = payload.split(":")
    for i, forged in ((1, "2"), (2, "15"), (3, "5000"), (4, "000000000000")):
        altered = ":".join([*parts[:i], forged, *parts[i + 1:]])
        assert payments.verify_payload(buyer, altered) is None
    for junk in ("", "v1", "v2:" + payload[3:], payload + ":x", "v1:a:b:c:d:e"):
        assert payments.verify_payload(buyer, junk) is None


def test_offer_and_pre_checkout_refusals(buyer):
    assert _refused(payments.offer, buyer, 1, 15, settings=DEFAULTS, now=NOW) == "topups_off"
    assert _refused(payments.offer, buyer, 1, 16, settings=ON, now=NOW) == "unknown_pack"
    add_user(buyer, 3)  # never accepted the terms
    assert _refused(payments.offer, buyer, 3, 15, settings=ON, now=NOW) == "terms_needed"
    payload = _payload(buyer)
    check = payments.pre_checkout
    assert check(buyer, 1, payload, "XTR", 15, settings=ON, now=NOW).credits == 150
    assert _refused(check, buyer, 2, payload, "XTR", 15, settings=ON, now=NOW) == \
        "not_your_invoice"
    assert _refused(check, buyer, 1, payload, "XTR", 16, settings=ON, now=NOW) == "bad_invoice"
    assert _refused(check, buyer, 1, payload, "USD", 15, settings=ON, now=NOW) == "bad_invoice"
    with db.transaction(buyer):
        users.ban(buyer, 1, "chargebacks", NOW)
    assert _refused(check, buyer, 1, payload, "XTR", 15, settings=ON, now=NOW) == "banned"


def test_daily_topup_cap(buyer):
    capped = ON.replace(topups_per_day=2)
    for n in range(2):
        payload = _payload(buyer)
        with db.transaction(buyer):
            payments.credit(buyer, f"c{n}", 1, payload, 15, now=NOW)
    assert _refused(payments.offer, buyer, 1, 15, settings=capped, now=NOW) == "topup_cap"
    # a rolling 24 h window
    payments.offer(buyer, 1, 15, settings=capped, now=NOW + 86_401)


def test_credit_exactly_once_with_receipt(buyer):
    payload = _payload(buyer)
    with db.transaction(buyer):
        first, new = payments.credit(buyer, "ch", 1, payload, 15, now=NOW)
    with db.transaction(buyer):
        again, new_again = payments.credit(buyer, "ch", 1, payload, 15, now=NOW + 5)
    assert new and not new_again and first == again
    assert ledger.balance(buyer, 1) == 150
    receipts = [m for m in outbox.pending(buyer) if m.text_key == "topup_receipt"]
    assert len(receipts) == 1 and receipts[0].params["balance"] == 150
    with pytest.raises(LudiceError), db.transaction(buyer):
        payments.credit(buyer, "other", 2, payload, 15, now=NOW)  # not Bob's payload
    assert payments.get(buyer, "other") is None and ledger.audit(buyer) == []


def test_refund_takes_back_credits_and_records_shortfall(buyer):
    payload = _payload(buyer)
    with db.transaction(buyer):
        payments.credit(buyer, "ch", 1, payload, 15, now=NOW)
        ledger.adjust(buyer, 1, -100, reason="spent", key="k", now=NOW)
    with pytest.raises(LudiceError, match="allow-shortfall"), db.transaction(buyer):
        payments.begin_refund(buyer, "ch", reason="r", allow_shortfall=False, now=NOW)
    assert payments.get(buyer, "ch").status == "credited" and ledger.balance(buyer, 1) == 50
    with db.transaction(buyer):
        pending = payments.begin_refund(buyer, "ch", reason="r", allow_shortfall=True, now=NOW)
    assert (pending.status, pending.refund_taken, pending.refund_shortfall) == \
        ("refund_pending", 50, 100)
    with db.transaction(buyer):  # a retry of step 1 changes nothing
        assert payments.begin_refund(buyer, "ch", reason="r", allow_shortfall=True,
                                     now=NOW) == pending
        done = payments.finish_refund(buyer, "ch", now=NOW)
    assert done.status == "refunded" and ledger.balance(buyer, 1) == 0
    with pytest.raises(LudiceError, match="already refunded"), db.transaction(buyer):
        payments.begin_refund(buyer, "ch", reason="r", allow_shortfall=True, now=NOW)
    assert ledger.audit(buyer) == []


def test_reconcile_credits_missing_payments_and_records_outside_refunds(buyer):
    lost, known = _payload(buyer, 50), _payload(buyer, 15)
    with db.transaction(buyer):
        payments.credit(buyer, "known", 1, known, 15, now=NOW)
    user = {"id": 1, "is_bot": False, "first_name": "A"}
    transactions = [
        {"id": "lost", "amount": 50, "date": NOW, "source":
            {"type": "user", "user": user, "invoice_payload": lost}},
        {"id": "known", "amount": 15, "date": NOW, "source":
            {"type": "user", "user": user, "invoice_payload": known}},
        {"id": "tip", "amount": 3, "date": NOW, "source":
            {"type": "user", "user": user, "invoice_payload": "not ours"}},
        {"id": "known", "amount": 15, "date": NOW, "receiver": {"type": "user", "user": user}},
        {"id": "ads", "amount": 1, "date": NOW, "source": {"type": "telegram_ads"}},
    ]
    with db.transaction(buyer):
        report = payments.reconcile(buyer, transactions, now=NOW)
    assert report.credited == ["lost"] and report.refunds_recorded == ["known"]
    assert report.foreign == 1
    assert payments.get(buyer, "lost").source == "reconcile"
    assert payments.get(buyer, "known").status == "refunded"
    assert ledger.balance(buyer, 1) == 500
    with db.transaction(buyer):  # a second pass finds nothing new
        again = payments.reconcile(buyer, transactions, now=NOW)
    assert again.credited == [] and again.refunds_recorded == []
    assert ledger.audit(buyer) == []


def test_audit_ties_the_stars_account_to_payments(buyer):
    with db.transaction(buyer):
        ledger.transfer(buyer, debit=ledger.STARS, credit=1, amount=99, kind="topup",
                        key="forged", now=NOW)
    assert any("stars account issued 99" in p for p in ledger.audit(buyer))


def test_abandoned_refund_gives_credits_back_and_a_later_attempt_works(buyer):
    payload = _payload(buyer)
    with db.transaction(buyer):
        payments.credit(buyer, "ch", 1, payload, 15, now=NOW)
        payments.begin_refund(buyer, "ch", reason="r", allow_shortfall=False, now=NOW)
    assert ledger.balance(buyer, 1) == 0
    with db.transaction(buyer):
        back = payments.abort_refund(buyer, "ch", now=NOW)
    assert (back.status, back.refund_taken, back.refund_attempts) == ("credited", None, 1)
    assert ledger.balance(buyer, 1) == 150 and ledger.audit(buyer) == []
    with pytest.raises(LudiceError, match="only a pending refund"), db.transaction(buyer):
        payments.abort_refund(buyer, "ch", now=NOW)
    with db.transaction(buyer):  # a second attempt takes the credits again (new keys)
        again = payments.begin_refund(buyer, "ch", reason="r2", allow_shortfall=False, now=NOW)
        payments.finish_refund(buyer, "ch", now=NOW)
    assert again.refund_taken == 150 and ledger.balance(buyer, 1) == 0
    assert ledger.audit(buyer) == []


def test_reconcile_skips_amount_mismatches_and_handles_refunds_listed_first(buyer):
    good, short = _payload(buyer, 50), _payload(buyer, 15)
    user = {"id": 1, "is_bot": False, "first_name": "A"}
    transactions = [
        {"id": "good", "amount": 50, "date": NOW, "receiver": {"type": "user", "user": user}},
        {"id": "short", "amount": 13, "date": NOW, "source":
            {"type": "user", "user": user, "invoice_payload": short}},
        {"id": "good", "amount": 50, "date": NOW, "source":
            {"type": "user", "user": user, "invoice_payload": good}},
    ]
    with db.transaction(buyer):
        report = payments.reconcile(buyer, transactions, now=NOW)
    assert report.foreign == 1 and report.credited == ["good"]
    assert report.refunds_recorded == ["good"]
    assert payments.get(buyer, "good").status == "refunded"
    assert payments.get(buyer, "short") is None
    assert ledger.balance(buyer, 1) == 0 and ledger.audit(buyer) == []
