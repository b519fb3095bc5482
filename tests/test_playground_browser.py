"""The playground page in a real browser (the system's Chromium through Playwright): people
play ludice by typing and pressing buttons, as a newcomer would, and see what Telegram would
show them. The playground runs in-process with a temporary database."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS

from ludice.playground.server import Playground, PlaygroundOptions

SCREENSHOT = Path(__file__).parent / "screenshots" / "playground.png"
FAST = {"reveal_delay_seconds": "0.3", "throttle_seconds": "0"}
ROLLED = re.compile(r"^🎲 \d$")  # a die's label once its value shows
WAIT = 15_000  # ms: a die's animation is 2.5 s; the machine may be busy


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def start(tmp_path: Path, **settings: str) -> Playground:
    playground = Playground(PlaygroundOptions(
        db_path=tmp_path / "ludice.db", settings={**FAST, **settings}, polling_timeout=1,
        drain_seconds=3))
    await playground.start()
    return playground


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    running = await start(tmp_path)
    yield running
    await running.stop()


async def open_page(browser, playground: Playground):
    from playwright.async_api import expect

    page = await browser.new_page(viewport={"width": 1400, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    await page.goto(playground.url)
    await expect(page.locator("#app")).not_to_have_attribute("aria-busy", "true")
    await expect(page.locator("#connection")).to_have_text("live")
    return page


async def act_as(page, name: str) -> None:
    await page.get_by_role("navigation").get_by_role("button", name=name, exact=False).first.click()


async def open_chat(page, title: str) -> None:
    await page.locator("#chats").get_by_role("button", name=title).click()


async def say(page, text: str) -> None:
    await page.get_by_role("textbox", name="Message").fill(text)
    await page.get_by_role("button", name="Send", exact=True).click()


def history(page):
    return page.get_by_role("log", name="Chat history")


async def press(page, name: str) -> None:
    await history(page).get_by_role("button", name=name, exact=True).last.click()


async def accept_terms(page, persona: str, accept: str) -> None:
    from playwright.async_api import expect

    await act_as(page, persona)
    await open_chat(page, "ludice")
    await say(page, "/start")
    await press(page, accept)
    await expect(page.locator("#reply-keyboard")).to_be_visible()


async def test_two_personas_play_a_dice_duel_by_typing_and_by_buttons(browser, playground):
    from playwright.async_api import expect

    page = await open_page(browser, playground)
    await accept_terms(page, "Alice", "✅ I accept")
    await expect(page.locator("#credits")).to_have_text("100")
    await accept_terms(page, "Boris", "✅ Принимаю")

    # typed: Boris opens a lobby, Alice takes it
    await say(page, "/dice 20")
    await expect(history(page)).to_contain_text("#1")
    await act_as(page, "Alice")
    playground.emulator.script_dice(3, 5, 2, 6)  # no ties: one die each per duel
    await say(page, "/dice 20")
    # first the animation, its value not shown yet; then the value
    rolling = history(page).get_by_role("img", name="🎲 rolling").first
    await expect(rolling).to_be_visible()
    assert await rolling.locator(".dice-result").count() == 0
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(2, timeout=WAIT)
    await expect(history(page)).to_contain_text("Balance", timeout=WAIT)
    await act_as(page, "Boris")
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(2, timeout=WAIT)
    await expect(history(page)).to_contain_text("Баланс", timeout=WAIT)

    # buttons: the reply keyboard, the game, the bet
    await page.locator("#reply-keyboard").get_by_role("button", name="🎲 Играть").click()
    await press(page, "🎲 Кубики")
    await press(page, "50")
    await act_as(page, "Alice")
    await page.locator("#reply-keyboard").get_by_role("button", name="🎲 Play").click()
    await press(page, "🎲 Dice")
    await press(page, "50")
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(4, timeout=WAIT)
    await expect(history(page).get_by_text("Balance").nth(2)).to_be_visible(timeout=WAIT)
    credits = int(await page.locator("#credits").text_content())
    await act_as(page, "Boris")
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(4, timeout=WAIT)
    boris = await page.locator("#credits").text_content()
    assert credits + int(boris) == 200  # two players, 100 each, no fee: nothing lost
    await expect(page.locator("#calls")).to_contain_text("sendDice")
    assert page.errors == []


async def test_a_group_challenge_from_card_to_result(browser, playground):
    from playwright.async_api import expect

    page = await open_page(browser, playground)
    await accept_terms(page, "Alice", "✅ I accept")
    await accept_terms(page, "Carol", "✅ I accept")
    await open_chat(page, "Dice Club")
    await expect(history(page)).to_contain_text("Play is on")
    await say(page, "/duel 30")
    found = history(page).locator(".row", has_text="challenge #1")
    await expect(found).to_contain_text("Carol is looking for opponents")
    card_id = await found.get_attribute("data-message-id")
    card = history(page).locator(f'.row[data-message-id="{card_id}"]')
    await act_as(page, "Alice")
    await open_chat(page, "Dice Club")
    playground.emulator.script_dice(4, 1)
    await card.get_by_role("button", name="✅ Join").click()
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(2, timeout=WAIT)
    await expect(history(page)).to_contain_text("Challenge #1:", timeout=WAIT)
    await expect(history(page)).to_contain_text("wins", timeout=WAIT)
    await expect(card).not_to_contain_text("Seats left")
    await expect(history(page).get_by_role("button", name="🔁 Rematch")).to_be_visible()
    assert page.errors == []


async def test_a_newcomer_follows_the_groups_deep_link_and_joins(browser, playground):
    from playwright.async_api import expect

    page = await open_page(browser, playground)
    await accept_terms(page, "Alice", "✅ I accept")
    await open_chat(page, "Dice Club")
    await say(page, "/duel 10")
    await act_as(page, "Carol")  # never started the bot
    await open_chat(page, "Dice Club")
    await history(page).get_by_role("button", name="✅ Join").last.click()
    # the bot answers the button with a t.me link: Carol's client opens the private chat
    # and sends /start with the link's payload
    await expect(page.locator("#chat-title")).to_have_text("ludice")
    await expect(history(page)).to_contain_text("/start g1")
    await press(page, "✅ I accept")
    playground.emulator.script_dice(5, 2)
    await history(page).get_by_role("button", name=re.compile("#1")).last.click()
    await open_chat(page, "Dice Club")
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(2, timeout=WAIT)
    await expect(history(page)).to_contain_text("Challenge #1:", timeout=WAIT)
    assert page.errors == []


async def test_a_stars_top_up(browser, tmp_path):
    from playwright.async_api import expect

    playground = await start(tmp_path, stars_enabled="on")
    try:
        page = await open_page(browser, playground)
        await accept_terms(page, "Alice", "✅ I accept")
        await expect(page.locator("#stars")).to_have_text("1000 ⭐")
        await page.locator("#reply-keyboard").get_by_role("button", name="🔝 Top up").click()
        await press(page, "⭐ 15 → 150")
        await history(page).get_by_role("button", name="Pay 15 ⭐").click()
        await expect(history(page)).to_contain_text("Payment received", timeout=WAIT)
        await expect(page.locator("#stars")).to_have_text("985 ⭐")
        await expect(page.locator("#credits")).to_have_text("250")
        await expect(page.locator("#ledger")).to_contain_text("+150")
        assert page.errors == []
    finally:
        await playground.stop()


async def test_an_html_injection_name_is_shown_as_text(browser, playground):
    from playwright.async_api import expect

    page = await open_page(browser, playground)
    await page.get_by_role("button", name="Add player").click()
    await page.get_by_role("textbox", name="Name").fill("<script>alert(1)</script><b>x")
    await page.get_by_role("button", name="Add", exact=True).click()
    await accept_terms(page, "<script>", "✅ I accept")
    await accept_terms(page, "Alice", "✅ I accept")
    await open_chat(page, "Dice Club")
    await say(page, "/duel 10")
    await act_as(page, "<script>")
    await open_chat(page, "Dice Club")
    playground.emulator.script_dice(6, 2)
    await history(page).get_by_role("button", name="✅ Join").last.click()
    await expect(history(page)).to_contain_text("<script>alert(1)</script><b>x", timeout=WAIT)
    assert await page.locator(".messages script").count() == 0
    assert await history(page).locator("b", has_text=re.compile(r"^x$")).count() == 0
    assert page.errors == []


async def test_screenshot_of_the_page(browser, playground, tmp_path):
    """The picture in README: a private duel seen by Alice, with her ledger and the calls.
    Taken into a temp folder, so a test run leaves the tree clean; LUDICE_UPDATE_SCREENSHOT=1
    replaces README's picture."""
    from playwright.async_api import expect

    page = await open_page(browser, playground)
    await accept_terms(page, "Boris", "✅ Принимаю")
    await say(page, "/dice 30")
    await accept_terms(page, "Alice", "✅ I accept")
    playground.emulator.script_dice(4, 6)  # Boris 4, Alice 6
    await say(page, "/dice 30")
    await expect(history(page).get_by_role("img", name=ROLLED)).to_have_count(2, timeout=WAIT)
    await expect(history(page)).to_contain_text("Balance", timeout=WAIT)
    await expect(page.locator("#ledger")).to_contain_text("stake")
    shot = SCREENSHOT if os.environ.get("LUDICE_UPDATE_SCREENSHOT") == "1" else tmp_path / "p.png"
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert page.errors == []
