"""The group leaderboards are kept in `group_scores` by a trigger as duels settle; whatever
happens (ties, splits, refunds, expiries, a group that moves, weeks going by) they must equal
the figures derived from the settled lobbies themselves, and the migration that introduced
them must fill them from the history already there."""

from __future__ import annotations

import random
import sqlite3

import pytest

from ludice import challenges, db, duels, games, groups, leaderboard, ledger, refunds, schema, users
from ludice.games import GameRefused
from ludice.settings import DEFAULTS

NOW = 1_800_000_000
CHATS = (-1001, -1002)
PLAYERS = range(1, 9)
S = DEFAULTS.replace(house_fee_percent=5, tie_rounds=1, lobby_ttl_seconds=300)


def _setup(conn: sqlite3.Connection) -> None:
    with db.transaction(conn):
        for uid in PLAYERS:
            users.register(conn, uid, first_name=f"P{uid}", username=None, language_code="en",
                           welcome_bonus=5000, now=NOW)
        for chat in CHATS:
            groups.seen(conn, chat, title=f"G{chat}", is_forum=False, lang="en", now=NOW)
            groups.set_enabled(conn, chat, True, by=1, now=NOW)


def _one_game(conn: sqlite3.Connection, rng: random.Random, now: int) -> None:
    """A group game, maybe friendly (0 credits), that settles (maybe after a tie, maybe
    split) or is refunded."""
    chat = rng.choice(CHATS)
    seated = rng.sample(PLAYERS, rng.choice((2, 2, 3)))
    try:
        with db.transaction(conn):
            lobby = challenges.create(conn, chat, seated[0], "dice", rng.choice((0, 10, 25)),
                                      target=None, thread_id=None, settings=S, now=now).lobby
            if rng.random() < 0.15:
                refunds.expire(conn, lobby.id, now=now + 10_000)
                return
            for uid in seated[1:]:
                challenges.join(conn, lobby.id, uid, chat_id=chat, now=now)
            if games.get_lobby(conn, lobby.id).status == "open":
                challenges.start_early(conn, lobby.id, seated[0], chat_id=chat, now=now)
            while (current := games.get_lobby(conn, lobby.id)).status == "rolling":
                _, waiting = duels.pending_rollers(conn, lobby.id)
                for uid in waiting:
                    duels.record_roll(conn, lobby.id, current.round, uid, rng.randint(1, 3),
                                      now=now)
                challenges.advance(conn, lobby.id, settings=S, now=now)
    except GameRefused:
        pass


def _play(conn: sqlite3.Connection, seed: int, games_n: int, start: int = NOW) -> None:
    rng = random.Random(seed)
    for i in range(games_n):
        _one_game(conn, rng, start + i * 20_000)  # ~ two weeks and a half of play


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_boards_equal_the_boards_derived_from_the_lobbies(conn, seed):
    _setup(conn)
    _play(conn, seed, 120)
    kept = leaderboard.kept_scores(conn)
    assert kept == leaderboard.derived_scores(conn)
    assert {period for _, period, *_ in kept} > {0}  # weeks as well as all time
    assert ledger.audit(conn) == []


def test_score_problems_names_each_kept_row_that_differs_from_the_games(conn):
    _setup(conn)
    _play(conn, 7, 60)
    assert leaderboard.score_problems(conn) == []
    chat, period, user, net, wins, games_n = min(leaderboard.kept_scores(conn))
    with db.transaction(conn):
        conn.execute("UPDATE group_scores SET net = net + 5 WHERE chat_id = ? AND period = ?"
                     " AND user_id = ?", (chat, period, user))
        conn.execute("INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)"
                     " VALUES (?, 0, 99, 1, 1, 1)", (chat,))
    assert leaderboard.score_problems(conn) == [
        f"leaderboard of group {chat}, all time, player {user}: kept net {net + 5}, wins "
        f"{wins}, games {games_n}, its settled games say net {net}, wins {wins}, games {games_n}",
        f"leaderboard of group {chat}, all time, player 99: kept net 1, wins 1, games 1, its "
        "settled games say nothing"]
    with db.transaction(conn):
        conn.execute("DELETE FROM group_scores")
    problems = leaderboard.score_problems(conn, limit=3)
    assert len(problems) == 4 and problems[3].endswith("more rows differ")
    assert "kept nothing, its settled games say net" in problems[0]


def test_a_group_that_moves_takes_its_boards_along(conn):
    _setup(conn)
    _play(conn, 4, 60)
    before = leaderboard.group_top(conn, CHATS[0])
    with db.transaction(conn):
        groups.migrate(conn, CHATS[0], -1009, now=NOW + 10**7)
    assert leaderboard.group_top(conn, -1009) == before
    assert leaderboard.group_top(conn, CHATS[0]) == {"net": [], "wins": []}
    assert leaderboard.kept_scores(conn) == leaderboard.derived_scores(conn)


def test_the_boards_are_filled_from_the_history_already_there(tmp_path):
    """A database that played before the boards were kept gets them from its lobbies."""
    steps = schema.parse_steps(schema.migrations_text())
    kept_from = next(n for n, sql in steps if "CREATE TABLE group_scores" in sql)
    conn = db.open_db(tmp_path / "old.db", create=True)
    try:
        for number, sql in steps[: kept_from - 1]:
            db._apply_step(conn, number, sql)
        _setup(conn)
        _play(conn, 5, 80)
        assert conn.execute("SELECT count(*) FROM lobbies WHERE status = 'settled'"
                            " AND chat_id IS NOT NULL").fetchone()[0] > 30
        db.migrate(conn)
        assert leaderboard.kept_scores(conn) == leaderboard.derived_scores(conn)
        assert leaderboard.kept_scores(conn)
        _play(conn, 6, 20, start=NOW + 10**7)  # and kept from then on
        assert leaderboard.kept_scores(conn) == leaderboard.derived_scores(conn)
    finally:
        conn.close()


def test_a_week_board_asks_for_the_start_of_a_week(conn):
    with pytest.raises(ValueError, match="start of a week"):
        leaderboard.group_top(conn, CHATS[0], since=leaderboard.week_start(NOW) + 1)
