"""The player behind an update, as private and group handlers both need it."""

from __future__ import annotations

import sqlite3

from aiogram.types import User

from ludice import users


def touch(conn: sqlite3.Connection, sender: User, now: int) -> None:
    """Refresh the player's name and language from this update, inside its unit of work."""
    users.refresh(conn, sender.id, first_name=sender.first_name, username=sender.username,
                  language_code=sender.language_code, now=now)


def accepted(player: users.User | None) -> bool:
    """The player accepted the terms: only then may a stake be taken from them."""
    return player is not None and player.terms_accepted_at is not None
