"""The admin CLI on group play, while the bot runs: `ludice group list/show`, and `ludice lobby
list/cancel` on group lobbies (a cancel reaches the group and the players via the outbox)."""

from __future__ import annotations

import asyncio
import json

import pytest
from botharness import (
    GROUP,
    Gate,
    accept_terms,
    card_of,
    group_say,
    open_group,
    running_bot,
    settle,
)
from typer.testing import CliRunner

from ludice import cli
from ludice.errors import LudiceError

runner = CliRunner()


def ludice(*args: str) -> str:
    result = runner.invoke(cli.app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


async def _duel(bot, creator: int, joiner: int | None, text: str, lobby_id: int) -> None:
    fake = bot.fake
    group_say(fake, creator, text)
    await fake.wait_for(lambda: card_of(fake, lobby_id))
    if joiner is not None:
        fake.press(joiner, f"gj:{lobby_id}", message_id=card_of(fake, lobby_id)[0],
                   chat_id=GROUP)


async def test_group_commands_and_group_lobbies_in_the_cli(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake, db = bot.fake, str(bot.db_path)
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob"), (3, "Carol")):
            await accept_terms(fake, user_id, name)
        fake.script_dice(1, 6)
        await _duel(bot, 1, 2, "/duel 40", 1)
        await fake.wait_text(GROUP, "<b>Bob</b> wins")
        await _duel(bot, 3, None, "/duel 30 🎯", 2)
        await settle(bot)

        listed = ludice("group", "list", "--db", db)
        row = next(line for line in listed.splitlines() if "Dice Club" in line)
        assert str(GROUP) in row and "yes" in row
        data = json.loads(ludice("group", "list", "--db", db, "--json"))
        assert data[0] | {"updated": None} == {
            "chat_id": GROUP, "title": "Dice Club", "games":
            "dice,darts,bowling,basketball,football", "seats": 2, "in_play": 1, "settled": 1,
            "bot_in_group": True, "play": True, "mode": "bot rolls", "updated": None}

        shown = json.loads(ludice("group", "show", str(GROUP), "--db", db, "--json"))
        assert shown["play"] is True and shown["bets"] == "10-10000" and shown["seats"] == 2
        assert [(lb["id"], lb["game"], lb["players"]) for lb in shown["lobbies_in_play"]] == [
            (2, "darts", 1)]
        assert shown["top_by_net"] == [{"player": "Bob", "net": 40},
                                       {"player": "Alice", "net": -40}]
        human = ludice("group", "show", "dice club", "--db", db)  # a piece of the title
        assert "lobbies in play:" in human and "Bob" in human
        with pytest.raises(LudiceError, match="no group with chat id -42"):
            runner.invoke(cli.app, ["group", "show", "-42", "--db", db],
                          catch_exceptions=False)

        lobbies = ludice("lobby", "list", "--db", db)
        assert f"Dice Club ({GROUP})" in lobbies
        out = ludice("lobby", "cancel", "2", "--reason", "maintenance", "--db", db)
        assert "cancelled lobby 2 in group Dice Club" in out
        bot.app.mailer.kick()  # as the mailer's next poll would
        told = await fake.wait_text(3, "was cancelled by an admin (maintenance)")
        assert "Dice Club" in told and "Balance: 100" in told
        await fake.wait_for(lambda: "Cancelled by an admin (maintenance)"
                            in card_of(fake, 2)[1]["text"])
        await settle(bot)
        assert bot.balance(3) == 100


async def test_cancelling_a_group_duel_in_play_tells_the_group(tmp_path):
    async with running_bot(tmp_path) as bot:
        fake, db = bot.fake, str(bot.db_path)
        await open_group(bot)
        for user_id, name in ((1, "Alice"), (2, "Bob")):
            await accept_terms(fake, user_id, name)
        gate = Gate(fake, "sendDice", skip=1)  # Alice's die lands, Bob's hangs in Telegram
        await _duel(bot, 1, 2, "/duel 40", 1)
        await asyncio.wait_for(gate.reached.wait(), 5)
        out = ludice("lobby", "cancel", "1", "--reason", "stuck", "--db", db)
        assert "cancelled lobby 1 in group Dice Club" in out
        gate.release()
        bot.app.mailer.kick()
        note = await fake.wait_text(GROUP, "Challenge #1 was cancelled by an admin (stuck)")
        assert "every stake was refunded" in note
        await settle(bot)
        assert bot.balance(1) == 100 and bot.balance(2) == 100 and bot.balance(-2) == 0
        assert not any("wins" in t for t in fake.texts(GROUP))
