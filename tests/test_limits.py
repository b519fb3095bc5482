"""Limits in the domain, on a real SQLite file: what a stake limit, a loss limit, a time-out
and a self-exclusion refuse (in the stake's own transaction), what they let through, the
operator's unexclude and the history, reality-check sessions, and indexed window queries."""

from __future__ import annotations

import random

import pytest

from ludice import (
    challenges,
    db,
    games,
    groups,
    ledger,
    limits,
    outbox,
    payments,
    refunds,
    sessions,
    users,
    windows,
)
from ludice.errors import LudiceError
from ludice.games import GameRefused
from ludice.settings import DEFAULTS
from ludice.windows import DAY

NOW = 1_800_000_000
CHAT = -1001
S = DEFAULTS.replace(tie_rounds=0, lobby_ttl_seconds=300, stars_enabled=True)


def unit(conn, fn, *args, **kwargs):
    with db.transaction(conn):
        return fn(conn, *args, **kwargs)


def refused(conn, fn, *args, **kwargs) -> GameRefused:
    with pytest.raises(GameRefused) as info:
        unit(conn, fn, *args, **kwargs)
    return info.value


@pytest.fixture
def two(conn):
    for user_id in (1, 2, 3):
        unit(conn, users.register, user_id, first_name=f"P{user_id}", username=None,
             language_code="en", welcome_bonus=1000, now=NOW - 40 * DAY)
    return conn


def state(conn) -> tuple:
    return (conn.execute("SELECT id, balance FROM accounts ORDER BY id").fetchall(),
            conn.execute("SELECT count(*) FROM lobbies").fetchone(),
            conn.execute("SELECT count(*) FROM transfers").fetchone())


def lose(conn, user_id: int, amount: int, at: int, key: str) -> None:
    """A lost stake as the ledger records one (to the house, as a house duel would)."""
    unit(conn, ledger.transfer, debit=user_id, credit=ledger.HOUSE, amount=amount,
         kind="stake", key=key, now=at)


def test_a_stake_limit_refuses_the_bet_that_passes_it(two):
    unit(two, limits.set_limit, 1, "stake_day", 100, NOW)
    lose(two, 1, 60, NOW, "first")  # 60 of 100
    before = state(two)
    error = refused(two, games.enter, 1, "darts", 50, settings=S, now=NOW + 10)
    assert error.reason == "over_stake_day"
    assert error.details["limit"] == 100 and error.details["left"] == 40
    assert error.details["resets"] == limits.stamp(NOW + DAY)
    assert state(two) == before  # nothing of the refused bet stayed
    # a bet above the limit itself never fits
    assert refused(two, games.enter, 1, "darts", 150, settings=S, now=NOW + 10).details == {
        "limit": 100}
    # 40 still fits
    assert unit(two, games.enter, 1, "darts", 40, settings=S, now=NOW + 10).lobby.bet == 40


def test_a_refunded_stake_gives_its_room_back(two):
    unit(two, limits.set_limit, 1, "stake_week", 100, NOW)
    lobby = unit(two, games.enter, 1, "dice", 100, settings=S, now=NOW).lobby
    unit(two, refunds.leave, 1, lobby.id, now=NOW + 5)
    assert unit(two, games.enter, 1, "dice", 100, settings=S, now=NOW + 6).lobby.bet == 100


def test_a_loss_limit_counts_net_losses_in_the_window(two):
    unit(two, limits.set_limit, 1, "loss_week", 100, NOW - DAY)
    lose(two, 1, 60, NOW - 8 * DAY, "old")  # outside the week
    lose(two, 1, 50, NOW - 3 * DAY, "a")
    lose(two, 1, 30, NOW - DAY, "b")
    assert limits.usage(two, 1, {"loss_week": 100}, NOW) == {"loss_week": 80}
    error = refused(two, games.enter, 1, "dice", 30, settings=S, now=NOW)
    assert error.reason == "over_loss_week" and error.details["left"] == 20
    assert error.details["resets"] == limits.stamp(NOW - 3 * DAY + 7 * DAY)
    # a payout wins room back
    unit(two, ledger.transfer, debit=ledger.HOUSE, credit=1, amount=40, kind="payout",
         key="won", now=NOW)
    assert unit(two, games.enter, 1, "dice", 30, settings=S, now=NOW).lobby.bet == 30


