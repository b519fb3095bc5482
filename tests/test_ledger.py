"""The double-entry ledger: transfers, idempotency, adjustments, history and the audit
(random sequences of operations against a plain Python model: test_ledger_property.py)."""

from __future__ import annotations

import sqlite3

import pytest

from ludice import db, ledger
from ludice.errors import IdempotencyConflict, InsufficientFunds, LudiceError

NOW = 1_700_000_000


def count_transfers(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM transfers").fetchone()[0]


def all_balances(conn: sqlite3.Connection) -> dict[int, int]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, balance FROM accounts")}


def grant(conn, user_id: int, amount: int, key: str) -> ledger.Transfer:
    with db.transaction(conn):
        return ledger.transfer(conn, debit=ledger.BONUS, credit=user_id, amount=amount,
                               kind="bonus", key=key, now=NOW)


@pytest.fixture
def two(conn, make_user):
    """Users 1 and 2; user 1 holds 100 bonus credits."""
    make_user(conn, 1, "one")
    make_user(conn, 2, "two")
    grant(conn, 1, 100, "seed")
    return conn


# -- transfers ------------------------------------------------------------------------------

def test_transfer_moves_both_balances(two):
    conn = two
    with db.transaction(conn):
        t = ledger.transfer(conn, debit=1, credit=2, amount=40, kind="gift", key="g1",
                            now=NOW + 5, reference="thanks")
    assert (t.debit_id, t.credit_id, t.amount, t.kind, t.reference, t.idem_key, t.created_at) \
        == (1, 2, 40, "gift", "thanks", "g1", NOW + 5)
    assert t.replayed is False
    assert t.id == 2
    assert ledger.balance(conn, 1) == 60
    assert ledger.balance(conn, 2) == 40
    assert ledger.balance(conn, ledger.BONUS) == -100
    assert sum(all_balances(conn).values()) == 0
    assert ledger.audit(conn) == []


def test_a_user_can_spend_everything(two):
    conn = two
    with db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=ledger.ESCROW, amount=100, kind="stake",
                        key="all", now=NOW)
    assert ledger.balance(conn, 1) == 0
    assert ledger.balance(conn, ledger.ESCROW) == 100


@pytest.mark.parametrize("amount", [0, -1, -100, True, False, 1.0, 2.5, "5", None])
def test_bad_amounts_rejected(two, amount):
    conn = two
    before, count = all_balances(conn), count_transfers(conn)
    with pytest.raises(LudiceError, match="positive whole number"), db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=2, amount=amount, kind="gift", key="bad", now=NOW)
    assert all_balances(conn) == before
    assert count_transfers(conn) == count


def test_same_account_rejected(two):
    conn = two
    with pytest.raises(LudiceError, match="two different accounts"), db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=1, amount=5, kind="gift", key="self", now=NOW)
    assert count_transfers(conn) == 1


def test_unknown_account_rejected(two):
    conn = two
    with pytest.raises(LudiceError, match="no account"), db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=777, amount=5, kind="gift", key="x", now=NOW)
    assert count_transfers(conn) == 1
    assert ledger.balance(conn, 1) == 100


def test_insufficient_funds_changes_nothing(two):
    conn = two
    before, count = all_balances(conn), count_transfers(conn)
    with (pytest.raises(InsufficientFunds, match="holds 100, cannot pay 101"),
          db.transaction(conn)):
        ledger.transfer(conn, debit=1, credit=2, amount=101, kind="gift", key="big", now=NOW)
    assert all_balances(conn) == before
    assert count_transfers(conn) == count
    # A user with no credits at all, and a statement-level failure inside an open unit.
    with db.transaction(conn):
        with pytest.raises(InsufficientFunds):
            ledger.transfer(conn, debit=2, credit=1, amount=1, kind="gift", key="none", now=NOW)
        ledger.transfer(conn, debit=1, credit=2, amount=1, kind="gift", key="ok", now=NOW)
    assert ledger.balance(conn, 2) == 1
    # The refused key was not consumed.
    with db.transaction(conn):
        t = ledger.transfer(conn, debit=2, credit=1, amount=1, kind="gift", key="none", now=NOW)
    assert not t.replayed


