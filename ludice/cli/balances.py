"""`ludice balance …` and `ludice ledger`: balances, corrections through the ledger, and the
latest transfers."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from ludice import db, ledger, users
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Failure,
    Json,
    RequiredReason,
    UserRef,
    open_db,
    open_view,
    require_reason,
)
from ludice.cli.output import emit, table, when

balance_app = typer.Typer(no_args_is_help=True, help="Show and correct balances.")


@balance_app.command("show")
def balance_show(user: UserRef, path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """A player's balance."""
    with open_view(path) as conn:
        target = users.resolve(conn, user)
        amount = ledger.balance(conn, target.id)
    emit({"user": target.id, "username": target.username, "balance": amount}, as_json,
         f"{target.label} ({target.id}): {amount} credits")


@balance_app.command("adjust", context_settings={"ignore_unknown_options": True})
def balance_adjust(
    user: UserRef,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT",
                                          help="Credits to add; negative to take away.")],
    reason: RequiredReason = None,
    path: DbPath = DEFAULT_DB,
    key: Annotated[str | None, typer.Option(help="Idempotency key: a retry with the same key "
                                                  "changes nothing.")] = None,
) -> None:
    """Correct a balance through the ledger (a transfer with the `adjust` account)."""
    try:
        credits = ledger.parse_amount(amount)
    except ledger.BadAmount as bad:
        raise Failure("AMOUNT cannot be 0" if bad.zero else
                      f"AMOUNT must be a whole number like 50 or -50, not {amount!r}") from None
    why = require_reason(reason)
    with open_db(path) as conn, db.transaction(conn):
        target = users.resolve(conn, user)
        moved = ledger.adjust(conn, target.id, credits, reason=why, now=db.now(),
                              key=f"adjust:{key or uuid.uuid4().hex}")
        now_holds = ledger.balance(conn, target.id)
    verb = "already applied" if moved.replayed else "adjusted"
    typer.echo(f"{verb}: {target.label} ({target.id}) {credits:+d}, balance now {now_holds}")


def ledger_show(
    user: Annotated[str | None, typer.Argument(metavar="[USER]",
                                               help="Only this player's entries.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries.")] = 20,
    path: DbPath = DEFAULT_DB,
    as_json: Json = False,
) -> None:
    """The latest transfers, newest first."""
    with open_view(path) as conn:
        account = users.resolve(conn, user).id if user else None
        entries = ledger.history(conn, account, limit)
        names = ledger.account_names(conn)
    rows = [{"id": t.id, "time": when(t.created_at), "from": names.get(t.debit_id, t.debit_id),
             "to": names.get(t.credit_id, t.credit_id), "amount": t.amount, "kind": t.kind,
             "reference": t.reference} for t in entries]
    emit(rows, as_json, table(rows))
