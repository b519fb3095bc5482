"""The ledger, as a property: random sequences of operations keep the books balanced and
match a plain Python model of them."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ludice import db, ledger, users
from ludice.errors import IdempotencyConflict, InsufficientFunds, LudiceError

NOW = 1_700_000_000


def count_transfers(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM transfers").fetchone()[0]


def all_balances(conn: sqlite3.Connection) -> dict[int, int]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, balance FROM accounts")}


# -- property: random operation sequences -------------------------------------------------

USERS = (101, 102, 103)
_user = st.sampled_from(USERS)
_amount = st.integers(min_value=1, max_value=500)

_op = st.one_of(
    st.tuples(st.just("bonus"), _user, _amount),
    st.tuples(st.just("give"), _user, _user, _amount),
    st.tuples(st.just("adjust"), _user, st.integers(-500, -1) | st.integers(1, 500)),
    st.tuples(st.just("overdraw"), _user, _user, st.integers(1, 50)),
    st.tuples(st.just("replay"), st.integers(0, 10**6)),
    st.tuples(st.just("conflict"), st.integers(0, 10**6)),
    st.tuples(st.just("half_unit"), _user, _amount),
)


def _fresh_db(directory: str) -> sqlite3.Connection:
    conn = db.open_db(Path(directory) / "prop.db", create=True)
    db.migrate(conn)
    with db.transaction(conn):
        for uid in USERS:
            users.upsert(conn, uid, first_name=str(uid), username=None, language_code=None,
                         now=NOW)
    return conn


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(_op, min_size=1, max_size=40))
def test_random_operations_keep_the_books(ops):
    model = dict.fromkeys((*USERS, ledger.BONUS, ledger.ADJUST), 0)
    done: list[dict] = []  # the exact calls that succeeded, for replays and conflicts
    with tempfile.TemporaryDirectory() as directory:
        conn = _fresh_db(directory)
        try:
            for n, op in enumerate(ops):
                key = f"op:{n}"
                kind = op[0]
                count = count_transfers(conn)
                if kind == "bonus":
                    _, uid, amount = op
                    call = {"debit": ledger.BONUS, "credit": uid, "amount": amount,
                            "kind": "bonus", "key": key}
                    with db.transaction(conn):
                        t = ledger.transfer(conn, now=NOW, **call)
                    assert not t.replayed
                    model[ledger.BONUS] -= amount
                    model[uid] += amount
                    done.append(call)
                elif kind in ("give", "overdraw"):
                    _, src, dst, amount = op
                    if src == dst:
                        with pytest.raises(LudiceError), db.transaction(conn):
                            ledger.transfer(conn, debit=src, credit=dst, amount=amount,
                                            kind="gift", key=key, now=NOW)
                        continue
                    if kind == "overdraw":
                        amount += model[src]
                    call = {"debit": src, "credit": dst, "amount": amount, "kind": "gift",
                            "key": key}
                    if model[src] < amount:
                        with pytest.raises(InsufficientFunds), db.transaction(conn):
                            ledger.transfer(conn, now=NOW, **call)
                        assert count_transfers(conn) == count
                    else:
                        with db.transaction(conn):
                            ledger.transfer(conn, now=NOW, **call)
                        model[src] -= amount
                        model[dst] += amount
                        done.append(call)
                elif kind == "adjust":
                    _, uid, amount = op
                    if amount < 0 and model[uid] < -amount:
                        with pytest.raises(InsufficientFunds), db.transaction(conn):
                            ledger.adjust(conn, uid, amount, reason="prop", key=key, now=NOW)
                        assert count_transfers(conn) == count
                    else:
                        with db.transaction(conn):
                            t = ledger.adjust(conn, uid, amount, reason="prop", key=key,
                                              now=NOW)
                        model[uid] += amount
                        model[ledger.ADJUST] -= amount
                        done.append({"debit": t.debit_id, "credit": t.credit_id,
                                     "amount": t.amount, "kind": "adjust", "key": key})
                elif kind == "replay" and done:
                    # A replay goes through transfer() with the recorded terms (a negative
                    # adjust replayed through adjust() hits the known bug tested above).
                    call = done[op[1] % len(done)]
                    with db.transaction(conn):
                        t = ledger.transfer(conn, now=NOW + 1, **call)
                    assert t.replayed
                    assert count_transfers(conn) == count
                elif kind == "conflict" and done:
                    call = dict(done[op[1] % len(done)])
                    call["amount"] += 1
                    with pytest.raises(IdempotencyConflict), db.transaction(conn):
                        ledger.transfer(conn, now=NOW, **call)
                    assert count_transfers(conn) == count
                elif kind == "half_unit":
                    # A bonus and then a transfer that cannot be paid, in one unit: both go.
                    _, uid, amount = op
                    other = USERS[(USERS.index(uid) + 1) % len(USERS)]
                    with pytest.raises(InsufficientFunds), db.transaction(conn):
                        ledger.transfer(conn, debit=ledger.BONUS, credit=uid, amount=amount,
                                        kind="bonus", key=key, now=NOW)
                        ledger.transfer(conn, debit=uid, credit=other,
                                        amount=model[uid] + amount + 1, kind="gift",
                                        key=f"{key}:b", now=NOW)
                    assert count_transfers(conn) == count
                assert not conn.in_transaction

            assert ledger.audit(conn) == []
            got = all_balances(conn)
            for account, expected in model.items():
                assert got[account] == expected, (account, got, model)
            assert all(got[uid] >= 0 for uid in USERS)
            assert got[ledger.HOUSE] == got[ledger.ESCROW] == got[ledger.STARS] == 0
            assert sum(got.values()) == 0
            assert count_transfers(conn) == len(done)
        finally:
            conn.close()
