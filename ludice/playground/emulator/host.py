"""What the Bot API method modules (messages, chats, invoices) use of the emulator they
answer for. They name this rather than the Emulator, which imports them to build its method
table: so they need not import it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ludice.playground.emulator.bank import StarBank
from ludice.playground.emulator.limits import RateLimits


class Host(Protocol):
    bank: StarBank
    blocked: set[int]
    bot_user: dict[str, Any]
    clock: Callable[[], float]
    commands: dict[tuple[str, str], Any]
    descriptions: dict[tuple[str, str], str]
    groups: dict[int, dict[str, Any]]
    initial_stars: int
    limits: RateLimits
    messages: dict[tuple[int, int], dict[str, Any]]
    privacy_mode: bool
    started: set[int]
    users: dict[int, dict[str, Any]]

    def emit(self, kind: str, **fields: Any) -> None: ...

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    def user_message(self, user_id: int, chat_id: int | None, chat_type: str = "private",
                     **content: Any) -> dict[str, Any]: ...

    def bot_status(self, chat_id: int, new: str, *, by: int, old: str | None = None
                   ) -> dict[str, Any]: ...

    def user_json(self, user_id: int) -> dict[str, Any]: ...

    def chat(self, chat_id: int) -> dict[str, Any]: ...

    def status(self, chat_id: int, user_id: int) -> str | None: ...

    def member_json(self, chat_id: int, user_id: int) -> dict[str, Any]: ...

    def visible(self, user_id: int, chat_id: int) -> None: ...

    def stars(self, user_id: int) -> int: ...

    def roll(self, emoji: str) -> int: ...

    def store(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]: ...

    def replace(self, new: dict[str, Any]) -> dict[str, Any]: ...

    def remove(self, chat_id: int, message_id: int) -> None: ...

    def reply_target(self, chat_id: int, message_id: int) -> dict[str, Any] | None: ...
