"""Read-only figures for admins (`ludice stats`)."""

from __future__ import annotations

import sqlite3

from ludice import house, ledger


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    one = conn.execute(
        "SELECT count(*) AS users, count(terms_accepted_at) AS accepted,"
        " count(banned_at) AS banned FROM users WHERE id > 0"  # not the house's seat
    ).fetchone()
    held = conn.execute("SELECT coalesce(sum(balance), 0) FROM accounts WHERE id > 0").fetchone()[0]
    figures = {
        "users": one["users"],
        "users_accepted_terms": one["accepted"],
        "users_banned": one["banned"],
        "credits_held_by_users": held,
        "house_balance": ledger.balance(conn, ledger.HOUSE),
        "escrow_balance": ledger.balance(conn, ledger.ESCROW),
        "issued_bonus": -ledger.balance(conn, ledger.BONUS),
        "issued_stars": -ledger.balance(conn, ledger.STARS),
        "issued_adjust": -ledger.balance(conn, ledger.ADJUST),
        "transfers": conn.execute("SELECT count(*) FROM transfers").fetchone()[0],
    }
    for status, count in conn.execute("SELECT status, count(*) FROM lobbies GROUP BY status"):
        figures[f"lobbies_{status}"] = count
    figures["staked_total"] = conn.execute(
        "SELECT coalesce(sum(stake), 0) FROM lobby_players"
    ).fetchone()[0]
    figures.update(house.results(conn))
    return figures
