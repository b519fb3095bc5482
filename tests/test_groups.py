"""Group play in the domain: group rows and settings, challenges, throw-your-own rounds,
group settlement and leaderboards, against a real SQLite file."""

from __future__ import annotations

import pytest

from ludice import (
    challenges,
    db,
    duels,
    games,
    groups,
    leaderboard,
    ledger,
    outbox,
    rules,
    stranded,
    throws,
    users,
)
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


# -- rules and groups ----------------------------------------------------------------------

def test_games_are_named_by_emoji_with_or_without_the_variation_selector():
    assert rules.game_named("⚽️").name == "football" and rules.game_named("⚽").name == "football"
    assert rules.game_named("Darts").name == "darts" and rules.game_named("chess") is None
    assert rules.game_for_emoji("🎰") is None


def test_a_group_is_seen_once_and_play_starts_off(conn):
    assert unit(conn, groups.seen, CHAT, title="Club", is_forum=True, lang="ru", now=NOW)
    assert not unit(conn, groups.seen, CHAT, title="Club 2", is_forum=True, lang="en", now=NOW)
    g = groups.get(conn, CHAT)
    assert (g.title, g.is_forum, g.lang, g.enabled, g.present, g.seats) == (
        "Club 2", True, "ru", False, True, 2)
    assert unit(conn, groups.bot_removed, CHAT, now=NOW) == []
    assert unit(conn, groups.seen, CHAT, title="Club", is_forum=True, lang="en", now=NOW)
    with pytest.raises(GameRefused):
        unit(conn, groups.seen, 42, title="a user", is_forum=False, lang="en", now=NOW)


@pytest.mark.parametrize(("key", "words", "reason"), [
    ("seats", "1", "bad_seats"), ("seats", "7", "bad_seats"), ("seats", "two", "bad_seats"),
    ("bets", "5 100", "bad_bets"), ("bets", "100 50", "bad_bets"), ("bets", "10", "bad_bets"),
    ("bets", "10 99999", "bad_bets"), ("games", "chess", "bad_games"), ("games", "", "bad_games"),
    ("throw", "maybe", "bad_switch"), ("turn", "9", "bad_turn"), ("turn", "601", "bad_turn"),
    ("topic", "", "not_a_forum"), ("lang", "de", "bad_lang"),
    ("volume", "11", "unknown_group_setting"),
])
def test_bad_group_settings_change_nothing(conn, key, words, reason):
    group(conn)
    before = snapshot(conn)
    assert refused(conn, groups.configure, CHAT, key, words.split(), settings=S, thread=None,
                   by=1, now=NOW) == reason
    assert snapshot(conn) == before


def test_group_settings_and_their_limits(conn):
    g = group(conn, seats="5", bets="20 300", games="🎯 dice ⚽️", throw="on", turn="45",
              lang="ru")
    assert (g.seats, g.min_bet, g.max_bet, g.games, g.throw_mode, g.turn_seconds, g.lang) == (
        5, 20, 300, ("dice", "darts", "football"), True, 45, "ru")
    assert g.bet_limits(S) == (20, 300)
    assert g.bet_limits(S.replace(min_bet=50)) == (50, 300)
    assert g.bet_limits(S.replace(min_bet=500, max_bet=1000)) == (500, 1000)  # global wins
    g = unit(conn, groups.configure, CHAT, "bets", ["default"], settings=S, thread=None, by=2,
             now=NOW + 1)
    assert (g.min_bet, g.max_bet, g.updated_by, g.updated_at) == (None, None, 2, NOW + 1)
    assert unit(conn, groups.configure, CHAT, "games", ["all"], settings=S, thread=None, by=1,
                now=NOW).games == tuple(rules.GAMES)