def test_every_window_is_checked(two):
    unit(two, limits.set_limit, 1, "stake_month", 150, NOW - 20 * DAY)
    lose(two, 1, 120, NOW - 20 * DAY, "long ago")
    assert refused(two, games.enter, 1, "dice", 40, settings=S, now=NOW).reason == \
        "over_stake_month"


def test_a_zero_stake_passes_every_limit_but_not_an_exclusion(two):
    unit(two, limits.set_limit, 1, "loss_day", 10, NOW)
    lose(two, 1, 50, NOW - 60, "x")  # already over (the limit was lowered after)
    unit(two, limits.check, 1, 0, NOW)
    with pytest.raises(limits.LimitRefused):
        unit(two, limits.check, 1, 10, NOW)
    unit(two, limits.exclude, 1, "timeout", 1, NOW)
    with pytest.raises(limits.LimitRefused) as info:
        unit(two, limits.check, 1, 0, NOW)
    assert info.value.reason == "timeout_active"


def test_a_timeout_refuses_every_way_to_stake_until_it_ends(two):
    unit(two, groups.seen, CHAT, title="Club", is_forum=False, lang="en", now=NOW)
    unit(two, groups.set_enabled, CHAT, True, by=3, now=NOW)
    open_challenge = unit(two, challenges.create, CHAT, 2, "dice", 20, target=None,
                          thread_id=None, settings=S, now=NOW).lobby
    pause = unit(two, limits.exclude, 1, "timeout", 7, NOW)
    assert pause.ends_at == NOW + 7 * DAY
    before = state(two)
    assert refused(two, games.enter, 1, "dice", 20, settings=S, now=NOW).reason == \
        "timeout_active"
    assert refused(two, challenges.create, CHAT, 1, "dice", 20, target=None, thread_id=None,
                   settings=S, now=NOW).reason == "timeout_active"
    assert refused(two, challenges.join, open_challenge.id, 1, chat_id=CHAT, now=NOW).reason \
        == "timeout_active"
    # named by someone else: refused on creation, without saying why
    named = refused(two, challenges.create, CHAT, 3, "dice", 20, target=(1, "P1"),
                    thread_id=None, settings=S, now=NOW)
    assert named.reason == "not_taking_challenges" and named.details == {"name": "P1"}
    # take_seat itself refuses, whoever calls it
    assert refused(two, games.take_seat, open_challenge.id, 1, NOW).reason == "timeout_active"
    assert state(two) == before
    later = NOW + 7 * DAY
    assert unit(two, games.enter, 1, "dice", 20, settings=S, now=later).lobby.bet == 20


def test_a_direct_challenge_over_the_targets_limit_is_refused(two):
    unit(two, groups.seen, CHAT, title="Club", is_forum=False, lang="en", now=NOW)
    unit(two, groups.set_enabled, CHAT, True, by=3, now=NOW)
    unit(two, limits.set_limit, 1, "stake_day", 30, NOW)
    assert refused(two, challenges.create, CHAT, 2, "dice", 50, target=(1, "P1"),
                   thread_id=None, settings=S, now=NOW).reason == "not_taking_challenges"
    assert unit(two, challenges.create, CHAT, 2, "dice", 30, target=(1, "P1"), thread_id=None,
                settings=S, now=NOW).lobby.bet == 30


def test_exclusions_only_lengthen_and_only_the_operator_lifts_them(two):
    unit(two, limits.exclude, 1, "exclusion", 183, NOW)
    with pytest.raises(LudiceError):
        unit(two, limits.exclude, 1, "timeout", 3, NOW)  # not a length on offer
    with pytest.raises(LudiceError):
        unit(two, limits.exclude, 1, "exclusion", 30, NOW)
    unit(two, limits.exclude, 1, "timeout", 1, NOW)  # shorter: the exclusion still holds
    assert limits.exclusion(two, 1, NOW + 2 * DAY).kind == "exclusion"
    with pytest.raises(LudiceError, match="reason"):
        unit(two, limits.unexclude, 1, "  ", NOW)
    assert unit(two, limits.unexclude, 1, "legal request #12", NOW + 60) == 2
    assert limits.exclusion(two, 1, NOW + 60) is None
    assert unit(two, limits.unexclude, 1, "again", NOW + 60) == 0
    last = limits.history(two, 1)[0]
    assert (last["item"], last["actor"], last["reason"]) == (
        "unexclude", "operator", "legal request #12")


