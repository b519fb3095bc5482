"""The playground's server without a browser: what a page may ask over its WebSocket, and how
the playground answers nonsense (bad JSON, wrong types, huge frames, people and chats that do
not exist, forged button presses): one clear error to that page, nothing changed, the
process carrying on."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ludice import db, ledger
from ludice.playground.cast import GROUP_ID
from ludice.playground.server import TOKEN, Playground, PlaygroundOptions
from ludice.playground.web import MAX_FRAME

ALICE, BORIS = 1001, 1002
FAST = {"reveal_delay_seconds": "0.05", "throttle_seconds": "0"}


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    running = Playground(PlaygroundOptions(db_path=tmp_path / "ludice.db", settings=FAST,
                                           polling_timeout=1, drain_seconds=3))
    await running.start()
    yield running
    await running.stop()


class Page:
    """One open page: a WebSocket that keeps everything the playground sent it."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []

    async def next(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        async def wait() -> dict[str, Any]:
            while True:
                frame = await self.ws.receive()
                assert frame.type == aiohttp.WSMsgType.TEXT, frame
                event = json.loads(frame.data)
                self.received.append(event)
                if event["type"] == kind:
                    return event

        return await asyncio.wait_for(wait(), timeout)

    async def message_in(self, chat_id: int, *, from_bot: bool) -> dict[str, Any]:
        while True:
            event = (await self.next("message"))["message"]
            if event["chat_id"] == chat_id and event["from"]["is_bot"] == from_bot:
                return event

    async def ask(self, payload: Any) -> None:
        await self.ws.send_str(payload if isinstance(payload, str) else json.dumps(payload))

    async def refused(self, payload: Any) -> str:
        await self.ask(payload)
        return (await self.next("error"))["message"]


@pytest.fixture
async def page(playground: Playground) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as session, session.ws_connect(
            playground.url + "ws") as ws:
        opened = Page(ws)
        await opened.next("snapshot")
        yield opened


def world(playground: Playground) -> tuple:
    """What a refused request must leave alone: the updates the bot got, every chat's
    messages, the stars, and the database."""
    em = playground.emulator
    conn = sqlite3.connect(playground.db_path)
    try:
        rows = (conn.execute("SELECT count(*) FROM users").fetchone(),
                conn.execute("SELECT id, balance FROM accounts ORDER BY id").fetchall(),
                conn.execute("SELECT count(*) FROM transfers").fetchone())
    finally:
        conn.close()
    return (len(em.pushed), json.dumps(sorted(em.messages.items()), sort_keys=True),
            {u: em.stars(u) for u in em.users}, sorted(playground.cast.personas), rows)


async def settled(playground: Playground) -> None:
    em, bot = playground.emulator, playground.application
    for _ in range(500):
        if em.delivered() and not bot.dispatcher._handle_update_tasks and not bot.duels.tasks:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bot did not settle")


async def test_the_snapshot_shows_the_cast_and_the_group(playground):
    async with aiohttp.ClientSession() as session, session.ws_connect(
            playground.url + "ws") as ws:
        snapshot = json.loads((await ws.receive()).data)
    assert snapshot["type"] == "snapshot"
    assert [(p["name"], p["lang"], p["admin"], p["stars"]) for p in snapshot["personas"]] == [
        ("Alice", "en", True, 1000), ("Boris", "ru", False, 1000), ("Carol", "en", False, 1000)]
    group = next(c for c in snapshot["chats"] if c["id"] == GROUP_ID)
    assert group["title"] == "Dice Club" and sorted(group["members"]) == [1001, 1002, 1003]
    await settled(playground)
    texts = [m.get("text", "") for m in playground.emulator.chat_messages(GROUP_ID)]
    assert "/ludice on" in texts  # Alice turned play on
    assert any("Play is on" in t for t in texts)


@pytest.mark.parametrize("payload, says", [
    ("{not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    ("42", "JSON object"),
    ({"type": "launch"}, "unknown message type"),
    ({"text": "/start"}, "unknown message type"),
    ({"type": "send_text", "persona": "1001", "chat": ALICE, "text": "/start"},
     "'persona' must be a whole number"),
    ({"type": "send_text", "persona": True, "chat": ALICE, "text": "/start"},
     "'persona' must be a whole number"),
    ({"type": "send_text", "persona": ALICE, "chat": ALICE, "text": ["/start"]},
     "'text' must be a string"),
    ({"type": "send_text", "persona": ALICE, "chat": 1.5, "text": "/start"},
     "'chat' must be a whole number"),
    ({"type": "send_text", "persona": ALICE, "chat": ALICE, "text": "x" * 5000},
     "too long"),
    ({"type": "send_text", "persona": ALICE, "chat": ALICE, "text": "   "}, "empty"),
    ({"type": "send_text", "persona": 4242, "chat": 4242, "text": "/start"}, "no persona"),
    ({"type": "send_text", "persona": ALICE, "chat": BORIS, "text": "/start"},
     "not one of this person's chats"),
    ({"type": "send_text", "persona": ALICE, "chat": -100, "text": "/start"},
     "not one of this person's chats"),
    ({"type": "dice", "persona": ALICE, "chat": ALICE, "emoji": "🎰🎰"}, "dice are"),
    ({"type": "deep_link", "persona": ALICE, "url": "https://t.me/other_bot?start=x"},
     "one bot"),
    ({"type": "deep_link", "persona": ALICE, "url": "javascript:alert(1)"}, "t.me links"),
    ({"type": "add_persona", "name": "", "lang": "en"}, "1 to 32 characters"),
    ({"type": "rate_limits", "enabled": "yes"}, "true or false"),
    ({"type": "add_persona", "name": "Zed", "lang": "xx"}, "language must be"),
    ({"type": "pay", "persona": ALICE, "chat": ALICE, "message_id": 1}, "invoice"),
    ({"type": "forward", "persona": ALICE, "from_chat": ALICE, "message_id": 999,
      "to_chat": GROUP_ID}, "does not exist"),
])
async def test_a_bad_request_is_answered_to_that_page_and_changes_nothing(
        playground, page, payload, says):
    await settled(playground)
    before = world(playground)
    message = await page.refused(payload)
    assert says in message, message
    await settled(playground)
    assert world(playground) == before


async def test_a_forged_callback_is_refused_and_the_bot_never_hears_of_it(playground, page):
    await page.ask({"type": "send_text", "persona": ALICE, "chat": ALICE, "text": "/start"})
    terms = await page.message_in(ALICE, from_bot=False)  # Alice's /start
    offer = await page.message_in(ALICE, from_bot=True)  # the terms, with the Accept button
    assert offer["buttons"][0][0]["data"] == "terms"
    await settled(playground)
    before = world(playground)
    forged = [({"message_id": 999, "data": "terms"}, "does not exist"),
              ({"message_id": offer["message_id"], "data": "bet:dice:1000000"},
               "no such button"),
              ({"message_id": terms["message_id"], "data": "terms"},
               "no such button"),
              ({"message_id": offer["message_id"], "data": "x" * 65}, "too long")]
    for fields, says in forged:
        message = await page.refused({"type": "press", "persona": ALICE, "chat": ALICE,
                                      **fields})
        assert says in message, message
    message = await page.refused({"type": "press", "persona": BORIS, "chat": ALICE,
                                  "message_id": offer["message_id"],
                                  "data": "terms"})
    assert "not one of this person's chats" in message
    await settled(playground)
    assert world(playground) == before
    # the real button still works
    await page.ask({"type": "press", "persona": ALICE, "chat": ALICE,
                    "message_id": offer["message_id"], "data": "terms"})
    account = await page.next("account")
    while account["persona"] != ALICE:
        account = await page.next("account")
    assert account["credits"] == 100 and account["registered"]


async def test_huge_frames_are_refused_and_the_playground_lives(playground, page):
    await settled(playground)
    before = world(playground)
    message = await page.refused("x" * (MAX_FRAME + 1))
    assert "too large" in message
    await page.ws.send_bytes(b"\x00\x01")
    assert "binary" in (await page.next("error"))["message"]
    # beyond what the server reads at all, the socket is closed (1009: too big), not the app
    await page.ws.send_str(json.dumps({"type": "send_text", "text": "x" * (2 * 1024 * 1024)}))
    closed = await asyncio.wait_for(page.ws.receive(), 5)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert page.ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    assert world(playground) == before
    async with aiohttp.ClientSession() as session, session.ws_connect(
            playground.url + "ws") as ws:
        again = Page(ws)
        await again.next("snapshot")
        await again.ask({"type": "send_text", "persona": ALICE, "chat": ALICE,
                         "text": "/start"})
        reply = await again.message_in(ALICE, from_bot=True)
        assert "accept the terms" in reply["text"]


async def test_page_addresses_for_unknown_personas_and_chats_are_404(playground):
    async with aiohttp.ClientSession() as session:
        async with session.get(playground.url + "chat/alice/dice-club") as found:
            assert found.status == 200
            assert "ludice playground" in await found.text()
        async with session.get(playground.url + "chat/zed/bot") as missing:
            assert missing.status == 404
            assert "no persona &#x27;zed&#x27;" in await missing.text()
        async with session.get(playground.url + "chat/alice/nowhere") as missing:
            assert missing.status == 404
            assert "Alice has no chat &#x27;nowhere&#x27;" in await missing.text()
        async with session.get(playground.url + "chat/%3Cscript%3E/bot") as escaped:
            assert "<script>" not in await escaped.text()
        async with session.get(playground.url + "static/app.js") as asset:
            assert asset.status == 200
        async with session.get(playground.url + "static/../server.py") as outside:
            assert outside.status in (403, 404)


async def test_an_added_player_joins_the_group_and_every_page_hears_of_it(playground, page):
    await page.ask({"type": "add_persona", "name": "Dmitri", "lang": "ru"})
    persona = (await page.next("persona"))["persona"]
    assert (persona["name"], persona["lang"], persona["stars"]) == ("Dmitri", "ru", 1000)
    chat = await page.next("chat")
    while chat["chat"]["id"] != GROUP_ID:
        chat = await page.next("chat")
    assert persona["id"] in chat["chat"]["members"]
    assert playground.emulator.in_chat(GROUP_ID, persona["id"])


async def test_simulated_players_play_private_and_group_duels_on_their_own(tmp_path):
    running = Playground(PlaygroundOptions(
        db_path=tmp_path / "ludice.db", settings=FAST, polling_timeout=1, drain_seconds=3,
        bots=4, bot_pace=0.02, group_pace=(10_000, 1.0)))
    await running.start()
    try:
        def settled_lobbies() -> dict[str, int]:
            conn = sqlite3.connect(running.db_path)
            try:
                return dict(conn.execute(
                    "SELECT CASE WHEN g.lobby_id IS NULL THEN 'private' ELSE 'group' END, count(*)"
                    " FROM lobbies l LEFT JOIN group_lobbies g ON g.lobby_id = l.id"
                    " WHERE l.status = 'settled' GROUP BY 1").fetchall())
            finally:
                conn.close()

        for _ in range(3000):
            played = settled_lobbies()
            if played.get("private") and played.get("group"):
                break
            await asyncio.sleep(0.01)
        assert played.get("private") and played.get("group"), played
        assert running.players.latencies
        snapshot = await running.cast.snapshot()
        assert len(snapshot["personas"]) == 3  # simulated players are not personas
        group = next(c for c in snapshot["chats"] if c["id"] == GROUP_ID)
        assert len(group["members"]) == 3
        assert all(running.emulator.in_chat(GROUP_ID, p) for p in running.players.ids)
    finally:
        await running.stop()
    conn = db.open_db(running.db_path)
    try:
        assert ledger.audit(conn) == []
    finally:
        conn.close()


async def test_the_rate_limits_switch_reaches_the_emulator_and_every_page(playground, page):
    async with aiohttp.ClientSession() as session, session.ws_connect(
            playground.url + "ws") as ws:
        other = Page(ws)
        assert (await other.next("snapshot"))["rate_limits"] is False
        await page.ask({"type": "rate_limits", "enabled": True})
        assert (await other.next("rate_limits"))["enabled"] is True
    assert playground.emulator.rate_limits is True


async def test_a_stars_top_up_and_an_admin_refund_move_the_personas_stars(tmp_path):
    running = Playground(PlaygroundOptions(
        db_path=tmp_path / "ludice.db", settings={**FAST, "stars_enabled": "on"},
        polling_timeout=1, drain_seconds=3))
    await running.start()
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(
                running.url + "ws") as ws:
            page = Page(ws)
            await page.next("snapshot")
            for text in ("/start", "/topup"):  # accept the terms, then the first pack
                await page.ask({"type": "send_text", "persona": ALICE, "chat": ALICE,
                                "text": text})
                offer = await page.message_in(ALICE, from_bot=True)
                button = offer["buttons"][0][0]
                await page.ask({"type": "press", "persona": ALICE, "chat": ALICE,
                                "message_id": offer["message_id"], "data": button["data"]})
                answer = await page.message_in(ALICE, from_bot=True)
            invoice = answer
            assert "invoice" in invoice, invoice
            stars = invoice["invoice"]["total_amount"]
            await page.ask({"type": "pay", "persona": ALICE, "chat": ALICE,
                            "message_id": invoice["message_id"]})
            paid = await page.next("persona")
            assert paid["persona"]["stars"] == 1000 - stars
            # paying the same invoice twice is refused, and nothing moves
            assert "already paid" in await page.refused(
                {"type": "pay", "persona": ALICE, "chat": ALICE,
                 "message_id": invoice["message_id"]})
            charge_id = next(iter(running.emulator.bank.charges))
            for _ in range(500):
                if running.cast.accounts.get(ALICE, {}).get("credits") == 100 + stars * 10:
                    break
                await asyncio.sleep(0.01)
            refund = await asyncio.to_thread(subprocess.run, [
                sys.executable, "-m", "ludice", "payment", "refund", charge_id, "--reason",
                "playground test", "--db", str(running.db_path), "--token", TOKEN,
                "--api-url", running.api_url], capture_output=True, text=True, timeout=60)
            assert refund.returncode == 0, refund.stderr
            back = await page.next("persona")
            assert back["persona"]["stars"] == 1000
    finally:
        await running.stop()


async def test_a_persona_throws_dice_and_forwards_what_is_not_protected(playground, page):
    await settled(playground)
    await page.ask({"type": "dice", "persona": ALICE, "chat": GROUP_ID, "emoji": "🎯"})
    thrown = await page.message_in(GROUP_ID, from_bot=False)
    assert thrown["dice"]["emoji"] == "🎯" and 1 <= thrown["dice"]["value"] <= 6
    await page.ask({"type": "forward", "persona": ALICE, "from_chat": GROUP_ID,
                    "message_id": thrown["message_id"], "to_chat": ALICE})
    forwarded = await page.message_in(ALICE, from_bot=False)
    assert forwarded["dice"] == thrown["dice"] and forwarded["forward_from"] == "Alice"
    await page.ask({"type": "forward", "persona": BORIS, "from_chat": GROUP_ID,
                    "message_id": thrown["message_id"], "to_chat": ALICE})
    assert "not one of this person's chats" in (await page.next("error"))["message"]
    sent = await playground.emulator.call("sendDice", {"chat_id": GROUP_ID,
                                                       "protect_content": True})
    protected = sent["result"]  # a die as the bot rolls it: protected from forwarding
    assert "restricted" in await page.refused(
        {"type": "forward", "persona": ALICE, "from_chat": GROUP_ID,
         "message_id": protected["message_id"], "to_chat": ALICE})
