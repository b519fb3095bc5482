"""Telegram Stars: signed invoice payloads, exactly-once crediting, refunds and
reconciliation. No aiogram: the bot and the CLI fetch from Telegram and pass plain Bot API
JSON in.

Money path: stars (source account) -> user when a payment is credited; user -> stars when an
admin refunds it. The payments row and its transfer are always written in one transaction."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ludice import ledger, limits, outbox, users
from ludice.errors import LudiceError, Refused
from ludice.settings import Settings

PAYLOAD_VERSION = "v1"
DAY = 86_400


class PaymentRefused(Refused):
    """A payment step refused; the payer reads the reason."""


@dataclass(frozen=True)
class Payload:
    user_id: int
    stars: int
    credits: int
    nonce: str


@dataclass(frozen=True)
class Payment:
    charge_id: str
    user_id: int
    stars: int
    credits: int
    source: str
    status: str
    created_at: int
    refund_reason: str | None
    refund_taken: int | None
    refund_shortfall: int | None
    refunded_at: int | None
    refund_error: str | None
    refund_attempts: int


_COLUMNS = ("charge_id, user_id, stars, credits, source, status, created_at, refund_reason,"
            " refund_taken, refund_shortfall, refunded_at, refund_error, refund_attempts")


def _secret(conn: sqlite3.Connection) -> bytes:
    return bytes.fromhex(conn.execute(
        "SELECT value FROM meta WHERE key = 'payload_secret'").fetchone()[0])


def _sign(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:32]


def make_payload(conn: sqlite3.Connection, user_id: int, stars: int, credits: int) -> str:
    """user, pack and price, signed: the payload comes back to us from the client side of a
    payment, so nothing in it is trusted until the signature checks out. At most ~70 bytes
    (Telegram allows 128)."""
    body = f"{PAYLOAD_VERSION}:{user_id}:{stars}:{credits}:{secrets.token_hex(6)}"
    return f"{body}:{_sign(_secret(conn), body)}"


def verify_payload(conn: sqlite3.Connection, payload: str) -> Payload | None:
    parts = payload.split(":")
    if len(parts) != 6 or parts[0] != PAYLOAD_VERSION:
        return None
    body, signature = ":".join(parts[:5]), parts[5]
    if not hmac.compare_digest(_sign(_secret(conn), body), signature):
        return None
    try:
        user_id, stars, credits = int(parts[1]), int(parts[2]), int(parts[3])
    except ValueError:
        return None
    if user_id <= 0 or stars <= 0 or credits <= 0:
        return None
    return Payload(user_id, stars, credits, parts[4])


def topups_today(conn: sqlite3.Connection, user_id: int, now: int) -> int:
    return conn.execute("SELECT count(*) FROM payments WHERE user_id = ? AND created_at > ?",
                        (user_id, now - DAY)).fetchone()[0]


def _check_payer(conn: sqlite3.Connection, user_id: int, settings: Settings, now: int) -> None:
    if not settings.stars_enabled:
        raise PaymentRefused("topups_off")
    user = users.get(conn, user_id)
    if user is None or user.terms_accepted_at is None:
        raise PaymentRefused("terms_needed")
    if user.banned_at is not None:
        raise PaymentRefused("banned", reason=user.ban_reason)
    paused = limits.exclusion(conn, user_id, now)
    if paused is not None:  # no Stars are taken from a player who can't play
        raise PaymentRefused(f"topup_{paused.kind}", until=paused.until)
    if settings.topups_per_day and topups_today(conn, user_id, now) >= settings.topups_per_day:
        raise PaymentRefused("topup_cap", cap=settings.topups_per_day)


def offer(conn: sqlite3.Connection, user_id: int, stars: int, *, settings: Settings, now: int
          ) -> tuple[str, int]:
    """An invoice for pack `stars`: (signed payload, credits it buys)."""
    _check_payer(conn, user_id, settings, now)
    if stars not in settings.star_packs:
        raise PaymentRefused("unknown_pack")
    credits = stars * settings.credits_per_star
    return make_payload(conn, user_id, stars, credits), credits


def pre_checkout(conn: sqlite3.Connection, payer_id: int, payload: str, currency: str,
                 total_amount: int, *, settings: Settings, now: int) -> Payload:
    """Telegram asks before taking the stars: refuse with a readable reason unless the
    payload is ours and untouched, the amount matches it, and the payer may top up."""
    parsed = verify_payload(conn, payload)
    if parsed is None:
        raise PaymentRefused("bad_invoice")
    if parsed.user_id != payer_id:
        raise PaymentRefused("not_your_invoice")
    if currency != "XTR" or total_amount != parsed.stars:
        raise PaymentRefused("bad_invoice")
    _check_payer(conn, payer_id, settings, now)
    return parsed


def credit(conn: sqlite3.Connection, charge_id: str, payer_id: int, payload: str,
           total_amount: int, *, now: int, source: str = "update") -> tuple[Payment, bool]:
    """Credit a successful payment exactly once. Returns (payment, newly credited). Telegram
    has already taken the stars, so this does not re-check bans or caps: it only refuses a
    payload we did not sign (which pre-checkout would have refused)."""
    existing = get(conn, charge_id)
    if existing is not None:
        return existing, False
    parsed = verify_payload(conn, payload)
    if parsed is None or parsed.user_id != payer_id or parsed.stars != total_amount:
        raise LudiceError(f"payment {charge_id}: payload is not one of ours; not credited")
    if users.get(conn, payer_id) is None:
        raise LudiceError(f"payment {charge_id}: unknown user {payer_id}")
    conn.execute(
        "INSERT INTO payments (charge_id, user_id, stars, credits, payload, source, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (charge_id, payer_id, parsed.stars, parsed.credits, payload, source, now),
    )
    ledger.transfer(conn, debit=ledger.STARS, credit=payer_id, amount=parsed.credits,
                    kind="topup", key=f"topup:{charge_id}", now=now,
                    reference=f"{parsed.stars} stars")
    outbox.add(conn, payer_id, "topup_receipt", now, stars=parsed.stars,
               credits=parsed.credits, charge_id=charge_id,
               balance=ledger.balance(conn, payer_id))
    return get(conn, charge_id), True


def get(conn: sqlite3.Connection, charge_id: str) -> Payment | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM payments WHERE charge_id = ?",
                       (charge_id,)).fetchone()
    return Payment(*row) if row else None


def listing(conn: sqlite3.Connection, user_id: int | None = None, limit: int = 100
            ) -> list[Payment]:
    where, args = ("WHERE user_id = ?", [user_id]) if user_id is not None else ("", [])
    rows = conn.execute(f"SELECT {_COLUMNS} FROM payments {where} ORDER BY created_at DESC,"
                        f" charge_id LIMIT ?", (*args, limit))
    return [Payment(*r) for r in rows]


# -- refunds ----------------------------------------------------------------------------------

def begin_refund(conn: sqlite3.Connection, charge_id: str, *, reason: str, allow_shortfall: bool,
                 now: int) -> Payment:
    """Step 1 of a refund, before Telegram is asked: take back the credits the payment bought
    and mark the intent. Refuses when the user no longer holds them, unless `allow_shortfall`
    (then it takes what is there and records the rest). A payment already pending is returned
    as is, so a retry goes straight to step 2."""
    reason = reason.strip()
    if not reason:
        raise LudiceError("a refund needs a reason")
    payment = get(conn, charge_id)
    if payment is None:
        raise LudiceError(f"no payment with charge id {charge_id!r}")
    if payment.status == "refunded":
        raise LudiceError(f"payment {charge_id} was already refunded")
    if payment.status == "refund_pending":
        return payment
    held = ledger.balance(conn, payment.user_id)
    if held < payment.credits and not allow_shortfall:
        raise LudiceError(
            f"user {payment.user_id} holds {held} of the {payment.credits} credits this payment"
            f" bought; pass --allow-shortfall to refund anyway and take only what is there")
    taken = min(held, payment.credits)
    if taken:
        ledger.transfer(conn, debit=payment.user_id, credit=ledger.STARS, amount=taken,
                        kind="topup_refund",
                        key=f"topup_refund:{charge_id}:{payment.refund_attempts}", now=now,
                        reference=reason)
    conn.execute(
        "UPDATE payments SET status = 'refund_pending', refund_reason = ?, refund_taken = ?,"
        " refund_shortfall = ?, refund_requested_at = ?"
        " WHERE charge_id = ? AND status = 'credited'",
        (reason, taken, payment.credits - taken, now, charge_id),
    )
    return get(conn, charge_id)


def finish_refund(conn: sqlite3.Connection, charge_id: str, *, now: int) -> Payment:
    """Step 2 done: Telegram returned the stars (or says it already had)."""
    conn.execute("UPDATE payments SET status = 'refunded', refunded_at = ?, refund_error = NULL"
                 " WHERE charge_id = ? AND status = 'refund_pending'", (now, charge_id))
    return get(conn, charge_id)


def abort_refund(conn: sqlite3.Connection, charge_id: str, *, now: int) -> Payment:
    """Undo step 1 of a refund Telegram refused for good: the credits taken back return to
    the player and the payment is `credited` again. The next attempt uses new transfer keys.
    The caller must first make sure Telegram did not refund it after all (reconcile)."""
    payment = get(conn, charge_id)
    if payment is None:
        raise LudiceError(f"no payment with charge id {charge_id!r}")
    if payment.status != "refund_pending":
        raise LudiceError(f"payment {charge_id} is {payment.status}; only a pending refund can "
                          "be abandoned")
    if payment.refund_taken:
        ledger.transfer(conn, debit=ledger.STARS, credit=payment.user_id,
                        amount=payment.refund_taken, kind="topup_refund_undo",
                        key=f"topup_refund_undo:{charge_id}:{payment.refund_attempts}", now=now,
                        reference="refund abandoned")
    conn.execute(
        "UPDATE payments SET status = 'credited', refund_reason = NULL, refund_taken = NULL,"
        " refund_shortfall = NULL, refund_requested_at = NULL, refund_error = NULL,"
        " refund_attempts = refund_attempts + 1 WHERE charge_id = ? AND status = 'refund_pending'",
        (charge_id,))
    return get(conn, charge_id)


def note_refund_error(conn: sqlite3.Connection, charge_id: str, error: str) -> None:
    conn.execute("UPDATE payments SET refund_error = ? WHERE charge_id = ?", (error, charge_id))


def pending_refunds(conn: sqlite3.Connection) -> list[Payment]:
    return [Payment(*r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM payments WHERE status = 'refund_pending' ORDER BY charge_id")]


# -- reconciliation ---------------------------------------------------------------------------

@dataclass
class Reconciled:
    seen: int = 0
    credited: list[str] = field(default_factory=list)
    refunds_recorded: list[str] = field(default_factory=list)
    foreign: int = 0  # incoming stars that are not our payments (bad or missing payload)


def reconcile(conn: sqlite3.Connection, transactions: list[dict[str, Any]], *, now: int
              ) -> Reconciled:
    """Compare Telegram's star transactions (getStarTransactions JSON) with our rows: credit
    an incoming payment of ours that has no row (the process died between delivery and
    crediting), and record refunds: finish our pending ones, and take back the credits of a
    payment refunded some other way."""
    report = Reconciled(seen=len(transactions))
    # Payments first, refunds second: a refund listed before its payment must still find it.
    incoming = [tx for tx in transactions if (tx.get("source") or {}).get("type") == "user"]
    outgoing = [tx for tx in transactions if (tx.get("receiver") or {}).get("type") == "user"]
    for tx in incoming:
        charge_id = str(tx.get("id", ""))
        source = tx["source"]
        payer = (source.get("user") or {}).get("id")
        payload = source.get("invoice_payload") or ""
        if get(conn, charge_id) is not None:
            continue
        parsed = verify_payload(conn, payload)
        # Anything we did not sign for exactly this payer and amount is not a payment of
        # ours; it is counted, never credited, and never stops the rest of the pass.
        if (parsed is None or parsed.user_id != payer or parsed.stars != tx.get("amount")
                or users.get(conn, payer) is None):
            report.foreign += 1
            continue
        credit(conn, charge_id, payer, payload, parsed.stars, now=now, source="reconcile")
        report.credited.append(charge_id)
    for tx in outgoing:
        charge_id = str(tx.get("id", ""))
        payment = get(conn, charge_id)
        if payment is None or payment.status == "refunded":
            continue
        if payment.status == "credited":
            begin_refund(conn, charge_id, reason="refunded outside ludice (reconciliation)",
                         allow_shortfall=True, now=now)
        finish_refund(conn, charge_id, now=now)
        report.refunds_recorded.append(charge_id)
    return report
