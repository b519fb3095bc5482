"""The page's side of the playground app: the page itself, its assets, and one WebSocket per
open page. Every message from a page is checked here (shape and types) and by the cast
(that the persona, chat, message and button exist); anything wrong is answered to that page
alone as {"type": "error", "message": ...} and changes nothing."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from html import escape
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from ludice.playground.cast import Cast, PageError
from ludice.playground.emulator import ActionError

log = logging.getLogger("ludice.playground")
MAX_FRAME = 64 * 1024  # a page's message is a few hundred bytes; more is refused
MAX_CLOSE_FRAME = 1024 * 1024  # beyond this aiohttp closes the socket (1009, too big)
STATIC = resources.files("ludice.playground") / "static"
Sender = Callable[[dict[str, Any]], Awaitable[None]]


def _int(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PageError(f"{key!r} must be a whole number, not {json.dumps(value)[:40]}")
    return value


def _str(payload: dict[str, Any], key: str, limit: int = 4096) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise PageError(f"{key!r} must be a string, not {json.dumps(value)[:40]}")
    if len(value) > limit:
        raise PageError(f"{key!r} is too long ({len(value)} characters; at most {limit})")
    return value


async def perform(cast: Cast, payload: Any) -> None:
    """Run one action a page asked for; PageError says what was wrong with it."""
    if not isinstance(payload, dict):
        raise PageError("a message must be a JSON object with a \"type\"")
    kind = payload.get("type")
    if kind == "send_text":
        await cast.say(_int(payload, "persona"), _int(payload, "chat"), _str(payload, "text"))
    elif kind == "press":
        await cast.press(_int(payload, "persona"), _int(payload, "chat"),
                         _int(payload, "message_id"), _str(payload, "data", 64))
    elif kind == "dice":
        await cast.throw(_int(payload, "persona"), _int(payload, "chat"),
                         _str(payload, "emoji", 8))
    elif kind == "forward":
        await cast.forward(_int(payload, "persona"), _int(payload, "from_chat"),
                           _int(payload, "message_id"), _int(payload, "to_chat"))
    elif kind == "pay":
        await cast.pay(_int(payload, "persona"), _int(payload, "chat"),
                       _int(payload, "message_id"))
    elif kind == "deep_link":
        await cast.deep_link(_int(payload, "persona"), _str(payload, "url", 512))
    elif kind == "rate_limits":
        enabled = payload.get("enabled")
        if not isinstance(enabled, bool):
            raise PageError("'enabled' must be true or false")
        cast.emulator.rate_limits = enabled
    elif kind == "add_persona":
        await cast.add_persona(_str(payload, "name", 64), _str(payload, "lang", 8))
    else:
        raise PageError(f"unknown message type {json.dumps(kind)[:40]}")


class Pages:
    """The open pages (WebSockets) and what they are sent."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.sockets: set[web.WebSocketResponse] = set()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get("/", self.index), web.get("/chat/{persona}/{chat}", self.chat_page),
                web.get("/ws", self.socket), web.static("/static", str(STATIC))]

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(str(STATIC / "index.html"),
                                headers={"Cache-Control": "no-store"})

    async def chat_page(self, request: web.Request) -> web.StreamResponse:
        """/chat/alice/bot, /chat/boris/dice-club: the page, opened on that chat."""
        try:
            self.cast.resolve_path(request.match_info["persona"], request.match_info["chat"])
        except PageError as exc:
            body = (f"<!doctype html><meta charset=utf-8><title>Not found</title>"
                    f"<p>{escape(str(exc))}</p><p><a href=\"/\">Back to the playground</a></p>")
            return web.Response(status=404, text=body, content_type="text/html")
        return await self.index(request)

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_CLOSE_FRAME, heartbeat=30)
        await ws.prepare(request)
        self.sockets.add(ws)
        try:
            await ws.send_json(await self.cast.snapshot())
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._receive(ws, frame.data)
                elif frame.type == WSMsgType.BINARY:
                    await self._error(ws, "send JSON text frames, not binary ones")
        finally:
            self.sockets.discard(ws)
        return ws

    async def _receive(self, ws: web.WebSocketResponse, data: str) -> None:
        if len(data) > MAX_FRAME:
            await self._error(ws, f"message too large ({len(data)} bytes; at most {MAX_FRAME})")
            return
        try:
            payload = json.loads(data)
        except ValueError:
            await self._error(ws, "not JSON: send one JSON object per message")
            return
        try:
            await perform(self.cast, payload)
        except (PageError, ActionError) as exc:
            await self._error(ws, str(exc))
        except Exception:  # a bug must not take the page's socket down with it
            log.exception("page action failed: %.200s", data)
            await self._error(ws, "that failed inside the playground (see its log)")

    async def _error(self, ws: web.WebSocketResponse, message: str) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_json({"type": "error", "message": message})

    async def broadcast(self, events: list[dict[str, Any]]) -> None:
        for ws in list(self.sockets):
            for event in events:
                try:
                    await ws.send_json(event)
                except (ConnectionError, RuntimeError):
                    self.sockets.discard(ws)
                    break

    async def close(self) -> None:
        for ws in list(self.sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"playground stopped")
        self.sockets.clear()