def test_replay_returns_the_first_outcome_and_changes_nothing(two):
    conn = two
    with db.transaction(conn):
        first = ledger.transfer(conn, debit=1, credit=2, amount=30, kind="gift", key="k",
                                now=NOW, reference="first")
    before, count = all_balances(conn), count_transfers(conn)
    with db.transaction(conn):
        again = ledger.transfer(conn, debit=1, credit=2, amount=30, kind="gift", key="k",
                                now=NOW + 99)
    assert again.replayed is True
    assert again.id == first.id
    assert again.created_at == first.created_at
    assert again.reference == "first"
    assert all_balances(conn) == before
    assert count_transfers(conn) == count
    # A replay still answers after the payer has spent everything since.
    with db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=ledger.HOUSE, amount=70, kind="fee", key="spend",
                        now=NOW)
    with db.transaction(conn):
        late = ledger.transfer(conn, debit=1, credit=2, amount=30, kind="gift", key="k", now=NOW)
    assert late.replayed and late.id == first.id
    assert ledger.balance(conn, 1) == 0


@pytest.mark.parametrize("terms", [
    {"debit": 2, "credit": 1, "amount": 30, "kind": "gift"},
    {"debit": 1, "credit": ledger.HOUSE, "amount": 30, "kind": "gift"},
    {"debit": 1, "credit": 2, "amount": 31, "kind": "gift"},
    {"debit": 1, "credit": 2, "amount": 30, "kind": "fee"},
])
def test_same_key_different_terms_conflicts(two, terms):
    conn = two
    with db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=2, amount=30, kind="gift", key="k", now=NOW)
    before, count = all_balances(conn), count_transfers(conn)
    with pytest.raises(IdempotencyConflict, match="'k'"), db.transaction(conn):
        ledger.transfer(conn, key="k", now=NOW, **terms)
    assert all_balances(conn) == before
    assert count_transfers(conn) == count


# -- adjust ---------------------------------------------------------------------------------

def test_adjust_both_ways(two):
    conn = two
    with db.transaction(conn):
        up = ledger.adjust(conn, 2, 25, reason="  goodwill ", key="a1", now=NOW)
    assert (up.debit_id, up.credit_id, up.amount, up.kind, up.reference) == (
        ledger.ADJUST, 2, 25, "adjust", "goodwill")
    with db.transaction(conn):
        down = ledger.adjust(conn, 2, -20, reason="typo", key="a2", now=NOW)
    assert (down.debit_id, down.credit_id, down.amount) == (2, ledger.ADJUST, 20)
    assert ledger.balance(conn, 2) == 5
    assert ledger.balance(conn, ledger.ADJUST) == -5
    assert ledger.audit(conn) == []


def test_adjust_refusals_change_nothing(two):
    conn = two
    before, count = all_balances(conn), count_transfers(conn)
    with (pytest.raises(InsufficientFunds, match="holds 100; cannot take 101"),
          db.transaction(conn)):
        ledger.adjust(conn, 1, -101, reason="r", key="a", now=NOW)
    for reason in ("", "   "):
        with pytest.raises(LudiceError, match="needs a reason"), db.transaction(conn):
            ledger.adjust(conn, 1, 5, reason=reason, key="b", now=NOW)
    for amount in (0, True, 1.5):
        with pytest.raises(LudiceError, match="non-zero whole number"), db.transaction(conn):
            ledger.adjust(conn, 1, amount, reason="r", key="c", now=NOW)
    assert all_balances(conn) == before
    assert count_transfers(conn) == count


def test_adjust_positive_replay(two):
    conn = two
    with db.transaction(conn):
        ledger.adjust(conn, 2, 10, reason="r", key="same", now=NOW)
    with db.transaction(conn):
        again = ledger.adjust(conn, 2, 10, reason="r", key="same", now=NOW)
    assert again.replayed
    assert ledger.balance(conn, 2) == 10


def test_adjust_negative_replay_after_balance_is_gone(two):
    conn = two
    with db.transaction(conn):
        ledger.adjust(conn, 1, -100, reason="clawback", key="neg", now=NOW)
    with db.transaction(conn):
        again = ledger.adjust(conn, 1, -100, reason="clawback", key="neg", now=NOW)
    assert again.replayed
    assert ledger.balance(conn, 1) == 0


def test_open_account_is_idempotent(conn, make_user):
    make_user(conn, 9)
    with db.transaction(conn):
        ledger.open_account(conn, 9)
        ledger.open_account(conn, 9)
    assert tuple(conn.execute("SELECT name, balance FROM accounts WHERE id = 9").fetchone()) == (
        "user:9", 0)
    assert ledger.balance(conn, 12345) == 0  # no account reads as empty