def test_a_forum_topic(conn):
    unit(conn, groups.seen, CHAT, title="Forum", is_forum=True, lang="en", now=NOW)
    g = unit(conn, groups.configure, CHAT, "topic", [], settings=S, thread=7, by=1, now=NOW)
    assert g.topic_id == 7 and g.plays_in(7) and not g.plays_in(0) and not g.plays_in(None)
    g = unit(conn, groups.configure, CHAT, "topic", [], settings=S, thread=None, by=1, now=NOW)
    assert g.topic_id == 0 and g.plays_in(None) and g.plays_in(0) and not g.plays_in(7)
    g = unit(conn, groups.configure, CHAT, "topic", ["off"], settings=S, thread=3, by=1, now=NOW)
    assert g.topic_id is None and g.plays_in(3) and g.plays_in(None)


def test_resolve_by_id_or_title(conn):
    group(conn)
    group(conn, -1002)
    unit(conn, groups.seen, -1003, title="Dice Club", is_forum=False, lang="en", now=NOW)
    assert groups.resolve(conn, "-1003").chat_id == -1003
    assert groups.resolve(conn, "dice").chat_id == -1003
    with pytest.raises(groups.LudiceError, match="3 groups match"):
        groups.resolve(conn, "club")
    with pytest.raises(groups.LudiceError, match="no group with chat id -5"):
        groups.resolve(conn, "-5")


# -- challenges ------------------------------------------------------------------------------

def test_creating_a_challenge_is_checked_against_the_group(conn):
    player(conn, 1, "Alice")
    player(conn, 9, "Broke", balance=5)
    before = snapshot(conn)
    assert refused(conn, challenges.create, CHAT, 1, "dice", 20, target=None, thread_id=None,
                   settings=S, now=NOW) == "group_off"
    group(conn, games="darts", bets="10 50")
    before = snapshot(conn)
    cases = [((1, "dice", 20), {}, "game_not_allowed"),
             ((1, "darts", 5), {}, "below_min"), ((1, "darts", 60), {}, "above_max"),
             ((9, "darts", 10), {}, "cannot_afford"), ((1, "darts", 20), {"target": (1, "me")},
                                                       "challenge_self"),
             ((77, "darts", 20), {}, "terms_needed")]
    for (user_id, game, bet), extra, reason in cases:
        kwargs = {"target": None, "thread_id": None, "settings": S, "now": NOW} | extra
        assert refused(conn, challenges.create, CHAT, user_id, game, bet, **kwargs) == reason
    with db.transaction(conn):
        users.ban(conn, 9, "spam", NOW)
    assert refused(conn, challenges.create, CHAT, 9, "darts", 10, target=None, thread_id=None,
                   settings=S, now=NOW) == "banned"
    assert snapshot(conn)[1:3] == before[1:3]
    entered = create(conn, game="darts", target=(2, "Bob"), thread=4)
    assert (entered.lobby.seats, entered.lobby.chat_id, entered.players) == (2, CHAT, [1])
    extra = challenges.get(conn, entered.lobby.id)
    assert (extra.target_id, extra.target_name, extra.thread_id, extra.throw_mode) == (
        2, "Bob", 4, False)
    assert ledger.balance(conn, 1) == 80 and ledger.balance(conn, ledger.ESCROW) == 20
    assert refused(conn, challenges.create, CHAT, 1, "darts", 20, target=None, thread_id=None,
                   settings=S, now=NOW) == "already_in_lobby"


def test_joining_is_checked_against_the_lobby_and_the_chat(conn):
    group(conn, seats="3")
    group(conn, -1002)
    for user_id in (1, 2, 3, 4):
        player(conn, user_id)
    player(conn, 5, balance=10)
    open_id = create(conn).lobby.id
    direct_id = create(conn, 2, target=(3, "P3")).lobby.id
    before = snapshot(conn)
    for args, reason in [((999, 4), "unknown_lobby"), ((open_id, 4, -1002), "unknown_lobby"),
                         ((open_id, 1), "already_joined"), ((open_id, 5), "cannot_afford"),
                         ((direct_id, 4), "not_for_you"), ((open_id, 2), "already_in_lobby"),
                         ((open_id, 4, CHAT, NOW + 300), "lobby_closed")]:
        assert refused(conn, challenges.join, args[0], args[1],
                       chat_id=args[2] if len(args) > 2 else CHAT,
                       now=args[3] if len(args) > 3 else NOW) == reason, args
    assert snapshot(conn) == before
    assert not join(conn, open_id, 4).started
    full = join(conn, direct_id, 3)
    assert full.started and full.lobby.round == 1 and full.players == [2, 3]
    assert refused(conn, challenges.join, direct_id, 3, chat_id=CHAT, now=NOW) == "lobby_started"
    # from private (chat None) any group challenge may be joined, still under every rule
    assert refused(conn, challenges.join, open_id, 5, chat_id=None, now=NOW) == "cannot_afford"
    player(conn, 6)
    assert unit(conn, challenges.join, open_id, 6, chat_id=None, now=NOW).players == [1, 4, 6]


