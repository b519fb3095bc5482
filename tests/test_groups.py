"""Group play in the domain: group rows and settings, challenges, group settlement,
leaderboards and the outbox, against a real SQLite file (throw-your-own rounds and duels
that cannot finish in their group: test_groups_rounds.py)."""

from __future__ import annotations

import pytest
from grouphelpers import CHAT, NOW, S, create, group, join, player, refused, snapshot, unit

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
    users,
)
from ludice.games import GameRefused

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
