"""Telegram Stars as the Bot API shows them: invoices in XTR, the pre-checkout round trip,
successful payments, each user's star balance, the bot's star transactions and refunds."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ludice.playground.emulator import messages
from ludice.playground.emulator.wire import ActionError, ApiError, as_int

if TYPE_CHECKING:
    from ludice.playground.emulator.host import Host

# Telegram gives a bot 10 seconds to answer a pre-checkout query.
PRE_CHECKOUT_SECONDS = 10.0
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class Outcome:
    """How paying an invoice ended: "paid" (with the charge id), "refused" (with the bot's
    error_message) or "timeout" (the bot did not answer the pre-checkout query in time)."""

    status: str
    charge_id: str | None = None
    error_message: str | None = None


def change_stars(em: Host, user_id: int, change: int, reason: str) -> int:
    bank = em.bank
    balance = bank.balances.get(user_id, em.initial_stars) + change
    if balance < 0:
        raise ValueError(f"user {user_id} has {balance - change} stars, needs {-change}")
    bank.balances[user_id] = balance
    em.emit("stars", user_id=user_id, balance=balance, change=change, reason=reason)
    return balance


def record_payment(em: Host, user_id: int, chat_id: int, payload: str, amount: int,
                   charge_id: str, currency: str = "XTR") -> dict[str, Any]:
    """Telegram takes the stars, records the transaction and posts the successful_payment
    service message in the chat of the invoice (the update the bot receives)."""
    if currency == "XTR":
        change_stars(em, user_id, -amount, "payment")
        transaction = {
            "id": charge_id, "amount": amount, "date": int(em.clock()),
            "source": {"type": "user", "transaction_type": "invoice_payment",
                       "user": em.user_json(user_id), "invoice_payload": payload},
        }
        em.bank.transactions.append(transaction)
    em.bank.charges[charge_id] = {"user_id": user_id, "amount": amount, "currency": currency}
    return em.user_message(user_id, chat_id, successful_payment={
        "currency": currency, "total_amount": amount, "invoice_payload": payload,
        "telegram_payment_charge_id": charge_id, "provider_payment_charge_id": "",
    })


def push_pre_checkout(em: Host, user_id: int, payload: str, total_amount: int,
                      currency: str = "XTR") -> dict[str, Any]:
    query_id = str(8_000_000_000 + em.bank.next_id())
    em.bank.queries[query_id] = (time.monotonic() + PRE_CHECKOUT_SECONDS, None)
    return em.push("pre_checkout_query", {
        "id": query_id, "from": em.user_json(user_id), "currency": currency,
        "total_amount": total_amount, "invoice_payload": payload,
    })


async def pay(em: Host, user_id: int, chat_id: int, message_id: int,
              timeout: float = PRE_CHECKOUT_SECONDS) -> Outcome:
    """`user_id` presses "Pay" on the invoice `message_id` in `chat_id`: a pre-checkout query
    goes to the bot; if it answers ok, the stars are taken and a successful_payment message
    follows. Raises ActionError (changing nothing) when the user cannot pay this invoice."""
    em.visible(user_id, chat_id)
    invoice = (em.messages.get((chat_id, message_id)) or {}).get("invoice")
    if invoice is None:
        raise ActionError("there is no invoice to pay in that message")
    if (chat_id, message_id) in em.bank.paid_invoices:
        raise ActionError("this invoice is already paid")
    amount, currency = invoice["total_amount"], invoice["currency"]
    if currency == "XTR" and em.stars(user_id) < amount:
        raise ActionError(f"not enough stars: {em.stars(user_id)} ⭐, the invoice asks {amount} ⭐")
    payload = em.bank.payloads.get((chat_id, message_id), "")
    update = push_pre_checkout(em, user_id, payload, amount, currency)
    query_id = update["pre_checkout_query"]["id"]
    answered: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    em.bank.queries[query_id] = (time.monotonic() + timeout, answered)
    try:
        answer = await asyncio.wait_for(answered, timeout)
    except TimeoutError:
        em.bank.queries.pop(query_id, None)
        em.emit("invoice", user_id=user_id, chat_id=chat_id, message_id=message_id,
                status="timeout")
        return Outcome("timeout")
    if not answer.get("ok"):
        error = str(answer.get("error_message") or "")
        em.emit("invoice", user_id=user_id, chat_id=chat_id, message_id=message_id,
                status="refused", error_message=error)
        return Outcome("refused", error_message=error)
    if (chat_id, message_id) in em.bank.paid_invoices or (
            currency == "XTR" and em.stars(user_id) < amount):
        # Paid twice at once from two tabs: the second payment fails at Telegram.
        em.emit("invoice", user_id=user_id, chat_id=chat_id, message_id=message_id,
                status="refused", error_message="payment failed")
        return Outcome("refused", error_message="payment failed")
    charge_id = f"stxEmu{secrets.token_hex(12)}"
    em.bank.paid_invoices.add((chat_id, message_id))
    record_payment(em, user_id, chat_id, payload, amount, charge_id, currency)
    em.emit("invoice", user_id=user_id, chat_id=chat_id, message_id=message_id, status="paid",
            charge_id=charge_id)
    return Outcome("paid", charge_id=charge_id)


# --- Bot API methods ---------------------------------------------------------------------

def send_invoice(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    prices = p.get("prices")
    currency = p.get("currency")
    payload = p.get("payload")
    if not isinstance(payload, str) or not 1 <= len(payload.encode()) <= 128:
        raise ApiError("Bad Request: PAYLOAD_INVALID" if payload else
                       "Bad Request: invoice payload must be non-empty")
    if not isinstance(currency, str) or len(currency) != 3:
        raise ApiError("Bad Request: CURRENCY_INVALID")
    if (not isinstance(prices, list) or not prices
            or not all(isinstance(x, dict) and as_int(x.get("amount")) for x in prices)):
        raise ApiError("Bad Request: LABELED_PRICES_EMPTY" if not prices
                       else "Bad Request: can't parse prices JSON object")
    if currency == "XTR" and (len(prices) != 1 or p.get("provider_token")):
        raise ApiError("Bad Request: STARS_INVOICE_INVALID")
    total = sum(int(x["amount"]) for x in prices)
    if total <= 0:
        raise ApiError("Bad Request: TOTAL_AMOUNT_INVALID")
    for key in ("title", "description"):
        if not isinstance(p.get(key), str) or not p[key].strip():
            raise ApiError(f"Bad Request: invoice {key} must be non-empty")
    msg = messages.post(em, p, invoice={
        "title": p["title"], "description": p["description"],
        "start_parameter": p.get("start_parameter") or "", "currency": currency,
        "total_amount": total,
    })
    em.bank.payloads[(msg["chat"]["id"], msg["message_id"])] = payload
    return msg


def answer_pre_checkout_query(em: Host, p: dict[str, Any]) -> bool:
    query_id = str(p.get("pre_checkout_query_id") or "")
    deadline, waiting = em.bank.queries.get(query_id, (0.0, None))
    if time.monotonic() > deadline:
        em.bank.queries.pop(query_id, None)
        raise ApiError(QUERY_INVALID)
    ok = p.get("ok")
    if ok is not True and not (isinstance(p.get("error_message"), str) and p["error_message"]):
        raise ApiError("Bad Request: ERROR_MESSAGE_EMPTY" if ok is False
                       else "Bad Request: parameter \"ok\" is required")
    del em.bank.queries[query_id]
    if waiting is not None and not waiting.done():
        waiting.set_result({"ok": ok is True, "error_message": p.get("error_message")})
    return True


def refund_star_payment(em: Host, p: dict[str, Any]) -> bool:
    charge_id = str(p.get("telegram_payment_charge_id") or "")
    user_id = as_int(p.get("user_id"))
    if charge_id in em.bank.refunded:
        raise ApiError("Bad Request: CHARGE_ALREADY_REFUNDED")
    charge = em.bank.charges.get(charge_id)
    if charge is None or charge["user_id"] != user_id:
        raise ApiError("Bad Request: CHARGE_NOT_FOUND")
    em.bank.refunded.add(charge_id)
    if charge["currency"] == "XTR":
        change_stars(em, charge["user_id"], charge["amount"], "refund")
        em.bank.transactions.append({
            "id": charge_id, "amount": charge["amount"], "date": int(em.clock()),
            "receiver": {"type": "user", "transaction_type": "invoice_payment",
                         "user": em.user_json(charge["user_id"])},
        })
    return True


def get_star_transactions(em: Host, p: dict[str, Any]) -> dict[str, Any]:
    offset = max(0, as_int(p.get("offset")) or 0)
    limit = as_int(p.get("limit"))
    limit = 100 if limit is None else limit
    if not 1 <= limit <= 100:
        raise ApiError("Bad Request: limit must be between 1 and 100")
    return {"transactions": em.bank.transactions[offset:offset + limit]}


METHODS = {
    "sendinvoice": send_invoice,
    "answerprecheckoutquery": answer_pre_checkout_query,
    "refundstarpayment": refund_star_payment,
    "getstartransactions": get_star_transactions,
}
