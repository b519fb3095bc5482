-- ludice schema, in numbered steps. `PRAGMA user_version` records the last step applied; each
-- step runs in one transaction together with its version bump. Never edit a step that has
-- shipped: add a new one.

-- step 1: users, the double-entry ledger, settings
CREATE TABLE users (
    id                INTEGER PRIMARY KEY,          -- the Telegram user id
    username          TEXT,
    first_name        TEXT NOT NULL DEFAULT '',
    language_code     TEXT,
    terms_accepted_at INTEGER,
    banned_at         INTEGER,
    ban_reason        TEXT,
    created_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    CHECK ((banned_at IS NULL) = (ban_reason IS NULL))
) STRICT;
CREATE INDEX users_username ON users (lower(username));

-- User accounts share the user's id; system accounts have small negative ids. Only user
-- accounts are held to a non-negative balance: source accounts go negative as they issue.
CREATE TABLE accounts (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    balance INTEGER NOT NULL DEFAULT 0,
    CHECK (id < 0 OR balance >= 0)
) STRICT;

INSERT INTO accounts (id, name) VALUES
    (-1, 'house'),   -- fees
    (-2, 'escrow'),  -- stakes in play
    (-3, 'stars'),   -- credits bought with Telegram Stars
    (-4, 'bonus'),   -- welcome and daily credits
    (-5, 'adjust');  -- admin corrections

CREATE TABLE transfers (
    id         INTEGER PRIMARY KEY,
    debit_id   INTEGER NOT NULL REFERENCES accounts (id),
    credit_id  INTEGER NOT NULL REFERENCES accounts (id),
    amount     INTEGER NOT NULL CHECK (amount > 0),
    kind       TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
    reference  TEXT NOT NULL DEFAULT '',
    idem_key   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    CHECK (debit_id <> credit_id)
) STRICT;
CREATE INDEX transfers_debit ON transfers (debit_id, id);
CREATE INDEX transfers_credit ON transfers (credit_id, id);

-- The balance moves in the same statement that records the transfer, so neither can exist
-- without the other; a user balance going below zero fails the CHECK and aborts both.
CREATE TRIGGER transfers_apply AFTER INSERT ON transfers
BEGIN
    UPDATE accounts SET balance = balance - NEW.amount WHERE id = NEW.debit_id;
    UPDATE accounts SET balance = balance + NEW.amount WHERE id = NEW.credit_id;
END;
CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers
BEGIN
    SELECT RAISE(ABORT, 'transfers are immutable');
END;
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
BEGIN
    SELECT RAISE(ABORT, 'transfers are immutable');
END;

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Values the code needs but nobody should print or edit (the payment payload secret).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('payload_secret', lower(hex(randomblob(32))));

-- step 2: lobbies, their players and the dice they rolled
CREATE TABLE lobbies (
    id            INTEGER PRIMARY KEY,
    game          TEXT NOT NULL CHECK (game IN ('dice', 'darts', 'bowling', 'basketball', 'football')),
    bet           INTEGER NOT NULL CHECK (bet > 0),
    seats         INTEGER NOT NULL CHECK (seats BETWEEN 2 AND 6),
    chat_id       INTEGER,                      -- NULL: private matchmaking; else the group chat
    creator_id    INTEGER NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'rolling', 'settled', 'expired', 'cancelled')),
    round         INTEGER NOT NULL DEFAULT 0 CHECK (round >= 0),
    fee           INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    cancel_reason TEXT
) STRICT;
CREATE INDEX lobbies_match ON lobbies (status, game, bet, chat_id, id);

