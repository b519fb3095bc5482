"""A big ludice database, built reproducibly through the domain functions and cached.

    python bench/bigdb.py [--users 100000] [--transfers 1000000] [--seed 1]

prints the path of the file (building it first when no cached one fits). The default is the
issue 13 database: 100,000 users who accepted the terms (welcome bonus each), ~1M transfers,
10,000 open lobbies waiting for an opponent, one busy group (~28 % of all duels, as the 71k of
the issue's measurement), 20 small groups, the rest private duels, some daily bonuses; `ludice
audit` clean. Every row is written by ludice's own functions (users.register, games.enter,
challenges.create/join, duels.record_roll/advance, users.claim_daily), many units per
transaction; the only raw SQL marks the outbox sent, so a bot started on the file does not
replay months of results. A seeded `random.Random` picks players, games and dice, so a seed
and a size always give the same games; dates run up to the day of the build (a lobby waits at
most 7 days, so a file older than 6 days is built again).

Cache: $LUDICE_BENCH_DIR (default: <temp>/ludice-bench), one file per seed, size and schema
version of the code that built it. A measurement takes a copy and lets its own ludice migrate
the copy: build with the oldest version you compare (bench/versions.py runs the baseline first,
so the baseline builds it)."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from ludice import challenges, db, duels, games, groups, ledger, rules, schema, users
from ludice import settings as game_settings

DAY = 86_400
SPAN_DAYS = 60  # the games spread over the last two months
MAX_AGE = 6 * DAY
BIG_GROUP, SMALL_GROUPS = -1_000_000_001, 20
BIG_GROUP_SHARE, SMALL_GROUP_SHARE = 0.28, 0.07
TRANSFERS_PER_DUEL = 4  # two stakes, one payout, one fee
GAMES = ("dice", "darts", "bowling", "basketball", "football")
BETS = (10, 20, 50, 100)
SETTINGS = {"welcome_bonus": "1000", "daily_bonus": "50", "house_fee_percent": "5",
            "lobby_ttl_seconds": str(7 * DAY), "reveal_delay_seconds": "0",
            "throttle_seconds": "0", "backup_interval_hours": "0", "tie_rounds": "3"}
UNITS_PER_COMMIT = 2000


def cache_dir() -> Path:
    folder = Path(os.environ.get("LUDICE_BENCH_DIR") or Path(tempfile.gettempdir())
                  / "ludice-bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached(users_n: int, transfers: int, seed: int, *, newest_version: int) -> Path | None:
    """A fresh enough cached file at a schema version this code can migrate."""
    found = []
    for path in cache_dir().glob(f"ludice-{users_n}u-{transfers}t-s{seed}-v*.db"):
        version = int(path.stem.rsplit("-v", 1)[1])
        if version <= newest_version and time.time() - path.stat().st_mtime < MAX_AGE:
            found.append((version, path))
    return min(found)[1] if found else None


def ensure(users_n: int = 100_000, transfers: int = 1_000_000, seed: int = 1) -> Path:
    latest = schema.latest_version()
    path = cached(users_n, transfers, seed, newest_version=latest)
    if path is None:
        path = cache_dir() / f"ludice-{users_n}u-{transfers}t-s{seed}-v{latest}.db"
        build(path, users_n, transfers, seed)
    return path


class Builder:
    def __init__(self, conn, rng: random.Random, settings, start: int) -> None:
        self.conn, self.rng, self.settings, self.now = conn, rng, settings, start
        self.units = 0

    def unit(self) -> None:
        """Commit every so many units of work: one fsync per batch, like the bot's group
        commit under load."""
        self.units += 1
        if self.units % UNITS_PER_COMMIT == 0:
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN IMMEDIATE")

    def values(self, game: str) -> tuple[int, int]:
        faces = 5 if game in ("basketball", "football") else 6
        a, b = self.rng.sample(range(1, faces + 1), 2)  # no tie: one round, one winner
        return a, b

    def finish(self, lobby_id: int, a: int, b: int, game: str, *, group: bool) -> None:
        first, second = self.values(game)
        duels.record_roll(self.conn, lobby_id, 1, a, first, now=self.now)
        duels.record_roll(self.conn, lobby_id, 1, b, second, now=self.now)
        if group:
            challenges.advance(self.conn, lobby_id, settings=self.settings, now=self.now)
        else:
            duels.advance(self.conn, lobby_id, settings=self.settings, now=self.now)

    def duel(self, a: int, b: int, chat_id: int | None) -> None:
        """One settled duel, or none when a player can't afford the bet any more: the
        savepoint takes back whatever the refused duel had written."""
        self.conn.execute("SAVEPOINT duel")
        try:
            if chat_id is None:
                self.private_duel(a, b)
            else:
                self.group_duel(chat_id, a, b)
        except games.GameRefused:
            self.conn.execute("ROLLBACK TO duel")
        self.conn.execute("RELEASE duel")

    def wait(self, i: int, uid: int, small_group: int) -> None:
        """An open lobby nobody joined yet: private ones need a game and bet of their own
        (matchmaking would pair two alike), the rest are group challenges."""
        combos = len(rules.PRIVATE_GAMES) * 990
        if i < combos:
            games.enter(self.conn, uid, rules.PRIVATE_GAMES[i % 2], 10 + i // 2,
                        settings=self.settings, now=self.now)
        else:
            lobby = challenges.create(self.conn, small_group, uid, self.rng.choice(GAMES),
                                      self.rng.choice(BETS), target=None, thread_id=None,
                                      settings=self.settings, now=self.now).lobby
            # its card is out (else a bot started on the file would post thousands of them)
            challenges.set_card(self.conn, lobby.id, lobby.id)

    def private_duel(self, a: int, b: int) -> None:
        game, bet = self.rng.choice(rules.PRIVATE_GAMES), self.rng.choice(BETS)
        games.enter(self.conn, a, game, bet, settings=self.settings, now=self.now)
        lobby = games.enter(self.conn, b, game, bet, settings=self.settings, now=self.now).lobby
        self.finish(lobby.id, a, b, game, group=False)

    def group_duel(self, chat_id: int, a: int, b: int) -> None:
        game, bet = self.rng.choice(GAMES), self.rng.choice(BETS)
        lobby = challenges.create(self.conn, chat_id, a, game, bet, target=None, thread_id=None,
                                  settings=self.settings, now=self.now).lobby
        challenges.join(self.conn, lobby.id, b, chat_id=chat_id, now=self.now)
        self.finish(lobby.id, a, b, game, group=True)


def build(path: Path, users_n: int, transfers: int, seed: int) -> None:
    started = time.monotonic()
    partial = path.with_suffix(".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    conn = db.open_db(partial, create=True)
    db.migrate(conn)
    rng = random.Random(seed)
    end = int(time.time()) // DAY * DAY
    with db.transaction(conn):
        for key, value in SETTINGS.items():
            game_settings.set_value(conn, key, value, end - SPAN_DAYS * DAY)
    settings = game_settings.load(conn)
    b = Builder(conn, rng, settings, end - SPAN_DAYS * DAY)
    open_lobbies = min(10_000, users_n // 10)
    bonus_claims = users_n // 2
    duel_count = max(1, (transfers - users_n - open_lobbies - bonus_claims) // TRANSFERS_PER_DUEL)
    conn.execute("BEGIN IMMEDIATE")
    for uid in range(1, users_n + 1):
        users.register(conn, uid, first_name=f"Player {uid}", username=f"p{uid}",
                       language_code=rng.choice(("en", "ru")), welcome_bonus=settings.welcome_bonus,
                       now=b.now)
        b.unit()
    admin = 1
    chats = [BIG_GROUP, *(BIG_GROUP - 1 - i for i in range(SMALL_GROUPS))]
    for i, chat_id in enumerate(chats):
        groups.seen(conn, chat_id, title=f"Group {i}", is_forum=False, lang="en", now=b.now)
        groups.set_enabled(conn, chat_id, True, by=admin, now=b.now)
    playing = users_n - open_lobbies  # the last users wait in open lobbies at the end
    big_members = max(2, min(playing, 2_000))
    small_members = max(2, min(playing, 300))
    claims_every = max(1, duel_count // max(1, bonus_claims))
    step = SPAN_DAYS * DAY / duel_count
    for n in range(duel_count):
        b.now = end - SPAN_DAYS * DAY + int(n * step)
        draw = rng.random()
        if draw < BIG_GROUP_SHARE:
            a, c = rng.sample(range(1, big_members + 1), 2)
            b.duel(a, c, BIG_GROUP)
        elif draw < BIG_GROUP_SHARE + SMALL_GROUP_SHARE:
            chat = rng.randrange(1, len(chats))
            first = 1 + (chat * 997) % max(1, playing - small_members)
            a, c = rng.sample(range(first, first + small_members), 2)
            b.duel(a, c, chats[chat])
        else:
            a, c = rng.sample(range(1, playing + 1), 2)
            b.duel(a, c, None)
        b.unit()
        if n % claims_every == 0:
            claimant = rng.randrange(1, playing + 1)
            with contextlib.suppress(users.BonusNotDue):
                users.claim_daily(conn, claimant, settings.daily_bonus, b.now)
            b.unit()
    b.now = end
    for i, uid in enumerate(range(playing + 1, users_n + 1)):
        b.wait(i, uid, chats[1 + i % SMALL_GROUPS])
        b.unit()
    conn.execute("UPDATE outbox SET sent_at = ? WHERE sent_at IS NULL", (end,))
    conn.execute("COMMIT")
    problems = ledger.audit(conn)
    count = conn.execute("SELECT max(id) FROM transfers").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if problems:
        raise SystemExit(f"the built database fails its audit: {problems[:3]}")
    os.replace(partial, path)
    print(f"built {path}: {users_n} users, {count} transfers, {duel_count} duels, "
          f"{open_lobbies} open lobbies in {time.monotonic() - started:.0f} s", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(ensure(args.users, args.transfers, args.seed))


if __name__ == "__main__":
    main()