def test_a_top_up_is_refused_during_a_time_out_or_exclusion(two):
    payload = unit(two, payments.offer, 1, 15, settings=S, now=NOW)[0]
    unit(two, limits.exclude, 1, "exclusion", 365, NOW)
    for call in (lambda: payments.offer(two, 1, 15, settings=S, now=NOW + 1),
                 lambda: payments.pre_checkout(two, 1, payload, "XTR", 15, settings=S,
                                               now=NOW + 1)):
        with pytest.raises(payments.PaymentRefused) as info:
            call()
        assert info.value.reason == "topup_exclusion"
    # free bonuses still accrue
    assert unit(two, users.claim_daily, 1, 50, NOW + 1) == 1050


def test_the_default_daily_loss_limit_and_lowering_it_at_once(two):
    unit(two, limits.apply_default, 1, 200, NOW)
    unit(two, limits.apply_default, 2, 0, NOW)
    assert limits.in_force(limits.stored(two, 1), NOW) == {"loss_day": 200}
    assert limits.stored(two, 2) == {}
    assert unit(two, limits.set_limit, 1, "loss_day", 100, NOW + 1).in_force(NOW + 1) == 100
    raised = unit(two, limits.set_limit, 1, "loss_day", 500, NOW + 2)
    assert raised.in_force(NOW + 2) == 100 and raised.in_force(NOW + 2 + DAY) == 500
    log = limits.history(two, 1)
    assert [(r["item"], r["value"], r["actor"]) for r in reversed(log)] == [
        ("loss_day", 200, "default"), ("loss_day", 100, "player"), ("loss_day", 500, "player")]
    assert log[0]["effective_at"] == NOW + 2 + DAY
    with pytest.raises(LudiceError):
        unit(two, limits.set_limit, 1, "loss_year", 5, NOW)


def test_reality_check_sessions(two):
    unit(two, limits.set_reminder, 1, 30, NOW)
    unit(two, games.enter, 1, "dice", 20, settings=S, now=NOW)
    unit(two, games.enter, 2, "dice", 20, settings=S, now=NOW)  # 2 has no reminder
    assert [tuple(r) for r in two.execute("SELECT user_id FROM play_sessions")] == [(1,)]
    assert unit(two, sessions.send_due_checks, now=NOW + 29 * 60) == 0
    assert unit(two, sessions.send_due_checks, now=NOW + 30 * 60) == 1
    [check] = [m for m in outbox.pending(two) if m.text_key == "reality_check"]
    assert check.chat_id == 1 and check.params == {"minutes": 30, "net": -20}
    # the next one comes 30 minutes later, but a pause in play ends the session instead
    assert unit(two, sessions.send_due_checks, now=NOW + 59 * 60) == 0
    assert unit(two, sessions.send_due_checks, now=NOW + 60 * 60) == 0
    assert two.execute("SELECT count(*) FROM play_sessions").fetchone()[0] == 0
    with pytest.raises(LudiceError):
        unit(two, limits.set_reminder, 1, 5, NOW)


def test_turning_reality_checks_off_ends_the_session_and_on_again_restarts_it(two):
    unit(two, limits.set_reminder, 1, 60, NOW)
    unit(two, games.enter, 1, "dice", 20, settings=S, now=NOW)
    unit(two, limits.set_reminder, 1, 30, NOW + 60)  # sooner: due 30 min after the start
    assert two.execute("SELECT next_check_at FROM play_sessions").fetchone()[0] == NOW + 1800
    assert sessions.summary(two, 1, NOW + 600) == (10, -20)
    unit(two, limits.set_reminder, 1, 0, NOW + 120)
    assert sessions.summary(two, 1, NOW + 600) is None
    assert unit(two, sessions.send_due_checks, now=NOW + 3600) == 0
    assert limits.overview(two, 1, NOW).reminder == 0


