"""CPU of the event loop per Bot API call: aiogram's AiohttpSession against ludice's
JsonSession (ludice.bot.transport.session), both calling the packaged Bot API emulator
running in another process. Prints figures; asserts nothing.

    python bench/calls.py [--rounds 300] [--repeats 5]

Each round is one private duel's mix of calls (text messages, two with an inline keyboard,
two dice, a forwardMessages of two, an edit with a keyboard), awaited one after another as
the duel runner does. The two sessions take turns, `--repeats` blocks of `--rounds` rounds
each, so that a machine growing busier or quieter tilts both alike. The figure is this
process's CPU time (process_time: the emulator's CPU is not in it) per call, min / median /
max over the blocks; the ratio is of the medians."""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHAT = 5001  # a chat the emulator never heard of takes the bot's word
FORWARD_TO = 5002


async def _serve_emulator() -> None:
    from ludice.playground.emulator import Emulator

    emulator = Emulator(keep=500)
    print(await emulator.start(), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await emulator.stop()


def _bot(base_url: str, session_class: type):
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.telegram import TelegramAPIServer

    from ludice.playground.emulator import Emulator

    return Bot(Emulator().token, session=session_class(api=TelegramAPIServer.from_base(base_url)),
               default=DefaultBotProperties(parse_mode="HTML"))


async def _round(bot, keyboard, n: int) -> int:
    """One duel's calls; returns how many."""
    text = f"<b>Duel {n}</b>: 10 credits each, first to roll wins the pot of 20 credits."
    card = await bot.send_message(CHAT, text, reply_markup=keyboard)
    told = await bot.send_message(CHAT, "Your opponent is <i>Bob</i>. Rolling…")
    first = await bot.send_dice(CHAT, emoji="🎲", protect_content=True)
    second = await bot.send_dice(CHAT, emoji="🎲", protect_content=True)
    await bot.forward_messages(FORWARD_TO, CHAT, [card.message_id, told.message_id])
    await bot.send_message(CHAT, f"You rolled {first.dice.value}, Bob {second.dice.value}.")
    await bot.send_message(CHAT, "<b>You win</b> 20 credits. Balance: 1020.", reply_markup=keyboard)
    await bot.send_message(CHAT, "Play again?")
    await bot.edit_message_text(f"{text} (settled)", chat_id=CHAT,
                                message_id=card.message_id, reply_markup=keyboard)
    return 9


async def _measure(rounds: int, repeats: int, base_url: str) -> dict[str, list[float]]:
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from ludice.bot.transport.session import JsonSession

    keyboard = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="Play again (10)", callback_data="again:10"),
         InlineKeyboardButton(text="Profile", callback_data="profile")],
        [InlineKeyboardButton(text="Check the result", url="https://t.me/ludice_test_bot")]])
    bots = {"aiogram": _bot(base_url, AiohttpSession), "json": _bot(base_url, JsonSession)}
    per_call: dict[str, list[float]] = {name: [] for name in bots}
    try:
        for bot in bots.values():  # warm-up: pydantic builds its validators on first use
            for n in range(20):
                await _round(bot, keyboard, n)
        gc.collect()
        gc.freeze()
        for repeat in range(repeats):
            order = list(bots.items())
            for name, bot in order if repeat % 2 == 0 else reversed(order):
                calls, began = 0, time.process_time()
                for n in range(rounds):
                    calls += await _round(bot, keyboard, n)
                per_call[name].append(1e6 * (time.process_time() - began) / calls)
    finally:
        for bot in bots.values():
            await bot.session.close()
    return per_call


def main() -> None:
    if sys.argv[1:2] == ["--emulator"]:
        asyncio.run(_serve_emulator())
        return
    from versions import report

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    emulator = subprocess.Popen([sys.executable, __file__, "--emulator"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
    try:
        base_url = emulator.stdout.readline().strip()
        per_call = asyncio.run(_measure(args.rounds, args.repeats, base_url))
    finally:
        emulator.stdin.close()
        emulator.wait(30)
    for name, values in per_call.items():
        print(f"{name:8} µs CPU per call min/median/max: "
              + " / ".join(f"{v:.0f}" for v in (min(values), statistics.median(values),
                                                 max(values))))
    aiogram, ours = (statistics.median(per_call[n]) for n in ("aiogram", "json"))
    report({"aiogram_us_per_call": aiogram, "json_us_per_call": ours,
            "ratio": ours / aiogram})


if __name__ == "__main__":
    main()