CREATE TABLE lobby_players (
    lobby_id  INTEGER NOT NULL REFERENCES lobbies (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    seat      INTEGER NOT NULL CHECK (seat >= 1),
    stake     INTEGER NOT NULL CHECK (stake > 0),
    payout    INTEGER CHECK (payout IS NULL OR payout >= 0),  -- NULL until the lobby resolves
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (lobby_id, user_id),
    UNIQUE (lobby_id, seat)
) STRICT;
CREATE INDEX lobby_players_user ON lobby_players (user_id, lobby_id);

CREATE TABLE rolls (
    lobby_id   INTEGER NOT NULL REFERENCES lobbies (id),
    round      INTEGER NOT NULL CHECK (round >= 1),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    value      INTEGER NOT NULL CHECK (value BETWEEN 1 AND 64),
    chat_id    INTEGER,
    message_id INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (lobby_id, round, user_id)
) STRICT;


-- Messages owed to players, written in the same transaction as the effect they announce
-- (a refund, a result) so a crash cannot lose them; the bot sends and marks them. The CLI
-- writes here too, which is how a `ludice lobby cancel` reaches players of a running bot.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    text_key   TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    error      TEXT
) STRICT;
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;

-- step 3: Telegram Stars payments
-- One row per successful payment, keyed by Telegram's charge id, written in the same
-- transaction as the stars -> user transfer it pays for. A refund records its intent
-- (refund_pending, credits already taken back) before Telegram is asked, so a crash between
-- the two is finished by a retry or by reconciliation instead of being forgotten.
CREATE TABLE payments (
    charge_id           TEXT PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    stars               INTEGER NOT NULL CHECK (stars > 0),
    credits             INTEGER NOT NULL CHECK (credits > 0),
    payload             TEXT NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('update', 'reconcile')),
    status              TEXT NOT NULL DEFAULT 'credited'
                        CHECK (status IN ('credited', 'refund_pending', 'refunded')),
    created_at          INTEGER NOT NULL,
    refund_reason       TEXT,
    refund_taken        INTEGER CHECK (refund_taken IS NULL OR refund_taken >= 0),
    refund_shortfall    INTEGER CHECK (refund_shortfall IS NULL OR refund_shortfall >= 0),
    refund_requested_at INTEGER,
    refunded_at         INTEGER,
    refund_error        TEXT
) STRICT;
CREATE INDEX payments_user ON payments (user_id, created_at);

-- step 4: group play
-- One row per group chat the bot has been in. Play stays off until a group admin turns it on;
-- NULL bet limits mean "the global limits". topic_id: in a forum group, the one topic the bot
-- plays in (0 = General; NULL = any topic).
CREATE TABLE groups (
    chat_id       INTEGER PRIMARY KEY CHECK (chat_id < 0),
    title         TEXT NOT NULL DEFAULT '',
    is_forum      INTEGER NOT NULL DEFAULT 0 CHECK (is_forum IN (0, 1)),
    present       INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)),
    enabled       INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    lang          TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'ru')),
    games         TEXT NOT NULL DEFAULT 'dice,darts,bowling,basketball,football'
                  CHECK (length(games) > 0),
    min_bet       INTEGER CHECK (min_bet IS NULL OR min_bet > 0),
    max_bet       INTEGER CHECK (max_bet IS NULL OR max_bet > 0),
    seats         INTEGER NOT NULL DEFAULT 2 CHECK (seats BETWEEN 2 AND 6),
    throw_mode    INTEGER NOT NULL DEFAULT 0 CHECK (throw_mode IN (0, 1)),
    turn_seconds  INTEGER NOT NULL DEFAULT 60 CHECK (turn_seconds BETWEEN 10 AND 600),
    topic_id      INTEGER CHECK (topic_id IS NULL OR topic_id >= 0),
    added_at      INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER
) STRICT;