def test_the_queries_of_a_stake_and_of_the_sweep_use_indexes(two):
    """Every statement a limited player's stake and the reality-check sweep run, explained:
    no full scan of a table (transfers least of all)."""
    for item in windows.ITEMS:
        unit(two, limits.set_limit, 1, item, 10, NOW - DAY)
    unit(two, limits.set_reminder, 1, 30, NOW - DAY)
    lose(two, 1, 5, NOW - 60, "some")
    seen: list[str] = []
    two.set_trace_callback(seen.append)
    try:
        with pytest.raises(GameRefused):  # refused: the movements are read as well
            unit(two, games.enter, 1, "dice", 10, settings=S, now=NOW)
        unit(two, sessions.send_due_checks, now=NOW)
        limits.overview(two, 1, NOW)
    finally:
        two.set_trace_callback(None)
    reads = [q for q in seen if q.lstrip().upper().startswith(("SELECT", "WITH"))
             and ("transfers" in q or "exclusions" in q or "play_sessions" in q
                  or "player_limits" in q)]
    assert len(reads) >= 5
    for query in reads:
        plan = [r[-1] for r in two.execute(f"EXPLAIN QUERY PLAN {query}")]
        assert not [step for step in plan if step.startswith("SCAN")], (query, plan)


def test_the_sums_sqlite_makes_are_the_window_arithmetic(two):
    """limits.usage (SQL over the indexes) against windows.used (plain Python) on random
    histories, window edges included."""
    rng = random.Random(12)
    unit(two, ledger.transfer, debit=ledger.BONUS, credit=1, amount=10**9, kind="bonus",
         key="funds", now=NOW - 40 * DAY)
    history: list[tuple[str, int, int]] = []
    edges = [0, 1, DAY - 1, DAY, DAY + 1, 7 * DAY - 1, 7 * DAY, 30 * DAY - 1, 30 * DAY]
    for n in range(300):
        kind = rng.choice(("stake", "stake", "payout", "refund"))
        ago = rng.choice(edges) if n % 5 == 0 else rng.randrange(0, 35 * DAY)
        amount = rng.randrange(1, 500)
        debit, credit = (1, ledger.HOUSE) if kind == "stake" else (ledger.HOUSE, 1)
        unit(two, ledger.transfer, debit=debit, credit=credit, amount=amount, kind=kind,
             key=f"t{n}", now=NOW - ago)
        history.append((kind, NOW - ago, amount))
    staked = [(at, a if k == "stake" else -a) for k, at, a in history if k != "payout"]
    lost = [(at, a if k == "stake" else -a) for k, at, a in history]
    for now in (NOW, NOW - DAY, NOW - 3 * DAY + 7):
        got = limits.usage(two, 1, dict.fromkeys(windows.ITEMS, 1), now)
        for item in windows.ITEMS:
            moves = staked if item.startswith("stake") else lost
            assert got[item] == windows.used(moves, windows.window_of(item), now,
                                             windows.floor_of(item)), (now, item)


def test_a_pause_withdraws_only_a_lobby_the_player_waits_in_alone(two):
    assert unit(two, refunds.withdraw_alone, 1, now=NOW) is None  # no lobby
    waiting = unit(two, games.enter, 1, "dice", 20, settings=S, now=NOW).lobby
    withdrawn = unit(two, refunds.withdraw_alone, 1, now=NOW + 1)
    assert withdrawn.id == waiting.id and withdrawn.status == "cancelled"
    assert ledger.balance(two, 1) == 1000
    unit(two, games.enter, 1, "dice", 20, settings=S, now=NOW + 2)
    unit(two, games.enter, 2, "dice", 20, settings=S, now=NOW + 2)  # in play: it finishes
    assert unit(two, refunds.withdraw_alone, 1, now=NOW + 3) is None
    assert unit(two, refunds.withdraw_alone, 2, now=NOW + 3) is None
    assert games.current_lobby(two, 1).status == "rolling"
