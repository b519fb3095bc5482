"""`ludice payment ...`: Telegram Stars payments, refunds and reconciliation. These commands
talk to Telegram through ludice.stars (urllib), so they still start without aiogram."""

from __future__ import annotations

import sqlite3
from typing import Annotated

import typer

from ludice import db, payments, users
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Failure,
    Json,
    Limit,
    Reason,
    open_db,
    open_view,
    require_reason,
)
from ludice.cli.output import emit, pairs, table, when

payment_app = typer.Typer(no_args_is_help=True, help="Telegram Stars payments and refunds.")

Token = Annotated[str | None, typer.Option(envvar="LUDICE_TOKEN", show_default=False,
                                           help="Bot token from @BotFather.")]
ApiUrl = Annotated[str | None, typer.Option("--api-url", envvar="LUDICE_API_URL",
                                            help="Base URL of another Bot API server.")]


def _payment_row(p: payments.Payment) -> dict:
    return {"charge_id": p.charge_id, "user": p.user_id, "stars": p.stars,
            "credits": p.credits, "status": p.status, "source": p.source,
            "time": when(p.created_at), "refund_taken": p.refund_taken,
            "shortfall": p.refund_shortfall, "refund_error": p.refund_error}


@payment_app.command("list")
def payment_list(
    user: Annotated[str | None, typer.Option("--user", metavar="USER",
                                             help="Only this player's payments.")] = None,
    limit: Limit = 100,
    path: DbPath = DEFAULT_DB,
    as_json: Json = False,
) -> None:
    """Payments, newest first, with their state (credited, refund_pending, refunded)."""
    with open_view(path) as conn:
        user_id = users.resolve(conn, user).id if user else None
        rows = [_payment_row(p) for p in payments.listing(conn, user_id, limit)]
    emit(rows, as_json, table(rows))


def _api(token: str | None, api_url: str | None):
    from ludice import stars

    if not token or not token.strip():
        raise Failure("this command talks to Telegram: pass --token or set LUDICE_TOKEN")
    return stars, stars.BotApi(token.strip(), api_url)


class _SyncStore:
    """The CLI's connection behind the async read/write face that ludice.stars expects."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def write(self, fn, *args, **kwargs):
        return db.run_write(self.conn, fn, *args, **kwargs)

    async def read(self, fn, *args, **kwargs):
        return fn(self.conn, *args, **kwargs)


@payment_app.command("refund")
def payment_refund(
    charge_id: Annotated[str, typer.Argument(metavar="CHARGE_ID",
                                             help="telegram_payment_charge_id")],
    reason: Reason = None,
    allow_shortfall: Annotated[bool, typer.Option(
        "--allow-shortfall", help="Refund even if the user spent some of the credits: take "
                                  "what is there and record the shortfall.")] = False,
    abort: Annotated[bool, typer.Option(
        "--abort", help="Abandon a pending refund Telegram keeps refusing: give the credits "
                        "back (checked against Telegram first).")] = False,
    token: Token = None,
    api_url: ApiUrl = None,
    path: DbPath = DEFAULT_DB,
) -> None:
    """Take back the credits a payment bought and return its stars (refundStarPayment).
    Safe to re-run: a recorded refund is retried, a finished one is reported."""
    import asyncio
    import time

    if abort and allow_shortfall:
        raise Failure("--abort and --allow-shortfall do not go together")
    why = None if abort else require_reason(reason)
    stars, api = _api(token, api_url)
    with open_db(path) as conn:
        store = _SyncStore(conn)
        if abort:
            done = asyncio.run(stars.abort_refund(api, store.write, charge_id, time.time))
        else:
            done = asyncio.run(stars.refund(api, store.write, charge_id, reason=why,
                                            allow_shortfall=allow_shortfall, now=time.time))
    if done.status == "credited":
        typer.echo(f"abandoned the refund of payment {done.charge_id}: its credits are back "
                   f"with user {done.user_id}")
        return
    typer.echo(f"refunded {done.stars} stars of payment {done.charge_id} to user {done.user_id};"
               f" took back {done.refund_taken} credits"
               + (f" (shortfall {done.refund_shortfall})" if done.refund_shortfall else ""))


@payment_app.command("reconcile")
def payment_reconcile(token: Token = None, api_url: ApiUrl = None,
                      path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Compare Telegram's star transactions with our payments: credit payments that were
    delivered but never credited, record refunds, retry unfinished refunds."""
    import asyncio
    import time

    stars, api = _api(token, api_url)
    with open_db(path) as conn:
        store = _SyncStore(conn)
        report, failing = asyncio.run(stars.reconcile(api, store.write, store.read, time.time))
    data = {"transactions_seen": report.seen, "credited": report.credited,
            "refunds_recorded": report.refunds_recorded, "not_ours": report.foreign,
            "refunds_failing": failing}
    emit(data, as_json, pairs(data))
    if failing:
        raise typer.Exit(1)
