"""Group play in the domain: throw-your-own rounds, and duels that cannot finish in their
group (play switched off, the bot removed, the group unreachable or moved), against a real
SQLite file."""

from __future__ import annotations

from grouphelpers import CHAT, NOW, S, create, group, join, player, unit

from ludice import (
    challenges,
    db,
    duels,
    games,
    groups,
    ledger,
    outbox,
    stranded,
    throws,
)

# -- throw-your-own ---------------------------------------------------------------------------

def _throw(conn, user_id, value=3, emoji="🎲", now=NOW, **kw):
    kwargs = {"forwarded": False, "via_bot": False, "thread_id": None, "message_id": 1} | kw
    return unit(conn, throws.throw, CHAT, user_id, emoji, value, now=now, **kwargs)


def _throw_lobby(conn, players=(1, 2, 3)) -> int:
    group(conn, seats=str(len(players)), throw="on", turn="30")
    for user_id in players:
        player(conn, user_id, f"P{user_id}")
    lobby_id = create(conn, players[0]).lobby.id
    for user_id in players[1:]:
        join(conn, lobby_id, user_id)
    return lobby_id


def test_a_full_throw_lobby_opens_its_first_window(conn):
    lobby_id = _throw_lobby(conn)
    assert challenges.get(conn, lobby_id).turn_ends_at == NOW + 30
    turn = [m for m in outbox.pending(conn) if m.text_key == "group_turn"]
    assert [m.params["players"] for m in turn] == [["P1", "P2", "P3"]]
    assert throws.rolling_turns(conn) == [(lobby_id, NOW + 30)]


def test_which_throws_count(conn):
    lobby_id = _throw_lobby(conn)
    player(conn, 8)
    assert _throw(conn, 8) is None  # not a player here
    hints = [_throw(conn, 1, forwarded=True).hint, _throw(conn, 1, via_bot=True).hint,
             _throw(conn, 1, emoji="🎯").hint, _throw(conn, 1, thread_id=5).hint]
    assert hints == ["throw_forwarded", "throw_via_bot", "throw_wrong_emoji",
                     "throw_wrong_topic"]
    first = _throw(conn, 1, value=4)
    assert first.counted and not first.complete and first.game == "dice"
    assert _throw(conn, 1, value=6).hint == "throw_twice"
    assert _throw(conn, 2, value=2, now=NOW + 30).hint == "throw_late"
    assert _throw(conn, 2, value=2, now=NOW + 29).counted
    last = _throw(conn, 3, value=4, now=NOW + 29)
    assert last.counted and last.complete
    assert duels.rolls(conn, lobby_id, 1) == {1: 4, 2: 2, 3: 4}


def test_a_tie_break_only_the_tied_throw_and_a_missing_one_forfeits(conn):
    lobby_id = _throw_lobby(conn)
    for user_id, value in ((1, 5), (2, 5), (3, 1)):
        _throw(conn, user_id, value=value)
    assert unit(conn, throws.due_turns, now=NOW + 1, settle_after=4) == []
    assert unit(conn, throws.due_turns, now=NOW + 4, settle_after=4) == [lobby_id]
    outcome = unit(conn, challenges.advance, lobby_id, settings=S, now=NOW + 4)
    assert not outcome.settled and outcome.next_players == [1, 2]
    assert challenges.get(conn, lobby_id).turn_ends_at == NOW + 34
    turn = [m for m in outbox.pending(conn) if m.text_key == "group_turn"][-1]
    assert turn.params["round"] == 2 and turn.params["tie"] == [["P1", 5], ["P2", 5], ["P3", 1]]
    assert _throw(conn, 3, now=NOW + 5).hint == "throw_not_your_round"
    assert _throw(conn, 2, value=3, now=NOW + 5).counted
    assert unit(conn, throws.close_turn, lobby_id, settings=S, now=NOW + 33) is None
    done = unit(conn, throws.close_turn, lobby_id, settings=S, now=NOW + 34)
    assert done.settled and ledger.balance(conn, 2) == 140
    result = [m for m in outbox.pending(conn) if m.text_key == "group_result"][-1]
    assert result.params["missing"] == ["P1"] and result.params["rolls"] == [["P2", 3]]