-- What a group lobby needs beyond `lobbies`: where its card and dice go, who a direct
-- challenge is for, and (throw-your-own mode) when the current round's window closes. The
-- mode and turn length are copied from the group when the lobby opens, so a settings change
-- never alters a game in play.
CREATE TABLE group_lobbies (
    lobby_id     INTEGER PRIMARY KEY REFERENCES lobbies (id),
    chat_id      INTEGER NOT NULL REFERENCES groups (chat_id),
    thread_id    INTEGER,
    card_id      INTEGER,
    target_id    INTEGER,          -- no foreign key: the person may never have started the bot
    target_name  TEXT,
    throw_mode   INTEGER NOT NULL CHECK (throw_mode IN (0, 1)),
    turn_seconds INTEGER NOT NULL CHECK (turn_seconds > 0),
    turn_ends_at INTEGER,
    CHECK ((target_id IS NULL) = (target_name IS NULL))
) STRICT;
CREATE INDEX group_lobbies_chat ON group_lobbies (chat_id, lobby_id);
CREATE INDEX lobbies_chat_resolved ON lobbies (chat_id, status, resolved_at);

-- Group messages go to the lobby's forum topic.
ALTER TABLE outbox ADD COLUMN thread_id INTEGER;

-- step 5: terms fixed when a lobby opens; refunds that can be abandoned
-- A game settles with the fee and tie rule it was opened under, not whatever the settings say
-- when it ends (NULL on lobbies opened before this step: they use the current settings).
ALTER TABLE lobbies ADD COLUMN fee_percent INTEGER
    CHECK (fee_percent IS NULL OR fee_percent BETWEEN 0 AND 50);
ALTER TABLE lobbies ADD COLUMN tie_rounds INTEGER
    CHECK (tie_rounds IS NULL OR tie_rounds BETWEEN 0 AND 10);
-- Each refund attempt of a payment has its own transfer keys, so an attempt that Telegram
-- refused for good can be undone (`ludice payment refund --abort`) and tried again later.
ALTER TABLE payments ADD COLUMN refund_attempts INTEGER NOT NULL DEFAULT 0
    CHECK (refund_attempts >= 0);

-- step 6: crash-proof play
-- Updates whose effect on money or lobbies is recorded, written in the same transaction as
-- that effect: Telegram redelivers what the bot had not confirmed when it died, and such an
-- update must do nothing the second time. Pruned after a day (Telegram keeps no update
-- longer than that).
CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at INTEGER NOT NULL
) STRICT;
CREATE INDEX handled_updates_age ON handled_updates (handled_at);

-- A die the bot is about to roll, recorded before sendDice and removed with the roll that
-- records its value. One still here for a rolling lobby nobody is running means the bot
-- died between the two: the die may be on the players' screens, so it is never rolled again;
-- the game is called off instead.
CREATE TABLE roll_intents (
    lobby_id   INTEGER NOT NULL REFERENCES lobbies (id),
    round      INTEGER NOT NULL CHECK (round >= 1),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (lobby_id, round, user_id)
) STRICT;

-- step 7: the running bot's heartbeat
-- One row, rewritten every few seconds by the bot that holds the database, so `ludice status`
-- (another process) and /status can tell how it is doing. audit_problems NULL = not audited
-- yet; backup_error is the last failed backup's reason, cleared by the next good one.
CREATE TABLE heartbeat (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    pid            INTEGER NOT NULL,
    version        TEXT NOT NULL,
    api_url        TEXT,
    started_at     INTEGER NOT NULL,
    beat_at        INTEGER NOT NULL,
    stopped_at     INTEGER,
    last_update_id INTEGER,
    last_update_at INTEGER,
    updates_hour   INTEGER NOT NULL DEFAULT 0 CHECK (updates_hour >= 0),
    errors_hour    INTEGER NOT NULL DEFAULT 0 CHECK (errors_hour >= 0),
    audit_at       INTEGER,
    audit_problems INTEGER CHECK (audit_problems IS NULL OR audit_problems >= 0),
    audit_first    TEXT,
    backup_error   TEXT
) STRICT;

-- step 8: results anyone can check
-- Who produced each die: the bot (a Telegram die it sent), the player (their own Telegram
-- die, throw-your-own mode) or the server (drawn from the lobby's committed seed when no die
-- could be rolled in Telegram: ludice.fairness); and the die message's Telegram date. Rows
-- from before this step are classified by what they recorded: no message means a server draw.
ALTER TABLE rolls ADD COLUMN roller TEXT NOT NULL DEFAULT 'bot'
    CHECK (roller IN ('bot', 'player', 'server'));
