"""Helpers of the domain tests of group play (test_groups.py, test_groups_rounds.py)."""

from __future__ import annotations

import pytest

from ludice import challenges, db, groups, users
from ludice.games import GameRefused
from ludice.settings import DEFAULTS

NOW = 1_800_000_000
CHAT = -1001
S = DEFAULTS.replace(house_fee_percent=0, tie_rounds=1, lobby_ttl_seconds=300)


def unit(conn, fn, *args, **kwargs):
    with db.transaction(conn):
        return fn(conn, *args, **kwargs)


def player(conn, user_id: int, name: str = "", balance: int = 100) -> int:
    with db.transaction(conn):
        users.register(conn, user_id, first_name=name or f"P{user_id}", username=None,
                       language_code="en", welcome_bonus=balance, now=NOW)
    return user_id


def group(conn, chat_id: int = CHAT, **changes: str) -> groups.Group:
    unit(conn, groups.seen, chat_id, title="Club", is_forum=False, lang="en", now=NOW)
    unit(conn, groups.set_enabled, chat_id, True, by=1, now=NOW)
    for key, value in changes.items():
        unit(conn, groups.configure, chat_id, key, value.split(), settings=S, thread=None,
             by=1, now=NOW)
    return groups.get(conn, chat_id)


def refused(conn, fn, *args, **kwargs) -> str:
    with pytest.raises(GameRefused) as info:
        unit(conn, fn, *args, **kwargs)
    return info.value.reason


def create(conn, user_id=1, game="dice", bet=20, target=None, thread=None, chat=CHAT):
    return unit(conn, challenges.create, chat, user_id, game, bet, target=target,
                thread_id=thread, settings=S, now=NOW)


def join(conn, lobby_id, user_id, chat=CHAT, now=NOW):
    return unit(conn, challenges.join, lobby_id, user_id, chat_id=chat, now=now)


def snapshot(conn) -> tuple:
    return (conn.execute("SELECT id, balance FROM accounts ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM lobbies").fetchall(),
            conn.execute("SELECT * FROM lobby_players").fetchall(),
            conn.execute("SELECT * FROM groups").fetchall())
