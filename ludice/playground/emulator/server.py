"""The Emulator: the Bot API over HTTP at `/bot<token>/<method>`, served standalone on
127.0.0.1 or mounted into another aiohttp app, with every call recorded and broadcast."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ludice.playground.emulator import chats, invoices, messages
from ludice.playground.emulator.limits import RateLimits
from ludice.playground.emulator.people import People
from ludice.playground.emulator.wire import ApiError, Call, as_int, decode, error_for, from_json

Handler = Callable[..., Any]


def _get_updates(em: Emulator, p: dict[str, Any]) -> Any:
    offset = as_int(p.get("offset")) or 0
    limit = max(1, min(as_int(p.get("limit")) or 100, 100))
    timeout = max(0.0, min(float(as_int(p.get("timeout")) or 0), 50.0))
    allowed = p.get("allowed_updates")
    if allowed is not None and not (isinstance(allowed, list)
                                    and all(isinstance(kind, str) for kind in allowed)):
        raise ApiError("Bad Request: can't parse allowed updates JSON object")
    return em.updates.fetch(offset, limit, timeout, allowed)


METHODS: dict[str, Handler] = {
    **messages.METHODS, **chats.METHODS, **invoices.METHODS,
    "getupdates": _get_updates,
    "answercallbackquery": lambda em, p: em.answer_callback_query(p),
}


class Emulator(People):
    """A Telegram Bot API server for one bot, and the Telegram world around it."""

    def __init__(self, *, token: str = "123456:TEST", bot_username: str = "ludice_test_bot",
                 bot_name: str = "Ludice Test", rate_limits: bool = False,
                 initial_stars: int = 1000, keep: int | None = None) -> None:
        """`keep`: remember only the latest `keep` calls, pushed updates and messages per
        chat (older messages are forgotten, as if scrolled away: the bot can no longer edit
        them); None keeps everything, which tests want and a long playground run cannot."""
        super().__init__(token, bot_username, bot_name, initial_stars)
        self.keep = self.keep_messages = self.updates.keep = keep
        self.calls: list[Call] = []
        self.limits = RateLimits(enabled=rate_limits)
        self.commands: dict[tuple[str, str], Any] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.base_url = ""
        self._failures: dict[str, list[ApiError]] = {}
        self._overrides: dict[str, Any] = {}
        self._runner: web.AppRunner | None = None

    # --- serving ---------------------------------------------------------------------------

    def mount(self, app: web.Application) -> None:
        """Serve the Bot API from `app` (set `base_url` to that app's address)."""
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.on_shutdown.append(self._release)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve standalone (port 0: a free one); returns and sets `base_url`."""
        app = web.Application()
        self.mount(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.base_url = f"http://{host}:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        await self._release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _release(self, app: web.Application | None = None) -> None:
        self.updates.close()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {key: decode(key, value) for key, value in request.query.items()}
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None  # Telegram too reads a body it cannot parse as no parameters
            if isinstance(body, dict):
                params.update((key, from_json(key, value)) for key, value in body.items())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                params[key] = (decode(key, value) if isinstance(value, str)
                               else f"<file {value.filename}>")
        answer = await self.call(method, params, token=request.match_info["token"])
        return web.json_response(answer, status=200 if answer["ok"] else answer["error_code"])

    async def call(self, method: str, params: dict[str, Any], *, token: str | None = None
                   ) -> dict[str, Any]:
        """Answer one Bot API call (what HTTP requests come to); the JSON body returned."""
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if self.keep is not None and len(self.calls) > 2 * self.keep:
            del self.calls[:-self.keep]  # trimmed now and then, not on every call
        key = method.lower()
        try:
            if token is not None and token != self.token:
                raise ApiError("Unauthorized", 401)
            if self._failures.get(key):
                raise self._failures[key].pop(0)
            handler = self.handler(method)
            if handler is None:
                raise ApiError("Not Found", 404)
            result = handler(params) if callable(handler) else handler
            if asyncio.iscoroutine(result):
                result = await result
            answer: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as error:
            answer = error.body()
            call.answered_error, call.description = True, error.description
        self.emit("call", method=method, params=params, ok=answer["ok"],
                  error=call.description)
        return answer

    # --- scripting -------------------------------------------------------------------------

    def handler(self, method: str) -> Any:
        """What answers `method` now: a set_response override, else the emulator's own
        handler (a callable taking the parameters), else None."""
        key = method.lower()
        if key in self._overrides:
            return self._overrides[key]
        own = METHODS.get(key)
        return None if own is None else (lambda p, own=own: own(self, p))

    def set_response(self, method: str, result: Any) -> None:
        """Answer `method` with `result` from now on: a value, or a callable taking the
        parameters (it may raise ApiError, or call what `handler` returned before)."""
        self._overrides[method.lower()] = result

    def fail_next(self, method: str, *, error_code: int = 429, retry_after: int = 1,
                  description: str | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` fail (by default 429 with retry_after)."""
        error = error_for(error_code, description, retry_after)
        self._failures.setdefault(method.lower(), []).extend([error] * times)

    @property
    def rate_limits(self) -> bool:
        return self.limits.enabled

    @rate_limits.setter
    def rate_limits(self, on: bool) -> None:
        self.limits.enabled = on
        self.emit("rate_limits", enabled=on)

    # --- inspection ------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        """Successful calls, optionally only of `method` and/or into `chat_id`."""
        return [c for c in self.calls
                if not c.answered_error
                and (method is None or c.method.lower() == method.lower())
                and (chat_id is None or as_int(c.params.get("chat_id")) == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        """Texts and captions the bot successfully sent into `chat_id` (as sent, markup
        included)."""
        out = []
        for c in self.sent(chat_id):
            value = c.params.get("text", c.params.get("caption"))
            if isinstance(value, str):
                out.append(value)
        return out
