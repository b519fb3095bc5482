"""Read-only connections on threads of their own. In WAL mode readers and the one writer work
at once, each reader on the snapshot it started with, so a read here neither waits behind the
writer's units of work nor holds them up, and the writer's thread runs only units of work
(measured at 1M transfers: one private /top on the writer's thread held every other
player's reply for ~1 s)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Job = tuple[Callable[..., Any], tuple, dict[str, Any], asyncio.Future, asyncio.AbstractEventLoop]


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.cancelled():  # the caller stopped waiting; the read ran anyway
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class Readers:
    """`size` threads, each with its own read-only connection, taking reads from one queue:
    at most `size` reads run at once and the rest wait here, never on the writer. (A plain
    queue and one loop wake-up per read: half the hop of an executor's future chaining.)"""

    def __init__(self, open_conn: Callable[[], sqlite3.Connection], size: int, name: str
                 ) -> None:
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, args=(open_conn(),),
                                          name=f"ludice-{name}-{i}", daemon=True)
                         for i in range(size)]
        for thread in self._threads:
            thread.start()

    def _serve(self, conn: sqlite3.Connection) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                fn, args, kwargs, future, loop = job
                try:
                    ok, value = True, fn(conn, *args, **kwargs)
                except BaseException as exc:
                    ok, value = False, exc
                finally:
                    if conn.in_transaction:  # a snapshot left open would pin an old moment
                        conn.execute("ROLLBACK")
                # RuntimeError: the loop closed while this read ran, and nobody waits for it
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, future, ok, value)
        finally:
            conn.close()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((fn, args, kwargs, future, loop))
        return await future

    def close(self) -> None:
        """Let the reads already asked for finish, then close the connections."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