def test_start_early_and_withdraw(conn):
    group(conn, seats="4")
    for user_id in (1, 2, 3):
        player(conn, user_id)
    lobby_id = create(conn).lobby.id
    assert refused(conn, challenges.start_early, lobby_id, 1, chat_id=CHAT, now=NOW) == "need_two"
    join(conn, lobby_id, 2)
    assert refused(conn, challenges.start_early, lobby_id, 2, chat_id=CHAT,
                   now=NOW) == "not_creator_start"
    assert refused(conn, challenges.withdraw, lobby_id, 2, chat_id=CHAT, now=NOW) == "not_creator"
    assert refused(conn, challenges.withdraw, lobby_id, 3, chat_id=CHAT,
                   now=NOW) == "not_your_lobby"
    assert refused(conn, challenges.withdraw, lobby_id, 1, chat_id=-5, now=NOW) == "unknown_lobby"
    lobby = unit(conn, challenges.withdraw, lobby_id, 1, chat_id=CHAT, now=NOW)
    assert (lobby.status, lobby.cancel_reason) == ("cancelled", "left")
    sent = [(m.chat_id, m.text_key) for m in outbox.pending(conn)]
    assert sent == [(2, "group_lobby_left"), (CHAT, "group_card")]  # not the creator
    assert outbox.pending(conn)[0].params["group"] == "Club"
    assert ledger.balance(conn, 1) == 100 and ledger.balance(conn, 2) == 100

    lobby_id = create(conn).lobby.id
    join(conn, lobby_id, 2)
    started = unit(conn, challenges.start_early, lobby_id, 1, chat_id=CHAT, now=NOW)
    assert (started.status, started.round, started.seats) == ("rolling", 1, 4)
    assert refused(conn, challenges.start_early, lobby_id, 1, chat_id=CHAT,
                   now=NOW) == "lobby_started"


def _settle_bot_rolled(conn, lobby_id, values: dict[int, int]):
    lobby = games.get_lobby(conn, lobby_id)
    for user_id, value in values.items():
        unit(conn, duels.record_roll, lobby_id, lobby.round, user_id, value, now=NOW)
    return unit(conn, challenges.advance, lobby_id, settings=S, now=NOW)


def test_group_settlement_is_one_group_message_and_rematch(conn):
    group(conn)
    for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
        player(conn, user_id, name)
    lobby_id = create(conn, target=(2, "Bob"), thread=6).lobby.id
    join(conn, lobby_id, 2)
    assert refused(conn, challenges.rematch, lobby_id, 3, chat_id=CHAT, settings=S,
                   now=NOW) == "no_rematch"
    done = _settle_bot_rolled(conn, lobby_id, {1: 2, 2: 5})
    assert done.settled and ledger.balance(conn, 2) == 120
    [message] = outbox.pending(conn)
    assert (message.chat_id, message.thread_id, message.text_key) == (CHAT, 6, "group_result")
    assert message.params | {"rolls": None} == {
        "lobby_id": lobby_id, "game": "dice", "rolls": None, "winners": ["Bob"], "pot": 40,
        "fee": 0, "each": 40, "split": False, "missing": []}
    # Bob's rematch is aimed at Alice; Carol's is open to all, in the same topic
    again = unit(conn, challenges.rematch, lobby_id, 2, chat_id=CHAT, settings=S, now=NOW)
    extra = challenges.get(conn, again.lobby.id)
    assert (again.lobby.creator_id, extra.target_id, extra.thread_id) == (2, 1, 6)
    assert (again.lobby.game, again.lobby.bet) == ("dice", 20)
    open_again = unit(conn, challenges.rematch, lobby_id, 3, chat_id=CHAT, settings=S, now=NOW)
    assert challenges.get(conn, open_again.lobby.id).target_id is None
    assert refused(conn, challenges.rematch, lobby_id, 3, chat_id=-7, settings=S,
                   now=NOW) == "unknown_lobby"


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