def test_nobody_throws_round_one_refunds_and_a_silent_tie_break_splits(conn):
    lobby_id = _throw_lobby(conn, players=(1, 2))
    closed = unit(conn, throws.close_turn, lobby_id, settings=S, now=NOW + 30)
    assert (closed.lobby.status, closed.lobby.cancel_reason) == ("expired", "no_throws")
    assert ledger.balance(conn, 1) == 100 and ledger.balance(conn, ledger.ESCROW) == 0
    keys = [(m.chat_id, m.text_key) for m in outbox.pending(conn)]
    assert (CHAT, "group_no_throws") in keys and (1, "group_lobby_closed") in keys
    assert unit(conn, throws.close_turn, lobby_id, settings=S, now=NOW + 60) is None

    lobby_id = create(conn, 1).lobby.id
    join(conn, lobby_id, 2)
    _throw(conn, 1, value=6)
    _throw(conn, 2, value=6)
    unit(conn, challenges.advance, lobby_id, settings=S, now=NOW + 5)
    done = unit(conn, throws.close_turn, lobby_id, settings=S, now=NOW + 35)
    assert done.settled
    result = [m for m in outbox.pending(conn) if m.text_key == "group_result"][-1]
    assert result.params["split"] and result.params["rolls"] == []
    assert ledger.balance(conn, 1) == 100 and ledger.balance(conn, 2) == 100
    assert ledger.audit(conn) == []


def _sent(conn) -> list[tuple[int, str]]:
    """What the outbox holds now, then marked sent: (chat, key) in order."""
    pending = outbox.pending(conn)
    for message in pending:
        unit(conn, outbox.mark_done, message.id, NOW)
    return [(m.chat_id, m.text_key) for m in pending]


def test_play_off_refunds_open_challenges_and_lets_rolling_duels_finish(conn):
    group(conn)
    for user_id in (1, 2, 3, 4):
        player(conn, user_id)
    open_id = create(conn, 1).lobby.id
    rolling_id = create(conn, 2).lobby.id
    join(conn, rolling_id, 3)
    unit(conn, duels.record_roll, rolling_id, 1, 2, 1, now=NOW)  # the admin (2) rolled a 1
    unit(conn, duels.record_roll, rolling_id, 1, 3, 6, now=NOW)
    _sent(conn)
    _, closed = unit(conn, groups.set_enabled, CHAT, False, by=2, now=NOW)
    assert [(lb.id, lb.cancel_reason) for lb in closed] == [(open_id, "play_off")]
    assert _sent(conn) == [(1, "group_lobby_closed"), (CHAT, "group_card")]
    assert games.get_lobby(conn, rolling_id).status == "rolling"  # not voided
    done = unit(conn, challenges.advance, rolling_id, settings=S, now=NOW)
    assert done.settled and ledger.balance(conn, 3) == 120 and ledger.balance(conn, 2) == 80
    assert ledger.audit(conn) == []


def _scripted(*values: int):
    rolled = list(values)
    return lambda faces: rolled.pop(0)


def test_bot_removed_refunds_open_lobbies_and_finishes_rolling_ones_privately(conn):
    group(conn, seats="3")
    for user_id, name in ((1, "Ann"), (2, "Bob"), (3, "Cid"), (4, "Dee"), (5, "Eve")):
        player(conn, user_id, name)
    open_id = create(conn, 4).lobby.id
    rolling_id = create(conn, 1).lobby.id
    join(conn, rolling_id, 2)
    join(conn, rolling_id, 3)
    unit(conn, duels.record_roll, rolling_id, 1, 1, 2, now=NOW)  # seen in the group: stands
    _sent(conn)
    # Bob and Cid tie on 5 (server), the tie-break: Bob 3, Cid 4
    done = unit(conn, stranded.bot_removed, CHAT, settings=S, now=NOW + 1,
                rng=_scripted(5, 5, 3, 4))
    assert [(lb.id, lb.status) for lb in done] == [(open_id, "cancelled"),
                                                  (rolling_id, "settled")]
    assert duels.rolls(conn, rolling_id, 1) == {1: 2, 2: 5, 3: 5}
    assert duels.rolls(conn, rolling_id, 2) == {2: 3, 3: 4}
    assert ledger.balance(conn, 3) == 140 and ledger.balance(conn, 1) == 80
    assert ledger.balance(conn, 4) == 100 and ledger.balance(conn, ledger.ESCROW) == 0
    messages = outbox.pending(conn)
    assert [(m.chat_id, m.text_key) for m in messages] == [
        (4, "group_lobby_closed"), (1, "group_finished_privately"),
        (2, "group_finished_privately"), (3, "group_finished_privately")]  # none to CHAT
    cid = messages[-1].params
    assert cid["rounds"] == [[["Ann", 2], ["Bob", 5], ["Cid", 5]], [["Bob", 3], ["Cid", 4]]]
    assert (cid["winners"], cid["payout"], cid["net"], cid["balance"], cid["reason"],
            cid["group"]) == (["Cid"], 60, 40, 140, "bot_removed", "Club")
    assert messages[1].params["net"] == -20 and not messages[1].params["split"]
    assert (groups.get(conn, CHAT).present, groups.get(conn, CHAT).enabled) == (False, False)
    assert unit(conn, stranded.bot_removed, CHAT, settings=S, now=NOW + 2) == []
    assert ledger.audit(conn) == []


