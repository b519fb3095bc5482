"""Read-only connections on threads of their own. In WAL mode readers and the one writer work
at once, each reader on the snapshot it started with, so a read here neither waits behind the
writer's units of work nor holds them up, and the writer's thread runs only units of work
(measured at 1M transfers: one private /top on the writer's thread held every other
player's reply for ~1 s)."""

from __future__ import annotations

import asyncio
import functools
import queue
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Readers:
    """`size` connections served by `size` threads: a read takes an idle connection, runs on
    it whole and gives it back, so at most `size` reads run at once and the rest queue here,
    never on the writer."""

    def __init__(self, open_conn: Callable[[], sqlite3.Connection], size: int, name: str
                 ) -> None:
        self._conns = [open_conn() for _ in range(size)]
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        for conn in self._conns:
            self._idle.put(conn)
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"ludice-{name}")

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict[str, Any]) -> T:
        conn = self._idle.get_nowait()  # never empty: one connection per thread
        try:
            return fn(conn, *args, **kwargs)
        finally:
            if conn.in_transaction:  # a snapshot left open would pin an old moment
                conn.execute("ROLLBACK")
            self._idle.put(conn)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        call = functools.partial(self._run, fn, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        for conn in self._conns:
            conn.close()