ALTER TABLE rolls ADD COLUMN sent_at INTEGER;
UPDATE rolls SET roller = 'server' WHERE message_id IS NULL;
UPDATE rolls SET roller = 'player' WHERE message_id IS NOT NULL
    AND lobby_id IN (SELECT lobby_id FROM group_lobbies WHERE throw_mode = 1);

-- The random seed a lobby's server draws come from, fixed when the lobby starts; its SHA-256
-- is shown then, the seed itself only once the lobby is over.
CREATE TABLE lobby_seeds (
    lobby_id INTEGER PRIMARY KEY REFERENCES lobbies (id),
    seed     BLOB NOT NULL CHECK (length(seed) = 32)
) STRICT;

-- step 9: admins in Telegram
-- Who changed a row from Telegram (an admin's Telegram id; NULL: the CLI, i.e. whoever runs
-- it on the server).
ALTER TABLE users ADD COLUMN banned_by INTEGER;
ALTER TABLE settings ADD COLUMN updated_by INTEGER;
ALTER TABLE lobbies ADD COLUMN cancelled_by INTEGER;
-- What an admin asked for in Telegram and whether it was confirmed: a confirmation button
-- carries only the id of its request, and the request is decided once, in the same
-- transaction as its effect. Every action of an admin is kept here, with its reason.
CREATE TABLE admin_requests (
    id         INTEGER PRIMARY KEY,
    admin_id   INTEGER NOT NULL,
    action     TEXT NOT NULL
               CHECK (action IN ('ban', 'unban', 'adjust', 'cancel', 'refund', 'set')),
    target     TEXT NOT NULL,                   -- a user id, lobby id, charge id or setting
    value      TEXT NOT NULL DEFAULT '',        -- the amount of an adjust, a setting's value
    reason     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    outcome    TEXT CHECK (outcome IS NULL OR outcome IN ('confirmed', 'dropped')),
    CHECK ((decided_at IS NULL) = (outcome IS NULL))
) STRICT;

-- step 10: the house as a player; friendly (0-credit) games
-- A friendly game stakes nothing: bets and stakes may be 0. Loosening a CHECK leaves every
-- stored row valid and the file format unchanged, so it is done the way SQLite's docs give
-- for such changes (lang_altertable.html, "otherwise"): edit the table's definition in
-- sqlite_schema in this step's transaction. The edit replaces only the CHECK text, whatever
-- columns other steps added to these tables. The CREATE INDEX below bumps the schema cookie,
-- so every open connection re-reads the definitions; RESET re-reads them here.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (bet > 0)', 'CHECK (bet >= 0)')
    WHERE type = 'table' AND name = 'lobbies';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (stake > 0)', 'CHECK (stake >= 0)')
    WHERE type = 'table' AND name = 'lobby_players';
PRAGMA writable_schema = RESET;
-- Who won a game when no credits say it (a friendly game pays nothing): 1 the sole winner,
-- 0 a loser, NULL a split or a game settled before this step (its payouts tell).
ALTER TABLE lobby_players ADD COLUMN won INTEGER CHECK (won IS NULL OR won IN (0, 1));
-- The house takes a seat in a house duel like a player, under the id of its ledger account
-- (-1; its users row is written by its first duel, ludice.house), so stakes, rolls,
-- settlement, refunds and the audit treat it as any seat. The house's seats by when they
-- were taken: its losses over the last 24 hours.
CREATE INDEX lobby_players_house ON lobby_players (joined_at) WHERE user_id = -1;

