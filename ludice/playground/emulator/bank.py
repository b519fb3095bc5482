"""The emulated Telegram's record of Stars: balances, the bot's transactions, charges and
refunds, open pre-checkout queries and which invoices were paid."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StarBank:
    balances: dict[int, int] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunded: set[str] = field(default_factory=set)
    # pre-checkout query id -> (answer-by time (monotonic), the payer's wait for it, if any)
    queries: dict[str, tuple[float, asyncio.Future[dict[str, Any]] | None]] = field(
        default_factory=dict)
    paid_invoices: set[tuple[int, int]] = field(default_factory=set)
    # (chat id, message id) of an invoice -> the payload the bot put in it
    payloads: dict[tuple[int, int], str] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        return next(self._ids)
