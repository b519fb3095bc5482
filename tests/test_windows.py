"""The arithmetic of limits, clock passed in: rolling day/week/month windows, when a refused
bet fits again, and the 24-hour wait before a looser limit applies."""

from __future__ import annotations

import pytest

from ludice import windows
from ludice.windows import DAY, Limit

NOW = 1_800_000_000
WEEK, MONTH = 7 * DAY, 30 * DAY


def test_windows_roll_back_from_now():
    moves = [(NOW - DAY, 100), (NOW - DAY + 1, 10), (NOW - 3 * DAY, 20), (NOW - 29 * DAY, 40),
             (NOW - MONTH, 1000)]
    # A movement counts while at > now - window: the one exactly a day old has left.
    assert windows.used(moves, DAY, NOW) == 10
    assert windows.used(moves, WEEK, NOW) == 130
    assert windows.used(moves, MONTH, NOW) == 170
    # one second later the 10 leaves the day
    assert windows.used(moves, DAY, NOW + 1) == 0


def test_movements_in_the_future_do_not_count_yet():
    assert windows.used([(NOW + 5, 50)], DAY, NOW) == 0


def test_a_loss_window_may_hold_winnings_a_stake_window_not():
    moves = [(NOW - 100, 50), (NOW - 50, -80)]  # staked 50, won 80 back
    assert windows.used(moves, DAY, NOW, windows.floor_of("loss_day")) == -30
    assert windows.used(moves, DAY, NOW, windows.floor_of("stake_day")) == 0


def test_a_bet_that_fits_fits_now():
    assert windows.fits_at([(NOW - 10, 40)], DAY, 100, 60, NOW) == NOW


def test_a_refused_bet_fits_once_enough_has_left_the_window():
    moves = [(NOW - 5000, 30), (NOW - 3000, 30), (NOW - 1000, 30)]
    # 90 used of 100: 20 more fits when the first 30 leaves, 50 more when two have left
    assert windows.fits_at(moves, DAY, 100, 20, NOW) == NOW - 5000 + DAY
    assert windows.fits_at(moves, DAY, 100, 50, NOW) == NOW - 3000 + DAY
    assert windows.used(moves, DAY, NOW - 3000 + DAY) + 50 <= 100
    assert windows.used(moves, DAY, NOW - 3000 + DAY - 1) + 50 > 100


def test_a_payout_leaving_the_window_can_delay_the_fit():
    # staked 100 and won 150 back later: a net win; the win leaves after the stake does
    moves = [(NOW - 2000, 100), (NOW - 1000, -150), (NOW - 500, 100)]
    # loss now 50: 60 more would pass 100 until the first stake leaves (then -50)
    assert windows.fits_at(moves, DAY, 100, 60, NOW) == NOW - 2000 + DAY
    # movements at the same moment leave together
    same = [(NOW - 10, 100), (NOW - 10, -100), (NOW - 5, 90)]
    assert windows.fits_at(same, DAY, 100, 20, NOW) == NOW - 5 + DAY


def test_a_bet_above_the_limit_itself_gets_the_moment_the_window_empties():
    moves = [(NOW - 100, 10), (NOW - 50, 10)]
    assert windows.fits_at(moves, DAY, 100, 500, NOW) == NOW - 50 + DAY


def test_lowering_applies_at_once():
    assert windows.change(Limit(500), 200, NOW) == Limit(200)
    assert windows.change(Limit(), 300, NOW) == Limit(300)


def test_raising_or_removing_waits_24_hours():
    raised = windows.change(Limit(200), 500, NOW)
    assert raised == Limit(200, 500, NOW + DAY)
    assert raised.in_force(NOW) == 200 and raised.waiting(NOW)
    assert raised.in_force(NOW + DAY - 1) == 200
    assert raised.in_force(NOW + DAY) == 500 and not raised.waiting(NOW + DAY)
    removed = windows.change(Limit(200), None, NOW)
    assert removed.in_force(NOW + DAY - 1) == 200 and removed.in_force(NOW + DAY) is None


def test_a_stricter_request_replaces_a_waiting_raise():
    raised = windows.change(Limit(200), 500, NOW)
    assert windows.change(raised, 100, NOW + 60) == Limit(100)
    # asking again for what is in force cancels the raise
    assert windows.change(raised, 200, NOW + 60) == Limit(200)
    # the same raise asked again keeps its wait; a different one restarts it
    assert windows.change(raised, 500, NOW + 3600) == raised
    again = windows.change(raised, 400, NOW + 3600)
    assert again == Limit(200, 400, NOW + 3600 + DAY)


def test_a_raise_asked_after_the_first_one_applied_starts_from_it():
    raised = windows.change(Limit(200), 500, NOW)
    later = windows.change(raised, 300, NOW + 2 * DAY)  # 500 is in force: 300 is lower
    assert later == Limit(300)


@pytest.mark.parametrize("text", ["500", " 500 ", "1"])
def test_amounts_as_typed(text):
    assert windows.parse_amount(text) == int(text)


@pytest.mark.parametrize("text", ["0", "off", "None", "нет"])
def test_no_limit_as_typed(text):
    assert windows.parse_amount(text) is None


@pytest.mark.parametrize("text", ["-5", "1.5", "abc", "", "٣", str(10**13), "1e3"])
def test_bad_amounts(text):
    with pytest.raises(ValueError):
        windows.parse_amount(text)


def test_items():
    assert windows.parse_item("Stake", "day") == "stake_day"
    assert windows.parse_item("loss", "MONTH") == "loss_month"
    for kind, window in (("stake", "year"), ("reminder", "day"), ("", "")):
        with pytest.raises(ValueError):
            windows.parse_item(kind, window)