-- step 11: responsible play (/limits)
-- A player's stake and loss limits per rolling window, and the minutes between reality
-- checks: one row per item. A stricter value applies at once; a looser one (or none) waits
-- in pending_value until pending_at, 24 hours after it was asked for (ludice.windows).
CREATE TABLE player_limits (
    user_id       INTEGER NOT NULL REFERENCES users (id),
    item          TEXT NOT NULL CHECK (item IN ('stake_day', 'stake_week', 'stake_month',
                                                'loss_day', 'loss_week', 'loss_month',
                                                'reminder')),
    value         INTEGER CHECK (value IS NULL OR value > 0),          -- NULL: none
    pending_value INTEGER CHECK (pending_value IS NULL OR pending_value > 0),
    pending_at    INTEGER,                     -- NULL: nothing pending
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (user_id, item),
    CHECK (pending_at IS NOT NULL OR pending_value IS NULL)
) STRICT, WITHOUT ROWID;

-- Time-outs and self-exclusions. Nothing but the operator's `ludice user unexclude` (which
-- records why) ends one before ends_at.
CREATE TABLE exclusions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('timeout', 'exclusion')),
    started_at  INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    lifted_at   INTEGER,
    lift_reason TEXT,
    CHECK (ends_at > started_at),
    CHECK ((lifted_at IS NULL) = (lift_reason IS NULL))
) STRICT;
CREATE INDEX exclusions_user ON exclusions (user_id, ends_at);

-- Every change to a player's limits, time-outs and exclusions, who made it and when it
-- applies: `ludice user limits USER`.
CREATE TABLE limit_log (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    item         TEXT NOT NULL CHECK (item IN ('stake_day', 'stake_week', 'stake_month',
                                               'loss_day', 'loss_week', 'loss_month',
                                               'reminder', 'timeout', 'exclusion',
                                               'unexclude')),
    value        INTEGER,       -- NULL: none / off / lifted; a time-out or exclusion: days
    effective_at INTEGER NOT NULL,
    actor        TEXT NOT NULL CHECK (actor IN ('player', 'default', 'operator')),
    reason       TEXT
) STRICT;
CREATE INDEX limit_log_user ON limit_log (user_id, id);

-- The play session of a player with reality checks on: due checks are found by the sweep.
CREATE TABLE play_sessions (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id),
    started_at    INTEGER NOT NULL,
    last_play_at  INTEGER NOT NULL,
    next_check_at INTEGER
) STRICT;
CREATE INDEX play_sessions_due ON play_sessions (next_check_at) WHERE next_check_at IS NOT NULL;

-- A player's lobby money in a rolling window (stakes out, payouts and refunds in), read on
-- every stake of a player with limits: by account and time, never a scan of the ledger.
CREATE INDEX transfers_stakes ON transfers (debit_id, created_at, kind, amount)
    WHERE kind = 'stake';
CREATE INDEX transfers_returns ON transfers (credit_id, created_at, kind, amount)
    WHERE kind IN ('payout', 'refund');

-- step 12: queries that stay fast as history grows
-- The audit sums every account's transfers from these indexes alone (`amount` is in them);
-- /history reads a player's newest transfers from the same ones.
DROP INDEX transfers_debit;
DROP INDEX transfers_credit;
CREATE INDEX transfers_debit ON transfers (debit_id, id, amount);
CREATE INDEX transfers_credit ON transfers (credit_id, id, amount);
-- /bonus: the player's last daily bonus, one index entry away.
CREATE INDEX transfers_daily ON transfers (credit_id, created_at) WHERE kind = 'daily';
-- The lobby a player is in, if any: a payout stays NULL exactly while the lobby is in play
-- (settling and refunding both set it), so this index holds only the lobbies in play.
CREATE INDEX lobby_players_in_play ON lobby_players (user_id, lobby_id) WHERE payout IS NULL;
-- The audit's check of resolved lobbies reads stakes and payouts from here, not the table.
CREATE INDEX lobby_players_money ON lobby_players (lobby_id, stake, payout);
-- `ludice user list`: the most recently seen first.
CREATE INDEX users_seen ON users (last_seen_at DESC, id);