# -- history --------------------------------------------------------------------------------

def test_history_order_filter_and_limit(conn, make_user):
    for uid in (1, 2, 3):
        make_user(conn, uid)
    grant(conn, 1, 50, "b1")           # 1
    grant(conn, 2, 50, "b2")           # 2
    with db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=2, amount=5, kind="gift", key="g1", now=NOW)  # 3
        ledger.transfer(conn, debit=2, credit=3, amount=7, kind="gift", key="g2", now=NOW)  # 4
        ledger.transfer(conn, debit=3, credit=1, amount=1, kind="gift", key="g3", now=NOW)  # 5
    assert [t.id for t in ledger.history(conn)] == [5, 4, 3, 2, 1]
    assert [t.id for t in ledger.history(conn, limit=2)] == [5, 4]
    assert [t.id for t in ledger.history(conn, 1)] == [5, 3, 1]
    assert [t.id for t in ledger.history(conn, 2)] == [4, 3, 2]
    assert [t.id for t in ledger.history(conn, 3, limit=1)] == [5]
    assert [t.id for t in ledger.history(conn, ledger.BONUS)] == [2, 1]
    assert ledger.history(conn, 999) == []
    assert all(not t.replayed for t in ledger.history(conn))
    assert ledger.account_names(conn)[1] == "user:1"
    assert ledger.account_names(conn)[ledger.HOUSE] == "house"


# -- audit ----------------------------------------------------------------------------------

def test_audit_catches_a_corrupted_balance(two):
    conn = two
    assert ledger.audit(conn) == []
    conn.execute("UPDATE accounts SET balance = 150 WHERE id = 1")
    problems = ledger.audit(conn)
    assert "balances sum to 50, not 0" in problems
    assert "account user:1 holds 150 but its transfers add up to 100" in problems
    assert len(problems) == 2


def test_audit_catches_a_balance_moved_without_a_transfer(two):
    conn = two
    conn.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1")
    conn.execute("UPDATE accounts SET balance = balance + 10 WHERE id = 2")
    problems = ledger.audit(conn)
    # The sum still balances; each account's own history does not.
    assert sorted(problems) == [
        "account user:1 holds 90 but its transfers add up to 100",
        "account user:2 holds 10 but its transfers add up to 0",
    ]


def test_audit_catches_a_transfer_without_balance_moves(two):
    conn = two
    conn.execute("DROP TRIGGER transfers_apply")
    conn.execute("INSERT INTO transfers (debit_id, credit_id, amount, kind, idem_key, created_at)"
                 " VALUES (1, 2, 30, 'gift', 'ghost', 1)")
    problems = ledger.audit(conn)
    assert sorted(problems) == [
        "account user:1 holds 100 but its transfers add up to 70",
        "account user:2 holds 0 but its transfers add up to 30",
    ]


def test_audit_checks_escrow_against_lobbies(two):
    conn = two
    assert ledger.audit(conn) == []
    # A lobby in play whose stakes never reached escrow.
    conn.execute("INSERT INTO lobbies (id, game, bet, seats, creator_id, created_at, expires_at)"
                 " VALUES (1, 'dice', 10, 2, 1, 1, 2)")
    conn.execute("INSERT INTO lobby_players (lobby_id, user_id, seat, stake, joined_at)"
                 " VALUES (1, 1, 1, 10, 1)")
    assert ledger.audit(conn) == ["escrow holds 0 but stakes in play add up to 10"]
    with db.transaction(conn):
        ledger.transfer(conn, debit=1, credit=ledger.ESCROW, amount=10, kind="stake",
                        key="stake:1:1", now=NOW)
    assert ledger.audit(conn) == []
    # Settled, but the payouts and fee do not add up to the stakes.
    conn.execute("UPDATE lobbies SET status = 'settled', fee = 1 WHERE id = 1")
    conn.execute("UPDATE lobby_players SET payout = 8 WHERE lobby_id = 1")
    with db.transaction(conn):
        ledger.transfer(conn, debit=ledger.ESCROW, credit=1, amount=10, kind="payout",
                        key="pay:1", now=NOW)
    assert ledger.audit(conn) == ["lobby 1 (settled) took 10 in stakes but paid out 8 plus 1 fee"]
