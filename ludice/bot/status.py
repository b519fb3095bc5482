"""/status for the admins named in LUDICE_ADMINS: the same report as `ludice status`. Anyone
else gets the ordinary answer to an unknown command (the fallback router), so the command
gives nothing away. Also the middleware that counts handled updates for the heartbeat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from ludice import status
from ludice.bot.texts import t
from ludice.config import Config
from ludice.db import Store


async def count_update(handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
    assert isinstance(event, Update)
    data["vitals"].update(event.update_id)
    return await handler(event, data)


async def is_admin(event: Message | CallbackQuery, config: Config) -> bool:
    """The sender is in --admins / LUDICE_ADMINS (read at start). Checked on every admin
    message and button: a button's data says nothing about who may press it."""
    return event.from_user is not None and event.from_user.id in config.admins


def duration(lang: str, seconds: int | None) -> str:
    if seconds is None:
        return t(lang, "status_none")
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(t(lang, f"status_{unit}", n=seconds // size))
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts) if parts else t(lang, "status_s", n=seconds)


def render(lang: str, figures: dict[str, Any]) -> str:
    def ago(seconds: int | None) -> str:
        if seconds is None:
            return t(lang, "status_never")
        return t(lang, "status_ago", age=duration(lang, seconds))

    now = figures["now"]
    update_at = figures["last_update_at"]
    last_update = (t(lang, "status_never") if update_at is None else
                   t(lang, "status_update", id=figures["last_update_id"],
                     age=duration(lang, max(0, now - update_at))))
    audit_age = None if figures["audit_at"] is None else max(0, now - figures["audit_at"])
    if figures["audit_problems"] is None:
        audit = t(lang, "status_never")
    elif figures["audit_problems"]:
        audit = t(lang, "status_audit_bad", count=figures["audit_problems"],
                  age=duration(lang, audit_age), first=escape(figures["audit_first_problem"]))
    else:
        audit = t(lang, "status_audit_ok", age=duration(lang, audit_age))
    backup = (t(lang, "status_backup_failed", error=escape(figures["backup_error"]))
              if figures["backup_error"] else ago(figures["last_backup_age_seconds"]))
    head = (t(lang, "status_ok") if figures["ok"] else t(
        lang, "status_problems", problems="\n".join(f"• {escape(p)}"
                                                    for p in figures["problems"])))
    body = t(lang, "status_body", pid=figures["pid"], version=escape(figures["version"] or ""),
             uptime=duration(lang, figures["uptime_seconds"]),
             api=escape(figures["api_server"]), last_update=last_update,
             updates=figures["updates_last_hour"], errors=figures["errors_last_hour"],
             outbox=figures["outbox_waiting"],
             outbox_age=duration(lang, figures["outbox_oldest_age_seconds"]),
             refunds=figures["refunds_pending"], open=figures["lobbies_open"],
             rolling=figures["lobbies_rolling"], backup=backup, audit=audit)
    return f"{head}\n\n{body}"


def _report(conn: Any, db_path: Any, now: int) -> dict[str, Any]:
    return {**status.report(conn, db_path, now), "now": now}


async def cmd_status(message: Message, lang: str, store: Store, config: Config,
                     vitals: status.Vitals, clock: Callable[[], float]) -> None:
    now = int(clock())
    # A beat first: the report then shows this very moment rather than the last beat.
    await store.write(status.beat, vitals, now)
    figures = await store.report(_report, config.db_path, now)
    await message.answer(render(lang, figures))


def make_router() -> Router:
    router = Router(name="status")
    router.message.register(cmd_status, Command("status"), F.chat.type == "private", is_admin)
    return router
