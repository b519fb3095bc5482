"""Group commit for the bot's one writer connection (ludice.db.Store). Units of work that
arrive while a batch is being written wait for the next batch, so under load many units
share one COMMIT and its fsync, and a caller still hears back only after its unit is durable.

Some units need not be durable at once: marking an outbox message sent (ludice.outbox) only
narrows what a crash would send a second time. Those `ride`: they join the next batch the
writer runs anyway (after the units already waiting, so they never hold a player's write
back), or, when no batch comes, go alone `ride_seconds` later. A duel's marks thus cost no
COMMIT of their own under load, and share one when the bot is quiet."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Unit = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
# Runs the units in one transaction: (ok, result or exception) per unit (ludice.db.run_batch).
RunBatch = Callable[[list[Unit]], Awaitable[list[tuple[bool, Any]]]]
_Queued = tuple[Unit, "asyncio.Future[Any]"]


class GroupCommit:
    MAX_BATCH = 256

    def __init__(self, run: RunBatch, ride_seconds: float) -> None:
        self._run = run
        self.ride_seconds = ride_seconds
        self._queue: list[_Queued] = []
        self._riders: list[_Queued] = []
        self._flusher: asyncio.Task | None = None
        self._ride_timer: asyncio.TimerHandle | None = None

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(((fn, args, kwargs), future))
        self._start()
        return await future

    def ride(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        """Queue a unit for the next batch, or for `ride_seconds` from now at the latest;
        the future settles once it committed (or failed). Nothing waits for it unless the
        caller does."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._riders.append(((fn, args, kwargs), future))
        if self._ride_timer is None:
            self._ride_timer = loop.call_later(self.ride_seconds, self._send_riders)
        return future

    def _send_riders(self) -> None:
        """Nothing else came in time (or the store closes): the riders go on their own."""
        if self._ride_timer is not None:
            self._ride_timer.cancel()
            self._ride_timer = None
        self._queue.extend(self._riders)
        self._riders.clear()
        if self._queue:
            self._start()

    def _start(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())

    def _next_batch(self) -> list[_Queued]:
        batch = self._queue[: self.MAX_BATCH]
        del self._queue[: self.MAX_BATCH]
        room = self.MAX_BATCH - len(batch)
        if room and self._riders:
            batch += self._riders[:room]
            del self._riders[:room]
            if not self._riders and self._ride_timer is not None:
                self._ride_timer.cancel()
                self._ride_timer = None
        return batch

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch = self._next_batch()
                try:
                    outcomes = await self._run([unit for unit, _ in batch])
                except BaseException as exc:  # BEGIN or COMMIT failed: none of it landed
                    outcomes = [(False, exc)] * len(batch)
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():  # the caller gave up waiting; its unit still ran
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._flusher = None

    async def close(self) -> None:
        """Write everything queued, riders included, and wait until it is written."""
        self._send_riders()
        while self._flusher is not None:
            await asyncio.shield(self._flusher)
