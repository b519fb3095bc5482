"""Sent outbox messages are pruned after `outbox_retention_days` (ludice.outbox.prune, run by
the sweep); pending ones stay however old. Time is passed in (the sweep's clock)."""

from __future__ import annotations

from botharness import FakeClock

from ludice import db, outbox
from ludice import settings as game_settings
from ludice.scheduler import Jobs

DAY = 86_400
NOW = 1_800_000_000


def _fill(conn, days_ago: list[int], sent: bool = True) -> None:
    with db.transaction(conn):
        for age in days_ago:
            created = NOW - age * DAY
            outbox.add(conn, 1, "duel_result", created, lobby_id=age)
            if sent:
                conn.execute("UPDATE outbox SET sent_at = ? WHERE id = last_insert_rowid()",
                             (created + 5,))


def _left(conn) -> list[tuple[int, bool]]:
    return [(r[0] // 1, r[1] is not None) for r in conn.execute(
        "SELECT (? - created_at) / ?, sent_at FROM outbox ORDER BY id", (NOW, DAY))]


def test_sent_messages_older_than_the_retention_go_pending_ones_stay(tmp_path):
    conn = db.open_db(tmp_path / "o.db", create=True)
    db.migrate(conn)
    _fill(conn, [30, 20], sent=False)  # stuck pending: never pruned
    _fill(conn, [12, 10, 9, 8, 7, 6, 1, 0])
    with db.transaction(conn):
        assert outbox.prune(conn, now=NOW, keep_days=7) == 4  # 12, 10, 9, 8 days old
    # 7 days old but sent 5 s later: within the retention still
    assert _left(conn) == [(30, False), (20, False), (7, True), (6, True), (1, True), (0, True)]
    with db.transaction(conn):
        assert outbox.prune(conn, now=NOW, keep_days=7) == 0  # nothing more is due
        assert outbox.prune(conn, now=NOW + 2 * DAY, keep_days=7) == 2  # two days on
        assert outbox.prune(conn, now=NOW + 10, keep_days=0) == 2
    assert _left(conn) == [(30, False), (20, False)]
    conn.close()


def test_a_large_backlog_goes_in_batches(tmp_path):
    conn = db.open_db(tmp_path / "o.db", create=True)
    db.migrate(conn)
    _fill(conn, [9] * 25 + [1] * 3)
    with db.transaction(conn):
        assert outbox.prune(conn, now=NOW, keep_days=7, batch=10) == 10
        assert outbox.prune(conn, now=NOW, keep_days=7, batch=10) == 10
        assert outbox.prune(conn, now=NOW, keep_days=7, batch=10) == 5
        assert outbox.prune(conn, now=NOW, keep_days=7, batch=10) == 0
    assert _left(conn) == [(1, True)] * 3
    conn.close()


async def test_the_sweep_prunes_by_the_retention_setting(tmp_path):
    path = tmp_path / "o.db"
    conn = db.open_db(path, create=True)
    db.migrate(conn)
    _fill(conn, [5, 3, 0])
    with db.transaction(conn):
        game_settings.set_value(conn, "outbox_retention_days", "2", 0)
    conn.close()
    store = await db.Store.open(path)
    jobs = Jobs(store, FakeClock(NOW), notify=lambda: None)
    try:
        await jobs.sweep()
        assert await store.read(_left) == [(0, True)]
    finally:
        await store.close()