# -- leaderboards, profiles, outbox -------------------------------------------------------------

def test_leaderboards_come_from_settled_lobbies(conn):
    group(conn)
    for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
        player(conn, user_id, name)
    first = create(conn, 1, bet=40).lobby.id
    join(conn, first, 2)
    _settle_bot_rolled(conn, first, {1: 6, 2: 1})  # Alice +40
    later = NOW + 8 * 86_400
    second = unit(conn, challenges.create, CHAT, 3, "dice", 10, target=None, thread_id=None,
                  settings=S, now=later).lobby.id
    unit(conn, challenges.join, second, 2, chat_id=CHAT, now=later)
    lobby = games.get_lobby(conn, second)
    for user_id, value in ((3, 1), (2, 6)):
        unit(conn, duels.record_roll, second, lobby.round, user_id, value, now=later)
    unit(conn, challenges.advance, second, settings=S, now=later)  # Bob +10
    open_lobby = create(conn, 1, bet=10).lobby.id  # in play: not counted
    assert open_lobby
    week = leaderboard.group_top(conn, CHAT, since=leaderboard.week_start(later))
    assert week == {"net": [("Bob", 10), ("Carol", -10)], "wins": [("Bob", 1)]}
    ever = leaderboard.group_top(conn, CHAT)
    assert ever["net"] == [("Alice", 40), ("Carol", -10), ("Bob", -30)]
    assert ever["wins"] == [("Alice", 1), ("Bob", 1)]
    assert leaderboard.group_top(conn, -5) == {"net": [], "wins": []}
    ranks = leaderboard.player_ranks(conn, 2)
    assert ranks == [{"chat_id": CHAT, "title": "Club", "net": -30, "wins": 1, "games": 2,
                      "net_rank": 3, "wins_rank": 1, "players": 3}]
    assert leaderboard.player_ranks(conn, 99) == []


def test_week_starts_monday_utc():
    monday = 1_799_625_600  # Monday 2027-01-11 00:00 UTC
    assert leaderboard.week_start(monday) == monday
    assert leaderboard.week_start(monday + 6 * 86_400 + 86_399) == monday
    assert leaderboard.week_start(monday - 1) == monday - 7 * 86_400


def test_refresh_updates_a_registered_player_only(conn):
    player(conn, 1, "Alice")
    unit(conn, users.refresh, 1, first_name="Alicia", username="ali", language_code="ru",
         now=NOW + 5)
    unit(conn, users.refresh, 2, first_name="Ghost", username=None, language_code=None, now=NOW)
    alice = users.get(conn, 1)
    assert (alice.first_name, alice.username, alice.language_code, alice.last_seen_at) == (
        "Alicia", "ali", "ru", NOW + 5)
    assert users.get(conn, 2) is None


def test_outbox_by_chat_with_topics(conn):
    with db.transaction(conn):
        outbox.add(conn, 5, "a", NOW)
        outbox.add(conn, CHAT, "b", NOW, thread_id=3, x=1)
        outbox.add(conn, 5, "c", NOW)
    assert [m.chat_id for m in outbox.pending(conn)] == [5, CHAT, 5]
    assert [m.text_key for m in outbox.pending(conn, chat_id=5)] == ["a", "c"]
    [message] = outbox.pending(conn, chat_id=CHAT)
    assert (message.thread_id, message.params) == (3, {"x": 1})