-- Group leaderboards, kept up to date as lobbies settle: one row per group, player and
-- period (0 = all time, else the Monday 00:00 UTC starting a week). The trigger below writes
-- them in the statement that records a payout, in the settling transaction, so no code path
-- can settle a group duel without counting it; deriving the boards from every settled lobby
-- on each /top took 0.5-1.5 s at 1M transfers (ludice.leaderboard).
CREATE TABLE group_scores (
    chat_id INTEGER NOT NULL,
    period  INTEGER NOT NULL CHECK (period >= 0),
    user_id INTEGER NOT NULL,
    net     INTEGER NOT NULL,
    wins    INTEGER NOT NULL CHECK (wins >= 0),
    games   INTEGER NOT NULL CHECK (games > 0),
    PRIMARY KEY (chat_id, period, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_scores_net ON group_scores (chat_id, period, net DESC, wins DESC, user_id);
CREATE INDEX group_scores_wins ON group_scores (chat_id, period, wins DESC, net DESC, user_id);
CREATE INDEX group_scores_player ON group_scores (user_id, period);

INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)
SELECT l.chat_id, 0, p.user_id, sum(p.payout - p.stake),
       sum(CASE WHEN p.stake = 0 THEN coalesce(p.won = 1, 0) ELSE p.payout > p.stake END), count(*)
FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id
WHERE l.chat_id IS NOT NULL AND l.status = 'settled'
GROUP BY l.chat_id, p.user_id;
INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)
SELECT l.chat_id, (l.resolved_at / 86400 - (l.resolved_at / 86400 + 3) % 7) * 86400 AS week,
       p.user_id, sum(p.payout - p.stake),
       sum(CASE WHEN p.stake = 0 THEN coalesce(p.won = 1, 0) ELSE p.payout > p.stake END), count(*)
FROM lobby_players p JOIN lobbies l ON l.id = p.lobby_id
WHERE l.chat_id IS NOT NULL AND l.status = 'settled'
GROUP BY l.chat_id, week, p.user_id;

-- A payout is set once (with `won`), after the lobby's status (settled, or refunded as
-- expired or cancelled) in the same transaction; only settled group lobbies count. A win is
-- what ludice.leaderboard.WIN says: more credits back than staked, or in a friendly game
-- (nothing staked) the top die alone. 1970-01-01 was a Thursday, hence the + 3 that makes
-- Monday day 0 of the week.
CREATE TRIGGER group_scores_count AFTER UPDATE OF payout ON lobby_players
WHEN OLD.payout IS NULL AND NEW.payout IS NOT NULL
BEGIN
    INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)
    SELECT chat_id, 0, NEW.user_id, NEW.payout - NEW.stake,
           CASE WHEN NEW.stake = 0 THEN coalesce(NEW.won = 1, 0) ELSE NEW.payout > NEW.stake END, 1
    FROM lobbies WHERE id = NEW.lobby_id AND status = 'settled' AND chat_id IS NOT NULL
    ON CONFLICT (chat_id, period, user_id) DO UPDATE SET net = net + excluded.net,
        wins = wins + excluded.wins, games = games + excluded.games;
    INSERT INTO group_scores (chat_id, period, user_id, net, wins, games)
    SELECT chat_id, (resolved_at / 86400 - (resolved_at / 86400 + 3) % 7) * 86400,
           NEW.user_id, NEW.payout - NEW.stake,
           CASE WHEN NEW.stake = 0 THEN coalesce(NEW.won = 1, 0) ELSE NEW.payout > NEW.stake END, 1
    FROM lobbies WHERE id = NEW.lobby_id AND status = 'settled' AND chat_id IS NOT NULL
    ON CONFLICT (chat_id, period, user_id) DO UPDATE SET net = net + excluded.net,
        wins = wins + excluded.wins, games = games + excluded.games;
END;

-- step 13: one expiry timer
-- The bot arms one timer at the earliest expires_at of the open lobbies and, when it fires,
-- expires those due, earliest first: both read this small index (open lobbies only).
CREATE INDEX lobbies_open_expiry ON lobbies (expires_at, id) WHERE status = 'open';
