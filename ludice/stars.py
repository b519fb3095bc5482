"""Talking to Telegram about Stars, for both the bot and the CLI: a minimal Bot API client
(urllib, so `ludice payment ...` starts without aiogram) and the reconcile/refund sequences.
Database work comes in as async callables so the bot passes its Store and the CLI a plain
connection; Telegram calls never happen inside a write transaction."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ludice import payments
from ludice.errors import LudiceError

DEFAULT_API = "https://api.telegram.org"
PAGE = 100
Write = Callable[..., Awaitable[Any]]


class TelegramError(LudiceError):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"Telegram answered {code}: {description}")
        self.code = code
        self.description = description


@dataclass(frozen=True)
class BotApi:
    token: str
    api_url: str | None = None
    timeout: float = 20.0

    def call(self, method: str, **params: Any) -> Any:
        url = f"{(self.api_url or DEFAULT_API).rstrip('/')}/bot{self.token}/{method}"
        request = urllib.request.Request(url, data=json.dumps(params).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                body = json.loads(exc.read())
            except ValueError:
                raise TelegramError(exc.code, exc.reason) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LudiceError(f"cannot reach the Bot API at {self.api_url or DEFAULT_API}: "
                              f"{exc}") from None
        if not body.get("ok"):
            raise TelegramError(body.get("error_code", 0), body.get("description", "?"))
        return body["result"]


def fetch_transactions(api: BotApi, max_pages: int = 100) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in range(max_pages):
        batch = api.call("getStarTransactions", offset=page * PAGE, limit=PAGE)
        transactions = batch.get("transactions", [])
        found.extend(transactions)
        if len(transactions) < PAGE:
            break
    return found


def request_refund(api: BotApi, user_id: int, charge_id: str) -> str | None:
    """Ask Telegram to return the stars. None when done (a repeated refund answers
    CHARGE_ALREADY_REFUNDED, which means done too); otherwise the error, to retry later."""
    try:
        api.call("refundStarPayment", user_id=user_id, telegram_payment_charge_id=charge_id)
    except TelegramError as exc:
        if "CHARGE_ALREADY_REFUNDED" in exc.description:
            return None
        return str(exc)
    return None


async def complete_refund(api: BotApi, write: Write, payment: payments.Payment,
                          now: Callable[[], float]) -> payments.Payment:
    error = await asyncio.to_thread(request_refund, api, payment.user_id, payment.charge_id)
    if error is None:
        return await write(payments.finish_refund, payment.charge_id, now=int(now()))
    await write(payments.note_refund_error, payment.charge_id, error)
    raise LudiceError(f"refund of {payment.charge_id} is recorded but Telegram has not returned "
                      f"the stars yet ({error}); run the same command again to retry")


async def refund(api: BotApi, write: Write, charge_id: str, *, reason: str,
                 allow_shortfall: bool, now: Callable[[], float]) -> payments.Payment:
    pending = await write(payments.begin_refund, charge_id, reason=reason,
                          allow_shortfall=allow_shortfall, now=int(now()))
    return await complete_refund(api, write, pending, now)


def refunded_by_telegram(api: BotApi, charge_id: str) -> bool:
    return any(tx.get("id") == charge_id and (tx.get("receiver") or {}).get("type") == "user"
               for tx in fetch_transactions(api))


async def abort_refund(api: BotApi, write: Write, charge_id: str, now: Callable[[], float]
                       ) -> payments.Payment:
    """Give up a refund Telegram keeps refusing — unless Telegram did refund it after all,
    in which case it is finished instead (the player must not keep both)."""
    if await asyncio.to_thread(refunded_by_telegram, api, charge_id):
        return await write(payments.finish_refund, charge_id, now=int(now()))
    return await write(payments.abort_refund, charge_id, now=int(now()))


async def reconcile(api: BotApi, write: Write, read: Write, now: Callable[[], float]
                    ) -> tuple[payments.Reconciled, list[str]]:
    """Credit what Telegram took but we never credited, record refunds, and retry refunds we
    began but Telegram never confirmed. Returns the report and any refunds still failing."""
    still_failing = []
    try:
        transactions = await asyncio.to_thread(fetch_transactions, api)
        report = await write(payments.reconcile, transactions, now=int(now()))
    except LudiceError as exc:
        # Pending refunds below are retried even when the listing could not be read.
        report = payments.Reconciled()
        still_failing.append(f"reading Telegram's star transactions failed: {exc}")
    for payment in await read(payments.pending_refunds):
        try:
            await complete_refund(api, write, payment, now)
            report.refunds_recorded.append(payment.charge_id)
        except LudiceError as exc:
            still_failing.append(str(exc))
    return report, still_failing
