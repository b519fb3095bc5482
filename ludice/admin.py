"""Admin actions from Telegram. A change is first asked for: checked, written down as a request
and shown to its admin with a confirmation button that carries nothing but the request's id.
Confirming decides the request once, in the same transaction as its effect, after checking
again what may have changed meanwhile. The effects are the CLI's own domain functions
(users.ban/unban, ledger.adjust, refunds.cancel, payments.begin_refund, settings.set_value),
each recording the admin's id: banned_by, cancelled_by, updated_by, or "admin ID: reason" in
the ledger. The request rows keep every action with its admin and reason.

Refusals are AdminRefused: `reason` names a catalog text, `details` fill it in."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ludice import games, ledger, payments, refunds, users
from ludice import settings as game_settings
from ludice.errors import LudiceError, Refused, SettingError, UnknownUser

ACTIONS = ("ban", "unban", "adjust", "cancel", "refund", "set")
NEEDS_REASON = frozenset({"ban", "adjust", "cancel", "refund"})
REQUEST_TTL = 15 * 60  # a confirmation button older than this asks for the command again
MAX_ID = 2**63


class AdminRefused(Refused):
    """An admin request refused; nothing changed."""


@dataclass(frozen=True)
class Request:
    id: int
    admin_id: int
    action: str
    target: str
    value: str
    reason: str
    created_at: int
    decided_at: int | None
    outcome: str | None


_COLUMNS = "id, admin_id, action, target, value, reason, created_at, decided_at, outcome"


def signed(admin_id: int, reason: str) -> str:
    """A reason as the ledger records it: who, then why."""
    return f"admin {admin_id}: {reason}"


def get(conn: sqlite3.Connection, request_id: int) -> Request | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM admin_requests WHERE id = ?",
                       (request_id,)).fetchone()
    return Request(*row) if row else None


# -- what each action checks before it is asked for, and again when confirmed ---------------

def _user(conn: sqlite3.Connection, ref: str) -> users.User:
    try:
        return users.resolve(conn, ref)
    except UnknownUser:
        raise AdminRefused("admin_unknown_user", ref=ref) from None


def _check_ban(conn: sqlite3.Connection, ref: str, value: str) -> dict[str, Any]:
    user = _user(conn, ref)
    if user.banned_at is not None:
        raise AdminRefused("admin_already_banned", user=user.label, id=user.id,
                           reason=user.ban_reason)
    return {"target": str(user.id), "user": user.label, "id": user.id}


def _check_unban(conn: sqlite3.Connection, ref: str, value: str) -> dict[str, Any]:
    user = _user(conn, ref)
    if user.banned_at is None:
        raise AdminRefused("admin_not_banned", user=user.label, id=user.id)
    return {"target": str(user.id), "user": user.label, "id": user.id,
            "ban_reason": user.ban_reason}


def _check_adjust(conn: sqlite3.Connection, ref: str, value: str) -> dict[str, Any]:
    try:
        amount = ledger.parse_amount(value)
    except ledger.BadAmount:
        raise AdminRefused("admin_bad_amount", amount=value) from None
    user = _user(conn, ref)
    held = ledger.balance(conn, user.id)
    if held + amount < 0:
        raise AdminRefused("admin_overdraw", user=user.label, id=user.id, balance=held,
                           credits=-amount)
    return {"target": str(user.id), "value": str(amount), "user": user.label, "id": user.id,
            "amount": amount, "balance": held, "after": held + amount}


def _check_cancel(conn: sqlite3.Connection, ref: str, value: str) -> dict[str, Any]:
    text = ref.strip().removeprefix("#")
    if not (text.isascii() and text.isdigit()) or int(text) >= MAX_ID:
        raise AdminRefused("admin_bad_lobby", ref=ref)
    lobby = games.get_lobby(conn, int(text))
    if lobby is None:
        raise AdminRefused("admin_unknown_lobby", lobby_id=int(text))
    if lobby.status not in games.IN_PLAY:
        raise AdminRefused("admin_lobby_closed", lobby_id=lobby.id, status=lobby.status)
    return {"target": str(lobby.id), "lobby_id": lobby.id, "game": lobby.game,
            "bet": lobby.bet, "count": len(games.players(conn, lobby.id)),
            "status": lobby.status}


def _check_refund(conn: sqlite3.Connection, ref: str, value: str) -> dict[str, Any]:
    payment = payments.get(conn, ref.strip())
    if payment is None:
        raise AdminRefused("admin_unknown_payment", charge_id=ref)
    if payment.status == "refunded":
        raise AdminRefused("admin_already_refunded", charge_id=payment.charge_id)
    held = ledger.balance(conn, payment.user_id)
    if payment.status == "credited" and held < payment.credits:
        # Taking only part back is the CLI's --allow-shortfall, for the operator to weigh.
        raise AdminRefused("admin_refund_spent", charge_id=payment.charge_id,
                           id=payment.user_id, balance=held, credits=payment.credits)
    return {"target": payment.charge_id, "charge_id": payment.charge_id,
            "id": payment.user_id, "stars": payment.stars, "credits": payment.credits}


def _check_set(conn: sqlite3.Connection, key: str, value: str) -> dict[str, Any]:
    try:
        new = game_settings.check(conn, key.strip(), value)
    except SettingError as bad:
        raise AdminRefused("admin_bad_setting", error=str(bad)) from None
    old = getattr(game_settings.load(conn), key.strip())
    return {"target": key.strip(), "value": game_settings.render(new), "setting": key.strip(),
            "old": game_settings.render(old), "new": game_settings.render(new)}


_CHECKS: dict[str, Callable[[sqlite3.Connection, str, str], dict[str, Any]]] = {
    "ban": _check_ban, "unban": _check_unban, "adjust": _check_adjust,
    "cancel": _check_cancel, "refund": _check_refund, "set": _check_set,
}


def ask(conn: sqlite3.Connection, admin_id: int, action: str, *, target: str,
        value: str = "", reason: str = "", now: int) -> tuple[Request, dict[str, Any]]:
    """Check the action and write it down, undecided: (the request, what the admin is asked
    to confirm)."""
    if action not in _CHECKS:
        raise LudiceError(f"unknown admin action {action!r}")
    reason = reason.strip()
    if action in NEEDS_REASON and not reason:
        raise AdminRefused("admin_no_reason")
    preview = _CHECKS[action](conn, target, value)
    request_id = conn.execute(
        "INSERT INTO admin_requests (admin_id, action, target, value, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (admin_id, action, preview["target"], preview.get("value", value.strip()), reason,
         now)).fetchone()[0]
    return get(conn, request_id), {**preview, "reason": reason}


# -- carrying a confirmed request out -------------------------------------------------------

def _apply(conn: sqlite3.Connection, request: Request, now: int) -> dict[str, Any]:
    admin, why = request.admin_id, request.reason
    if request.action == "ban":
        users.ban(conn, int(request.target), why, now, by=admin)
    elif request.action == "unban":
        users.unban(conn, int(request.target))
    elif request.action == "adjust":
        # Checked again just before, in this transaction: the balance covers a negative one.
        ledger.adjust(conn, int(request.target), int(request.value), reason=signed(admin, why),
                      key=f"adjust:admin:{request.id}", now=now)
        return {"balance": ledger.balance(conn, int(request.target))}
    elif request.action == "cancel":
        lobby = refunds.cancel(conn, int(request.target), reason=why, now=now, by=admin)
        return {"count": len(games.players(conn, lobby.id))}
    elif request.action == "refund":
        pending = payments.begin_refund(conn, request.target, reason=signed(admin, why),
                                        allow_shortfall=False, now=now)
        return {"payment": pending}
    else:
        game_settings.set_value(conn, request.target, request.value, now, by=admin)
    return {}


def _decide(conn: sqlite3.Connection, request_id: int, admin_id: int, now: int,
            outcome: str) -> Request:
    request = get(conn, request_id)
    if request is None or request.admin_id != admin_id:
        raise AdminRefused("admin_stale")  # forged, or another admin's
    if request.decided_at is not None:
        raise AdminRefused("admin_decided", outcome=request.outcome)
    if outcome == "confirmed" and now - request.created_at > REQUEST_TTL:
        raise AdminRefused("admin_expired")
    changed = conn.execute(
        "UPDATE admin_requests SET decided_at = ?, outcome = ? WHERE id = ? AND decided_at IS NULL",
        (now, outcome, request_id)).rowcount
    if changed != 1:
        raise AdminRefused("admin_decided", outcome=request.outcome)
    return request


def confirm(conn: sqlite3.Connection, request_id: int, admin_id: int, now: int
            ) -> tuple[Request, dict[str, Any]]:
    """Carry out `admin_id`'s request once: (the request, what the admin is told). What was
    checked when it was asked is checked again: the world may have moved since."""
    request = _decide(conn, request_id, admin_id, now, "confirmed")
    preview = _CHECKS[request.action](conn, request.target, request.value)
    try:
        done = _apply(conn, request, now)
    except LudiceError as failed:  # not foreseen by the checks: said as the domain says it
        raise AdminRefused("admin_failed", error=str(failed)) from None
    return request, {**preview, "reason": request.reason, **done}


def drop(conn: sqlite3.Connection, request_id: int, admin_id: int, now: int) -> Request:
    """The admin said no: the request is decided and nothing else changes."""
    return _decide(conn, request_id, admin_id, now, "dropped")