def test_a_tie_still_there_after_the_tie_rounds_splits_server_side(conn):
    group(conn)
    for user_id in (1, 2):
        player(conn, user_id)
    lobby_id = create(conn, 1).lobby.id  # S: one tie-break round
    join(conn, lobby_id, 2)
    unit(conn, duels.record_roll, lobby_id, 1, 1, 4, now=NOW)
    done = unit(conn, stranded.bot_removed, CHAT, settings=S, now=NOW,
                rng=_scripted(4, 6, 6))
    assert done[0].status == "settled" and done[0].round == 2
    assert ledger.balance(conn, 1) == 100 and ledger.balance(conn, 2) == 100
    split = [m.params for m in outbox.pending(conn) if m.text_key == "group_finished_privately"]
    assert [p["split"] for p in split] == [True, True] and split[0]["winners"] == ["P1", "P2"]


def test_a_removed_bot_ends_a_throw_round_by_its_window(conn):
    lobby_id = _throw_lobby(conn, players=(1, 2))
    _throw(conn, 1, value=2)
    # The window is still open: Bob's throw is drawn for him (a 6 beats Ann's 2)
    assert unit(conn, stranded.bot_removed, CHAT, settings=S, now=NOW + 10,
                rng=_scripted(6))[0].status == "settled"
    assert ledger.balance(conn, 2) == 120
    # Window over: Bob did not throw and forfeits, as he would have with the bot there
    unit(conn, groups.seen, CHAT, title="Club", is_forum=False, lang="en", now=NOW)
    unit(conn, groups.set_enabled, CHAT, True, by=1, now=NOW)
    second = create(conn, 1).lobby.id
    join(conn, second, 2)
    _throw(conn, 1, value=1)
    unit(conn, stranded.bot_removed, CHAT, settings=S, now=NOW + 31, rng=_scripted())
    assert games.get_lobby(conn, second).status == "settled"
    assert ledger.balance(conn, 1) == 100 and ledger.balance(conn, 2) == 100
    assert lobby_id != second and ledger.audit(conn) == []


def test_an_unreachable_group_refunds_before_any_die_and_finishes_after(conn):
    group(conn)
    for user_id in (1, 2, 3, 4):
        player(conn, user_id)
    fresh = create(conn, 1).lobby.id
    join(conn, fresh, 2)
    seen = create(conn, 3).lobby.id
    join(conn, seen, 4)
    unit(conn, duels.record_roll, seen, 1, 3, 1, now=NOW)
    _sent(conn)
    called_off = unit(conn, stranded.unreachable, fresh, settings=S, now=NOW)
    assert (called_off.status, called_off.cancel_reason) == ("cancelled", "unreachable")
    finished = unit(conn, stranded.unreachable, seen, settings=S, now=NOW, rng=_scripted(3))
    assert finished.status == "settled" and ledger.balance(conn, 4) == 120
    assert _sent(conn) == [(1, "group_lobby_closed"), (2, "group_lobby_closed"),
                           (3, "group_finished_privately"), (4, "group_finished_privately")]
    assert unit(conn, stranded.unreachable, seen, settings=S, now=NOW) is None
    assert ledger.audit(conn) == []


