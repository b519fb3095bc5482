"""End to end: /game ID shows a settled game's record to whoever may see it, the seed's
commitment goes out when a game starts, and a server-side draw is checked by recomputing it
from the revealed seed. Ledger audit clean after each (running_bot)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime

from botharness import (
    GROUP,
    Gate,
    accept_terms,
    card_of,
    group_say,
    open_group,
    running_bot,
    settle,
    state,
)
from test_fairness import independent_draw

from ludice.bot.records import chunks
from ludice.bot.texts import render_outbox

HEX64 = r"([0-9a-f]{64})"


def hhmmss(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


async def ask(fake, user_id: int, text: str, contains: str, **kwargs) -> str:
    seen = len(fake.texts(kwargs.get("chat_id", user_id)))
    fake.send_text(user_id, text, **kwargs)
    chat = kwargs.get("chat_id", user_id)
    await fake.wait_for(lambda: len(fake.texts(chat)) > seen)
    reply = fake.texts(chat)[seen]
    assert contains in reply, reply
    return reply


async def test_game_shows_every_die_of_a_tie_broken_duel(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, tie_rounds=3) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        fake.script_dice(4, 4, 6, 2)
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(2, "/dice 30")
        start = await fake.wait_text(1, "Duel #1")
        commitment = re.search(rf"Seed commitment: <code>{HEX64}</code>", start).group(1)
        assert commitment in await fake.wait_text(2, "Duel #1")
        result = await fake.wait_text(1, "You win")
        assert "Full record: /game_1" in result
        assert "Full record: /game_1" in await fake.wait_text(2, "wins the pot")
        await settle(bot)

        record = await ask(fake, 1, "/game_1", "Game #1")
        assert "private duel" in record and "<b>Round 1</b>" in record
        assert "<b>Round 2</b>" in record
        rolls = bot.sql("SELECT round, user_id, value, chat_id, message_id, sent_at FROM rolls"
                        " ORDER BY round, user_id")
        assert [r[:3] for r in rolls] == [(1, 1, 4), (1, 2, 4), (2, 1, 6), (2, 2, 2)]
        for _round, user_id, value, chat_id, message_id, sent_at in rolls:
            die = fake.messages[(chat_id, message_id)]  # the die Telegram holds
            assert die["dice"]["value"] == value and die["date"] == sent_at
            # every die rolled in the chat of Bob, who filled the lobby (Alice got them
            # forwarded)
            assert chat_id == 2 and "forward_origin" not in die
            name = {1: "Alice", 2: "Bob"}[user_id]
            assert (f"{name} 🎲{value} · rolled by the bot · message {message_id} in Bob's"
                    f" chat · {hhmmss(sent_at)}") in record
        assert record.index("<b>Round 1</b>") < record.index("Alice 🎲6")  # rounds in order
        assert "1. Alice: stake 30, paid out 60" in record
        assert "2. Bob: stake 30, paid out 0" in record and "house fee 0" in record
        for transfer_id, kind, amount in bot.sql(
                "SELECT id, kind, amount FROM transfers WHERE reference = 'lobby 1'"):
            assert f"#{transfer_id} {kind}: " in record and f" {amount}\n" in record + "\n"
        seed = re.search(rf"Seed: <code>{HEX64}</code>", record).group(1)
        assert hashlib.sha256(bytes.fromhex(seed)).hexdigest() == commitment
        assert "the server drew none" in record
        assert "Game #1" in await ask(fake, 2, "/game 1", "Game #1")  # the other player too


async def test_games_nobody_may_see_here_and_bad_numbers(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
            await accept_terms(fake, user_id, name)
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(2, "/dice 30")
        await fake.wait_text(2, "Full record")
        await settle(bot)
        fake.send_text(3, "/dice 20")  # Carol's lobby 2 waits
        await fake.wait_text(3, "Waiting for an opponent")
        await settle(bot)
        before = state(bot)
        assert "not shown here" in await ask(fake, 3, "/game 1", "Game #1")
        assert "still in play" in await ask(fake, 3, "/game 2", "Game #2")
        assert await ask(fake, 3, "/game 99", "#99") == "There is no game #99."
        for typed in ("/game", "/game abc", "/game -1", "/game 1 2", "/game_" + "9" * 30):
            assert "<code>/game 12</code>" in await ask(fake, 3, typed, "Send /game")
        assert "not shown here" in await ask(fake, 1, "/game #2", "Game #2")
        await settle(bot)
        assert state(bot) == before  # asking changed nothing
        fake.send_text(3, "/leave")
        await fake.wait_text(3, "You left lobby #2")
        await settle(bot)
        assert "without a result" in await ask(fake, 3, "/game_2", "Game #2")


async def test_a_server_side_draw_is_checked_from_the_revealed_seed(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake = bot.fake
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Dave")):
            await accept_terms(fake, user_id, name)
        fake.script_dice(1)
        gate = Gate(fake, "sendDice", skip=1)  # Alice's 1 is in the group; Bob's hangs
        group_say(fake, 1, "/duel 40")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        await asyncio.wait_for(gate.reached.wait(), 5)
        card = await fake.wait_for(lambda: (c := card_of(fake, 1)) and re.search(
            rf"Seed commitment: {HEX64}", c[1]["text"]))
        commitment = card.group(1)
        await fake.wait_for(lambda: fake.delivered() and not bot.sql(
            "SELECT 1 FROM outbox WHERE sent_at IS NULL"))
        fake.bot_status(GROUP, "kicked", by=1)  # Alice saw her 1 and kicks the bot
        told = {u: await fake.wait_text(u, "could not be played out in the group")
                for u in (1, 2)}
        gate.fail("Forbidden: bot was kicked from the supergroup chat", 403)
        await settle(bot)

        revealed = {re.search(rf"The seed is revealed: <code>{HEX64}</code>", told[u]).group(1)
                    for u in (1, 2)}
        assert len(revealed) == 1 and "/game_1" in told[1]
        seed = bytes.fromhex(revealed.pop())
        assert hashlib.sha256(seed).hexdigest() == commitment  # the seed shown at the start
        rolls = bot.sql("SELECT round, user_id, value, roller, message_id FROM rolls"
                        " ORDER BY round, user_id")
        assert rolls[0][:4] == (1, 1, 1, "bot") and rolls[0][4] is not None
        server = [r for r in rolls if r[3] == "server"]
        assert server and all(message_id is None for *_, message_id in server)
        for rnd, user_id, value, _roller, _message in server:
            assert value == independent_draw(seed, 1, rnd, user_id, 6)

        record = await ask(fake, 2, "/game_1", "Game #1")
        assert "in Dice Club" in record and "How" not in record
        assert f"Alice 🎲1 · rolled by the bot · message {rolls[0][4]} in the group" in record
        for rnd, user_id, value, _roller, _message in server:
            name = {1: "Alice", 2: "Bob"}[user_id]
            assert (f"{name} 🎲{value} · drawn by the server from the seed, HMAC message"
                    f" <code>1:{rnd}:{user_id}</code>") in record
        assert "To check a server draw" in record and "<code>1:ROUND:PLAYER_ID</code>" in record
        assert "skipping bytes ≥ 252" in record and "b mod 6 + 1" in record
        assert "not shown here" in await ask(fake, 3, "/game 1", "Game #1")  # Dave: no player


async def test_a_group_sees_its_own_games_only(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100) as bot:
        fake = bot.fake
        await open_group(bot)
        other = await open_group(bot, -100777, admin=101, title="Other Club")
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        fake.script_dice(5, 3)
        group_say(fake, 1, "/duel 40")
        await fake.wait_for(lambda: card_of(fake, 1))
        fake.press(2, "gj:1", message_id=card_of(fake, 1)[0], chat_id=GROUP)
        result = await fake.wait_text(GROUP, "wins")
        await settle(bot)
        assert "Full record: /game_1" in result
        assert "Seed commitment: " in card_of(fake, 1)[1]["text"]
        record = await ask(fake, 100, "/game_1", "Game #1", chat_id=GROUP,
                           chat_type="supergroup")  # the admin: in the group, not a player
        assert "Alice 🎲5 · rolled by the bot" in record and "in the group" in record
        assert "not shown here" in await ask(fake, 101, "/game 1", "Game #1", chat_id=other,
                                             chat_type="supergroup")


def test_a_long_record_is_split_at_lines_within_telegrams_limit():
    lines = [f"line {n} " + "x" * 90 for n in range(120)]
    parts = chunks("\n".join(lines))
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts).split("\n") == lines
    assert chunks("short") == ["short"]


async def test_a_private_duel_nobody_could_be_shown_draws_from_its_seed(tmp_path):
    async with running_bot(tmp_path, welcome_bonus=100, tie_rounds=0) as bot:
        fake = bot.fake
        await accept_terms(fake, 1, "Alice")
        await accept_terms(fake, 2, "Bob")
        gate = Gate(fake, "sendDice")  # the first die waits until both have blocked the bot
        fake.send_text(1, "/dice 30")
        await fake.wait_text(1, "Waiting for an opponent")
        fake.send_text(2, "/dice 30")
        start = await fake.wait_text(1, "Duel #1")
        commitment = re.search(rf"Seed commitment: <code>{HEX64}</code>", start).group(1)
        await asyncio.wait_for(gate.reached.wait(), 5)
        fake.block(1)
        fake.block(2)
        gate.release()
        await fake.wait_for(lambda: bot.sql("SELECT status FROM lobbies") == [("settled",)])
        await settle(bot)
        assert not fake.sent(method="sendDice")  # no die reached anybody
        rolls = bot.sql("SELECT user_id, value, roller, message_id FROM rolls ORDER BY user_id")
        assert [(u, roller, m) for u, _v, roller, m in rolls] == [(1, "server", None),
                                                                (2, "server", None)]
        results = [p for (p,) in bot.sql(
            "SELECT params FROM outbox WHERE text_key = 'duel_result' ORDER BY chat_id")]
        seeds = {re.search(rf'"seed": "{HEX64}"', p).group(1) for p in results}
        assert len(results) == 2 and len(seeds) == 1  # the result reveals the seed
        seed = bytes.fromhex(seeds.pop())
        assert hashlib.sha256(seed).hexdigest() == commitment
        for user_id, value, _roller, _message in rolls:
            assert value == independent_draw(seed, 1, 1, user_id, 6)
        fake.block(1, blocked=False)
        record = await ask(fake, 1, "/game 1", "Game #1")
        assert "<code>1:1:1</code>" in record and "<code>1:1:2</code>" in record
        assert seed.hex() in record and "To check a server draw" in record


def test_a_result_links_its_record_and_reveals_a_seed_it_drew_from():
    params = dict(lobby_id=7, game="dice", rolls=[["Ann", 5], ["Bob", 2]], winners=["Ann"],
                  pot=60, fee=0, payout=60, net=30, split=False, balance=130)
    for lang in ("en", "ru"):
        plain = render_outbox(lang, "duel_result", params)
        assert plain.endswith("/game_7") and "<code>" not in plain
        drawn = render_outbox(lang, "duel_result", {**params, "seed": "ab" * 32})
        assert f"<code>{'ab' * 32}</code>" in drawn and drawn.endswith("/game_7")
