"""Committed server draws (ludice.fairness): the unbiased mapping, the HMAC derivation checked
against an independent implementation, and the seed's life (fixed at start, revealed after)."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from pathlib import Path

import pytest

from ludice import challenges, db, duels, fairness, games, groups, ledger, outbox, stranded, users
from ludice.settings import DEFAULTS

NOW = 1_800_000_000
CHAT = -1001
S = DEFAULTS.replace(house_fee_percent=0, tie_rounds=2, lobby_ttl_seconds=300)


def independent_draw(seed: bytes, lobby: int, rnd: int, player: int, faces: int) -> int:
    """README's recipe, written again here without ludice's code."""
    limit = 256 - 256 % faces
    i = 0
    while True:
        msg = f"{lobby}:{rnd}:{player}" + (f":{i}" if i else "")
        for b in hmac.new(seed, msg.encode(), hashlib.sha256).digest():
            if b < limit:
                return b % faces + 1
        i += 1


@pytest.mark.parametrize("faces", [2, 5, 6, 7, 64])
def test_every_face_has_the_same_number_of_kept_bytes(faces):
    kept = Counter()
    skipped = 0
    for byte in range(256):
        try:
            kept[fairness.face([bytes([byte])], faces)] += 1
        except ValueError:  # the only byte was skipped: the blocks ran out
            skipped += 1
    assert set(kept) == set(range(1, faces + 1))
    assert len(set(kept.values())) == 1  # exactly uniform: no face favoured
    assert skipped == 256 % faces and kept[1] == (256 - skipped) // faces


def test_a_plain_modulo_would_have_been_biased():
    # The reason for skipping: 256 % 6 = 4, so faces 1..4 would get 43 bytes and 5..6 get 42.
    plain = Counter(byte % 6 + 1 for byte in range(256))
    assert plain[1] == 43 and plain[6] == 42
    assert fairness.byte_limit(6) == 252 and fairness.byte_limit(5) == 255
    assert fairness.byte_limit(64) == 256  # nothing skipped for a slot machine's 64


def test_skipped_bytes_move_to_the_next_byte_then_the_next_block():
    assert fairness.face([bytes([255, 254, 7])], 6) == 2  # 255, 254 >= 252: skipped; 7 % 6 + 1
    assert fairness.face([bytes([252] * 32), bytes([3])], 6) == 4
    with pytest.raises(ValueError):
        fairness.face([bytes([255] * 32)], 5)
    with pytest.raises(ValueError):
        fairness.byte_limit(0)
    with pytest.raises(ValueError):
        fairness.byte_limit(257)


def test_the_blocks_are_hmacs_of_the_documented_messages():
    seed = bytes(range(32))
    first, second, third = (block for block, _ in zip(fairness.blocks(seed, 12, 3, 4001),
                                                      range(3), strict=False))
    assert first == hmac.new(seed, b"12:3:4001", hashlib.sha256).digest()
    assert second == hmac.new(seed, b"12:3:4001:1", hashlib.sha256).digest()
    assert third == hmac.new(seed, b"12:3:4001:2", hashlib.sha256).digest()


def test_draws_match_an_independent_implementation_including_a_skipped_first_byte():
    skipped_first = 0
    for n in range(3000):
        seed = hashlib.sha256(n.to_bytes(4, "big")).digest()
        for faces in (5, 6):
            lobby, rnd, player = n, n % 11 + 1, 1000 + n
            assert fairness.draw(seed, lobby, rnd, player, faces) == independent_draw(
                seed, lobby, rnd, player, faces)
            first = hmac.new(seed, f"{lobby}:{rnd}:{player}".encode(), hashlib.sha256).digest()
            skipped_first += first[0] >= fairness.byte_limit(faces)
    assert skipped_first > 0  # the rejection path was exercised, not only the first byte


def test_draws_cover_every_face_about_evenly():
    seed = bytes(32)
    counts = Counter(fairness.draw(seed, 1, 1, player, 6) for player in range(6000))
    assert set(counts) == {1, 2, 3, 4, 5, 6}
    assert all(900 < c < 1100 for c in counts.values())  # 1000 expected; > 7 sigma off fails


# -- the seed's life in the database ------------------------------------------------------------

def unit(conn, fn, *args, **kwargs):
    with db.transaction(conn):
        return fn(conn, *args, **kwargs)


def _player(conn, user_id, name):
    unit(conn, users.register, user_id, first_name=name, username=None, language_code="en",
         welcome_bonus=100, now=NOW)


def _enable(conn) -> None:
    unit(conn, groups.seen, CHAT, title="Club", is_forum=False, lang="en", now=NOW)
    unit(conn, groups.set_enabled, CHAT, True, by=1, now=NOW)


def _group_duel(conn, *players: int) -> int:
    _enable(conn)
    unit(conn, groups.configure, CHAT, "seats", [str(len(players))], settings=S, thread=None,
         by=1, now=NOW)
    lobby_id = unit(conn, challenges.create, CHAT, players[0], "dice", 20, target=None,
                    thread_id=None, settings=S, now=NOW).lobby.id
    for user_id in players[1:]:
        unit(conn, challenges.join, lobby_id, user_id, chat_id=CHAT, now=NOW)
    return lobby_id


def test_a_seed_is_fixed_when_a_lobby_starts_and_revealed_only_after(conn):
    for user_id, name in ((1, "Ann"), (2, "Bob")):
        _player(conn, user_id, name)
    _enable(conn)
    lobby_id = unit(conn, challenges.create, CHAT, 1, "dice", 20, target=None, thread_id=None,
                    settings=S, now=NOW).lobby.id
    assert fairness.commitment(conn, lobby_id) is None  # open: nothing drawn, nothing fixed
    unit(conn, challenges.join, lobby_id, 2, chat_id=CHAT, now=NOW)
    committed = fairness.commitment(conn, lobby_id)
    seed = fairness.seed_of(conn, lobby_id)
    assert len(seed) == 32 and committed == hashlib.sha256(seed).hexdigest()
    assert fairness.revealed(conn, lobby_id, "rolling") is None
    assert unit(conn, fairness.commit, lobby_id) == committed  # never replaced
    assert games.start(conn, lobby_id) is False  # starting twice fixes nothing new
    assert fairness.revealed(conn, lobby_id, "settled") == seed.hex()


def test_a_server_finished_duel_draws_from_the_committed_seed_and_reveals_it(conn):
    for user_id, name in ((1, "Ann"), (2, "Bob"), (3, "Cid")):
        _player(conn, user_id, name)
    lobby_id = _group_duel(conn, 1, 2, 3)
    committed = fairness.commitment(conn, lobby_id)  # what the card showed at the start
    unit(conn, duels.record_roll, lobby_id, 1, 1, 3, now=NOW, chat_id=CHAT, message_id=77,
         sent_at=NOW - 1)  # Ann's die, seen in the group
    outbox.pending(conn)
    unit(conn, stranded.bot_removed, CHAT, settings=S, now=NOW + 5)
    told = [m.params for m in outbox.pending(conn) if m.text_key == "group_finished_privately"]
    seed = bytes.fromhex(told[0]["seed"])
    assert hashlib.sha256(seed).hexdigest() == committed == told[0]["commitment"]
    rows = conn.execute("SELECT round, user_id, value, roller, message_id, sent_at FROM rolls"
                        " WHERE lobby_id = ? ORDER BY round, user_id", (lobby_id,)).fetchall()
    assert tuple(rows[0]) == (1, 1, 3, "bot", 77, NOW - 1)
    server = [tuple(r) for r in rows if r["roller"] == "server"]
    assert len(server) >= 2 and all(r[4] is None for r in server)
    for rnd, user_id, value, *_ in server:
        assert value == independent_draw(seed, lobby_id, rnd, user_id, 6)
    assert games.get_lobby(conn, lobby_id).status == "settled"
    assert ledger.audit(conn) == []


def test_the_readme_recipe_is_the_draw():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Checking a result", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    recipe = code.split("\nseed = ", 1)[0]  # the function; the rest needs a real seed
    namespace: dict = {}
    exec(recipe, namespace)  # our own README: running it is the point
    for n in range(200):
        seed = hashlib.sha256(bytes([n])).digest()
        for faces in (5, 6, 64):
            assert namespace["draw"](seed.hex(), n, 2, 777, faces) == fairness.draw(
                seed, n, 2, 777, faces)