def test_a_moved_group_finishes_its_rolling_duels_and_refunds_open_ones(conn):
    group(conn)
    for user_id in (1, 2, 3):
        player(conn, user_id)
    rolling_id = create(conn, 1).lobby.id
    join(conn, rolling_id, 2)
    open_id = create(conn, 3).lobby.id
    unit(conn, duels.record_roll, rolling_id, 1, 1, 6, now=NOW)
    done = unit(conn, stranded.group_moved, CHAT, -2002, settings=S, now=NOW,
                rng=_scripted(2))
    assert sorted((lb.id, lb.status) for lb in done) == [(rolling_id, "settled"),
                                                        (open_id, "cancelled")]
    assert ledger.balance(conn, 1) == 120 and ledger.balance(conn, 3) == 100
    assert games.get_lobby(conn, rolling_id).chat_id == -2002  # its history moved along
    assert ledger.audit(conn) == []


def test_a_die_dated_in_time_counts_even_when_read_late(conn):
    _throw_lobby(conn, players=(1, 2, 3))
    # read 40 s after the window closed (the bot was restarting), thrown 10 s in
    assert _throw(conn, 1, value=5, now=NOW + 70, sent_at=NOW + 10).counted
    assert _throw(conn, 2, value=5, now=NOW + 70, sent_at=NOW + 30).hint == "throw_late"
    assert _throw(conn, 3, value=5, now=NOW + 29, sent_at=NOW + 31).counted  # clocks apart


def test_a_lobby_settles_by_the_fee_and_tie_rule_it_opened_under(conn):
    group(conn)
    for user_id in (1, 2, 3, 4, 5):
        player(conn, user_id)
    opened, later = S.replace(house_fee_percent=10, tie_rounds=0), S.replace(
        house_fee_percent=50, tie_rounds=3)
    lobby_id = unit(conn, challenges.create, CHAT, 1, "dice", 20, target=None, thread_id=None,
                    settings=opened, now=NOW).lobby.id
    assert games.get_lobby(conn, lobby_id).fee_percent == 10
    join(conn, lobby_id, 2)
    for user_id in (1, 2):
        unit(conn, duels.record_roll, lobby_id, 1, user_id, 4, now=NOW)
    done = unit(conn, challenges.advance, lobby_id, settings=later, now=NOW)
    assert done.settled and done.lobby.fee == 4  # no re-roll, 10 % (not 50 %) of 40
    assert ledger.balance(conn, 1) == 98 and ledger.balance(conn, 2) == 98
    # private matchmaking: whoever joins plays by the opener's terms
    first = unit(conn, games.enter, 3, "dice", 20, settings=opened, now=NOW).lobby.id
    assert unit(conn, games.enter, 4, "dice", 20, settings=later, now=NOW).lobby.id == first
    unit(conn, duels.record_roll, first, 1, 3, 6, now=NOW)
    unit(conn, duels.record_roll, first, 1, 4, 1, now=NOW)
    assert unit(conn, duels.advance, first, settings=later, now=NOW).lobby.fee == 4
    assert ledger.balance(conn, 3) == 116
    # a rematch opens under the settings of its own time
    again = unit(conn, challenges.rematch, lobby_id, 5, chat_id=CHAT, settings=later,
                 now=NOW).lobby
    assert (again.fee_percent, again.tie_rounds) == (50, 3)
    # a lobby from before the terms were stored (NULL) plays by the current settings
    with db.transaction(conn):
        conn.execute("UPDATE lobbies SET fee_percent = NULL, tie_rounds = NULL WHERE id = ?",
                     (again.id,))
    join(conn, again.id, 1)
    for user_id in (5, 1):
        unit(conn, duels.record_roll, again.id, 1, user_id, 3, now=NOW)
    tie = unit(conn, challenges.advance, again.id, settings=S, now=NOW)
    assert not tie.settled and tie.lobby.round == 2  # S allows one tie-break
    unit(conn, duels.record_roll, again.id, 2, 5, 6, now=NOW)
    unit(conn, duels.record_roll, again.id, 2, 1, 2, now=NOW)
    assert unit(conn, challenges.advance, again.id, settings=S, now=NOW).lobby.fee == 0
    assert ledger.audit(conn) == []
