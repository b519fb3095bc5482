"""One expiry timer for every open lobby (ludice.scheduler.Jobs): armed at the earliest
`expires_at`, firing expires whatever is due (earliest first) and aims at the next; the
scheduler holds one job whatever the number of lobbies. Time is a FakeClock; the timer's
firing is called directly (APScheduler would call it at the armed time)."""

from __future__ import annotations

import json
from pathlib import Path

from botharness import FakeClock, accept_terms, running_bot, settle, start_bot

from ludice import db, games, ledger, users
from ludice import settings as game_settings
from ludice.scheduler import EXPIRY_JOB, Jobs

TTL = 60


def _seed(path: Path, n_users: int) -> None:
    conn = db.open_db(path, create=True)
    db.migrate(conn)
    with db.transaction(conn):
        game_settings.set_value(conn, "lobby_ttl_seconds", str(TTL), 0)
        for uid in range(1, n_users + 1):
            users.register(conn, uid, first_name=f"P{uid}", username=None, language_code="en",
                           welcome_bonus=1000, now=0)
    conn.close()


async def _open(store: db.Store, user_id: int, now: float) -> games.Lobby:
    current = await store.read(game_settings.load)
    # a bet of their own, so nobody is matched
    entered = await store.write(games.enter, user_id, "dice", 10 + user_id, settings=current,
                                now=int(now))
    return entered.lobby


def _date_jobs(jobs: Jobs) -> list:
    return [j for j in jobs.scheduler.get_jobs() if j.trigger.__class__.__name__ == "DateTrigger"]


async def test_one_timer_for_all_open_lobbies_expiring_them_in_order_and_rearming(tmp_path):
    path = tmp_path / "ludice.db"
    _seed(path, 120)
    clock = FakeClock()
    store = await db.Store.open(path)
    told = []
    jobs = Jobs(store, clock, notify=lambda: told.append(clock.now))
    try:
        # lobbies opened 0 s, 10 s and 20 s from now, before the bot started
        for uid, delay in ((3, 20), (1, 0), (2, 10)):
            clock.now = 1_800_000_000.0 + delay
            await _open(store, uid, clock.now)
        clock.now = 1_800_000_000.0
        assert await jobs.start() == (clock.now + TTL, 2)  # user 1 opened lobby 2
        [timer] = _date_jobs(jobs)
        assert timer.id == EXPIRY_JOB and timer.misfire_grace_time is None
        assert timer.next_run_time.timestamp() == clock.now + TTL

        for uid in range(4, 121):  # many more lobbies, all later: still one job
            lobby = await _open(store, uid, clock.now + 30)
            jobs.schedule_expiry(lobby.id, lobby.expires_at)
        assert len(_date_jobs(jobs)) == 1 and jobs.expiry_at == (clock.now + TTL, 2)

        clock.advance(TTL + 25)  # the three first lobbies are due, the later ones not
        assert await jobs.expire_due() == 3
        # earliest first: lobby 2 (opened at 0 s), 3 (10 s), 1 (20 s); their refund notes
        # went into the outbox in that order
        notes = await store.read(lambda c: [json.loads(r[0])["lobby_id"] for r in c.execute(
            "SELECT params FROM outbox WHERE text_key = 'lobby_expired' ORDER BY id")])
        assert notes == [2, 3, 1]
        assert jobs.expiry_at == (1_800_000_000 + 30 + TTL, 4)  # re-armed at the next one
        [timer] = _date_jobs(jobs)
        assert timer.next_run_time.timestamp() == jobs.expiry_at[0]
        assert told  # the refunds' messages were handed to the mailer

        clock.advance(60)  # everything is due: all expire in one firing
        assert await jobs.expire_due() == 117
        assert jobs.expiry_at is None and _date_jobs(jobs) == []
        assert await store.read(ledger.audit) == []
        assert await store.read(lambda c: c.execute(
            "SELECT count(*) FROM lobbies WHERE status = 'open'").fetchone()[0]) == 0
    finally:
        jobs.shutdown()
        await store.close()


async def test_an_earlier_lobby_moves_the_timer_and_a_closed_one_leaves_it_early(tmp_path):
    """A lobby that closes before its time costs nothing: the timer stays aimed at it, fires,
    finds nothing due (one read, no write) and aims at the earliest lobby still open."""
    path = tmp_path / "ludice.db"
    _seed(path, 3)
    clock = FakeClock()
    store = await db.Store.open(path)
    jobs = Jobs(store, clock, notify=lambda: None)
    try:
        await jobs.start()
        assert jobs.expiry_at is None and _date_jobs(jobs) == []
        late = await _open(store, 1, clock.now + 30)
        jobs.schedule_expiry(late.id, late.expires_at)
        early = await _open(store, 2, clock.now)
        jobs.schedule_expiry(early.id, early.expires_at)
        assert jobs.expiry_at == (early.expires_at, early.id)
        await store.write(lambda c: c.execute(
            "UPDATE lobbies SET status = 'cancelled', cancel_reason = 'test' WHERE id = ?",
            (early.id,)))
        # a lobby opened now expires after the timer's target: it does not move it
        later = await _open(store, 3, clock.now + 5)
        jobs.schedule_expiry(later.id, later.expires_at)
        assert jobs.expiry_at == (early.expires_at, early.id)

        clock.now = early.expires_at  # the timer fires for the closed lobby
        writes = []
        write = store.write
        store.write = lambda *a, **k: writes.append(a[0]) or write(*a, **k)
        assert await jobs.expire_due() == 0
        assert writes == []
        assert jobs.expiry_at == (later.expires_at, later.id)  # the earliest still open
        [timer] = _date_jobs(jobs)
        assert timer.next_run_time.timestamp() == later.expires_at
        clock.now = later.expires_at  # and that one expires on time
        assert await jobs.expire_due() == 1
        assert jobs.expiry_at == (late.expires_at, late.id)
    finally:
        jobs.shutdown()
        await store.close()


async def test_a_duel_leaves_the_timer_aimed_at_its_lobby_and_restart_aims_it_anew(tmp_path):
    clock = FakeClock()
    async with running_bot(tmp_path, clock=clock, lobby_ttl_seconds=TTL) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(5, 2)
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting")
        [(lobby_id, expires_at)] = bot.sql("SELECT id, expires_at FROM lobbies")
        assert bot.app.jobs.expiry_at == (expires_at, lobby_id)
        fake.send_text(2, "/dice 30")
        await fake.wait_text(1, "You win")
        await settle(bot)
        # Settled, and no read went to find the next lobby: the timer waits where it was.
        assert bot.app.jobs.expiry_at == (expires_at, lobby_id)
        fake.send_text(1, "/dice 40")  # a later lobby, nobody joins
        await settle(bot)
        [(second, second_expires)] = bot.sql("SELECT id, expires_at FROM lobbies"
                                             " WHERE status = 'open'")
        await bot.stop()
        restarted = await start_bot(fake, bot.db_path, clock)  # a restart aims anew
        try:
            assert restarted.app.jobs.expiry_at == (second_expires, second)
        finally:
            await restarted.stop()
