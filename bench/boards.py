"""Group leaderboards two ways, measured on the big database (bench/bigdb.py): kept at
settlement (what ludice does: `group_scores`, written by a trigger) or derived on each /top
in one aggregation per board, ranking a player only in the groups they played in. Prints
figures; asserts nothing.

    python bench/boards.py [--users 100000] [--transfers 1000000] [--seed 1] [--duels 2000]

  read    group /top of the busy group (this week + all time) and a private /top of one of its
          players, each way; median of 5
  write   settled group duels/s through the domain with the trigger and with it dropped (what
          keeping the boards costs each settlement), interleaved over 3 rounds
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigdb
from versions import report

from ludice import challenges, db, duels, games, leaderboard

PLAYER = 7
TOTALS = """
    SELECT p.user_id, sum(p.payout - p.stake) AS net, sum(p.payout > p.stake) AS wins
    FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id
    WHERE l.chat_id = ? AND l.status = 'settled' AND l.resolved_at >= ?
    GROUP BY p.user_id
"""


def derived_top(conn, chat_id: int, since: int) -> dict:
    """One aggregation, both rankings from it."""
    rows = conn.execute(TOTALS, (chat_id, since)).fetchall()
    by_net = sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))[:5]
    by_wins = sorted((r for r in rows if r[2] > 0), key=lambda r: (-r[2], -r[1], r[0]))[:5]
    return {"net": [(r[0], r[1]) for r in by_net], "wins": [(r[0], r[2]) for r in by_wins]}


def derived_ranks(conn, user_id: int) -> list[dict]:
    """Only the groups the player played in, one aggregation each."""
    chats = [r[0] for r in conn.execute(
        "SELECT DISTINCT l.chat_id FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id"
        " WHERE p.user_id = ? AND l.chat_id IS NOT NULL AND l.status = 'settled'", (user_id,))]
    out = []
    for chat in chats:
        rows = conn.execute(TOTALS, (chat, 0)).fetchall()
        mine = next(r for r in rows if r[0] == user_id)
        out.append({"chat_id": chat, "net": mine[1], "wins": mine[2],
                    "net_rank": 1 + sum(r[1] > mine[1] for r in rows),
                    "wins_rank": 1 + sum(r[2] > mine[2] for r in rows), "players": len(rows)})
    return out


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def settle_rate(path: Path, duels_n: int, offset: int) -> float:
    conn = db.open_db(path)
    try:
        from ludice import settings as game_settings

        settings = game_settings.load(conn)
        now = int(time.time())
        start, settled = time.perf_counter(), 0
        for i in range(duels_n):
            a, b = 1 + (offset + 2 * i) % 1800, 2 + (offset + 2 * i) % 1800
            with contextlib.suppress(games.GameRefused), db.transaction(conn):
                lobby = challenges.create(conn, bigdb.BIG_GROUP, a, "dice", 10, target=None,
                                          thread_id=None, settings=settings, now=now).lobby
                challenges.join(conn, lobby.id, b, chat_id=bigdb.BIG_GROUP, now=now)
                duels.record_roll(conn, lobby.id, 1, a, 6, now=now)
                duels.record_roll(conn, lobby.id, 1, b, 1, now=now)
                challenges.advance(conn, lobby.id, settings=settings, now=now)
                settled += 1
        return settled / (time.perf_counter() - start)
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duels", type=int, default=2000)
    args = parser.parse_args()
    source = bigdb.ensure(args.users, args.transfers, args.seed)
    with tempfile.TemporaryDirectory(prefix="ludice-boards-") as tmp:
        kept_path, bare_path = Path(tmp) / "kept.db", Path(tmp) / "bare.db"
        shutil.copyfile(source, kept_path)
        conn = db.open_db(kept_path)
        db.migrate(conn)
        now = int(time.time())
        week = leaderboard.week_start(now)
        figures = {
            "kept_group_top_ms": median_ms(lambda: (
                leaderboard.group_top(conn, bigdb.BIG_GROUP, since=week),
                leaderboard.group_top(conn, bigdb.BIG_GROUP))),
            "derived_group_top_ms": median_ms(lambda: (
                derived_top(conn, bigdb.BIG_GROUP, week), derived_top(conn, bigdb.BIG_GROUP, 0))),
            "kept_private_top_ms": median_ms(lambda: leaderboard.player_ranks(conn, PLAYER)),
            "derived_private_top_ms": median_ms(lambda: derived_ranks(conn, PLAYER)),
        }
        conn.close()
        shutil.copyfile(kept_path, bare_path)
        bare = db.open_db(bare_path)
        bare.execute("DROP TRIGGER group_scores_count")
        bare.close()
        rates: dict[str, list[float]] = {"kept": [], "bare": []}
        for r in range(3):
            for name, path in (("kept", kept_path), ("bare", bare_path)):
                rates[name].append(settle_rate(path, args.duels, r * args.duels))
        figures["settled_duels_per_s_kept"] = statistics.median(rates["kept"])
        figures["settled_duels_per_s_without_trigger"] = statistics.median(rates["bare"])
    for name, value in figures.items():
        print(f"{name:40} {value:10.2f}")
    report(figures)


if __name__ == "__main__":
    main()
