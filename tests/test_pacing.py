"""The pacing window on its own: a call takes a slot at once while nobody waits and the window
has room, and never overtakes a call already queued for it (first come, first served)."""

from __future__ import annotations

import asyncio

from ludice.bot.transport.pacing import Window


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_room_is_taken_at_once_and_a_full_window_queues_in_order():
    clock = Clock()
    window = Window(2, 1.0, clock)
    assert await window.acquire(1) == 1
    assert await window.acquire(1) == 1
    window.release(1)
    window.release(1)  # two answered at 0.0: the window is full until 1.0
    first = asyncio.create_task(window.acquire(1))
    await asyncio.sleep(0)
    assert not first.done()
    clock.now = 5.0  # both aged out: there is room again, but `first` asked before
    second = asyncio.create_task(window.acquire(1))
    third = asyncio.create_task(window.acquire(1))
    await asyncio.sleep(0)
    window._freed.set()  # what an answer does: the queued call looks again
    await asyncio.wait_for(first, 1)
    await asyncio.wait_for(second, 1)
    assert not third.done()  # 1 + 1 in flight: full
    clock.now = 7.0
    window.release(1)  # answered at 7.0: it counts in the window until 8.0
    await asyncio.sleep(0)
    assert not third.done()
    clock.now = 8.5
    window._freed.set()
    assert await asyncio.wait_for(third, 1) == 1
    assert window.in_flight == 2 and not window.sent


async def test_a_call_carrying_more_than_the_window_holds_takes_the_whole_window():
    window = Window(3, 1.0, Clock())
    assert await window.acquire(10) == 3
    blocked = asyncio.create_task(window.acquire(1))
    await asyncio.sleep(0)
    assert not blocked.done()
    blocked.cancel()
    await asyncio.gather(blocked, return_exceptions=True)
    window.release(3)  # a cancelled wait leaves nobody queued: room is taken at once again
    assert await asyncio.wait_for(window.acquire(0), 1) == 0
