"""Committed server draws. When a lobby starts, a random 32-byte seed is stored and its
SHA-256 shown (the commitment); a value the server must draw itself (the bot lost the group
mid-duel, or no player could be shown a die) is then derived from that seed, and the seed is
revealed once the lobby is over, so anyone can recompute every such value and check that the
seed is the one committed to before the first die.

The draw, exactly (README "Checking a result" has it as a few lines of Python):
    message_0 = "{lobby}:{round}:{player}"          (decimal ids, UTF-8)
    message_i = "{lobby}:{round}:{player}:{i}"      for i = 1, 2, ...
    block_i   = HMAC-SHA256(key=seed, msg=message_i)
Read the bytes of block_0, then block_1, ... in order; skip every byte b >= limit, where
limit = 256 - 256 % faces (the largest multiple of `faces` that fits a byte); the first byte
kept gives the value b % faces + 1. Every face then has exactly limit / faces of the kept
byte values, so no face is favoured (a plain b % faces would favour the low ones).

Functions take the connection first and never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterable, Iterator

SEED_BYTES = 32
MAX_FACES = 256  # one byte per try


def commitment_of(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def byte_limit(faces: int) -> int:
    """Bytes below this are kept, the rest skipped: the largest multiple of `faces` <= 256."""
    if not 1 <= faces <= MAX_FACES:
        raise ValueError(f"a die has 1..{MAX_FACES} faces, not {faces}")
    return 256 - 256 % faces


def face(blocks: Iterable[bytes], faces: int) -> int:
    """The value 1..faces of a stream of random blocks, without modulo bias (rejection)."""
    limit = byte_limit(faces)
    for block in blocks:
        for byte in block:
            if byte < limit:
                return byte % faces + 1
    raise ValueError("the blocks ran out before a byte was kept")


def message(lobby_id: int, round_no: int, user_id: int, counter: int = 0) -> bytes:
    base = f"{lobby_id}:{round_no}:{user_id}"
    return (base if counter == 0 else f"{base}:{counter}").encode()


def blocks(seed: bytes, lobby_id: int, round_no: int, user_id: int) -> Iterator[bytes]:
    counter = 0
    while True:
        yield hmac.new(seed, message(lobby_id, round_no, user_id, counter),
                       hashlib.sha256).digest()
        counter += 1


def draw(seed: bytes, lobby_id: int, round_no: int, user_id: int, faces: int) -> int:
    """The committed value of one server-drawn die."""
    return face(blocks(seed, lobby_id, round_no, user_id), faces)


def commit(conn: sqlite3.Connection, lobby_id: int) -> str:
    """Fix the lobby's seed (once: a second call keeps the first) and return its commitment."""
    conn.execute("INSERT INTO lobby_seeds (lobby_id, seed) VALUES (?, ?)"
                 " ON CONFLICT (lobby_id) DO NOTHING", (lobby_id, secrets.token_bytes(SEED_BYTES)))
    return commitment_of(seed_of(conn, lobby_id))


def seed_of(conn: sqlite3.Connection, lobby_id: int) -> bytes | None:
    row = conn.execute("SELECT seed FROM lobby_seeds WHERE lobby_id = ?", (lobby_id,)).fetchone()
    return bytes(row[0]) if row else None


def seed_for_draw(conn: sqlite3.Connection, lobby_id: int) -> bytes:
    """The seed a server draw uses. A lobby that started before seeds existed (schema upgrade
    mid-game) gets one now: not committed in advance, but still revealed and checkable."""
    seed = seed_of(conn, lobby_id)
    if seed is None:
        commit(conn, lobby_id)
        seed = seed_of(conn, lobby_id)
    assert seed is not None
    return seed


def commitment(conn: sqlite3.Connection, lobby_id: int) -> str | None:
    seed = seed_of(conn, lobby_id)
    return commitment_of(seed) if seed is not None else None


def revealed(conn: sqlite3.Connection, lobby_id: int, status: str) -> str | None:
    """The seed in hex once the lobby is over (no draw can follow), else None."""
    if status in ("open", "rolling"):
        return None
    seed = seed_of(conn, lobby_id)
    return seed.hex() if seed is not None else None
