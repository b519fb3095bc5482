"""/limits: stake and loss limits, reality checks, time-outs and self-exclusion, and the
buttons of the reality check. The rules are ludice.limits' and ludice.windows'; nothing here
can lift a time-out or an exclusion, whatever a button says."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from ludice import games, limits, refunds, sessions, windows
from ludice.bot import keyboards
from ludice.bot import limit_keyboards as kb
from ludice.bot.private.play import MENU_BUTTONS
from ludice.bot.texts import t
from ludice.bot.transport.mailer import Mailer
from ludice.db import Store
from ludice.redelivery import write_once
from ludice.users import User
from ludice.windows import Limit

Clock = Callable[[], float]


class LimitsFlow(StatesGroup):
    amount = State()


def _value(lang: str, value: int | None) -> str:
    return t(lang, "limit_none") if value is None else str(value)


def render(lang: str, view: limits.Overview) -> str:
    lines = []
    for row in view.limits:
        shown = (_value(lang, None) if row.limit is None
                 else t(lang, "limit_used", used=row.used, limit=row.limit))
        if row.waiting is not None:
            shown = t(lang, "limit_pending", current=shown,
                      value=_value(lang, row.waiting.pending_value),
                      at=limits.stamp(row.waiting.pending_at))
        lines.append(t(lang, "limit_line", name=t(lang, f"limit_{row.item}"), value=shown))
    reminder = (t(lang, "reminder_every", minutes=view.reminder) if view.reminder
                else t(lang, "reminder_off"))
    pause = ("" if view.exclusion is None
             else t(lang, f"pause_{view.exclusion.kind}", until=view.exclusion.until))
    return t(lang, "limits_overview", lines="\n".join(lines), reminder=reminder, pause=pause)


async def _show(message: Message, user_id: int, lang: str, store: Store, clock: Clock) -> None:
    view = await store.read(limits.overview, user_id, int(clock()))
    await message.answer(render(lang, view) + "\n\n" + t(lang, "limits_usage"),
                         reply_markup=kb.menu(lang))


def _set(conn: sqlite3.Connection, user_id: int, item: str, value: int | None, now: int
         ) -> tuple[int | None, Limit]:
    before = limits.stored(conn, user_id).get(item, Limit()).in_force(now)
    return before, limits.set_limit(conn, user_id, item, value, now)


async def _apply(answer: Callable, user_id: int, item: str, value: int | None, *, lang: str,
                 store: Store, clock: Clock, update_id: int) -> None:
    now = int(clock())
    before, after = await write_once(store, update_id, now, _set, user_id, item, value, now)
    name = t(lang, f"limit_{item}")
    if after.pending_at is not None:
        await answer(t(lang, "limit_set_later", name=name, value=_value(lang, value),
                       at=limits.stamp(after.pending_at), current=_value(lang, before)))
    elif value == before:
        await answer(t(lang, "limit_set_same", name=name, value=_value(lang, value)))
    else:
        await answer(t(lang, "limit_set_now", name=name, value=_value(lang, value)))


async def cmd_limits(message: Message, command: CommandObject, player: User, lang: str,
                     store: Store, clock: Clock, state: FSMContext, update_id: int) -> None:
    await state.set_state(None)
    words = (command.args or "").split()
    if not words:
        await _show(message, player.id, lang, store, clock)
        return
    try:
        if len(words) != 3:
            raise ValueError("three words")
        item, value = windows.parse_item(words[0], words[1]), windows.parse_amount(words[2])
    except ValueError:
        await message.answer(t(lang, "limits_usage"))
        return
    await _apply(message.answer, player.id, item, value, lang=lang, store=store, clock=clock,
                 update_id=update_id)


async def menu_button(query: CallbackQuery, callback_data: kb.LimitsMenu, player: User,
                      lang: str, store: Store, clock: Clock) -> None:
    section, message = callback_data.section, query.message
    if section != "overview" and section not in kb.SECTIONS:
        await query.answer(t(lang, "limits_refused"), show_alert=True)
        return
    await query.answer()
    if section == "overview":
        await _show(message, player.id, lang, store, clock)
    elif section in windows.KINDS:
        await message.answer(t(lang, "limit_choose_window", name=t(lang, f"btn_limit_{section}")),
                             reply_markup=kb.windows_of(lang, section))
    elif section == "reminder":
        await message.answer(t(lang, "reminder_choose"), reply_markup=kb.reminders(lang))
    elif section == "timeout":
        await message.answer(t(lang, "timeout_choose"), reply_markup=kb.timeouts(lang))
    elif section == "exclusion":
        await message.answer(t(lang, "exclusion_choose"), reply_markup=kb.exclusions(lang))


async def window_button(query: CallbackQuery, callback_data: kb.LimitWindow, player: User,
                        lang: str, store: Store, clock: Clock, state: FSMContext) -> None:
    item = callback_data.item
    if item not in windows.ITEMS:
        await query.answer(t(lang, "limits_refused"), show_alert=True)
        return
    await query.answer()
    current = (await store.read(limits.stored, player.id)).get(item, Limit())
    await state.set_state(LimitsFlow.amount)
    await state.update_data(limit_item=item)
    await query.message.answer(t(lang, "limit_ask_amount", name=t(lang, f"limit_{item}"),
                                 current=_value(lang, current.in_force(int(clock())))))


async def typed_amount(message: Message, player: User, lang: str, store: Store, clock: Clock,
                       state: FSMContext, update_id: int) -> None:
    item = (await state.get_data()).get("limit_item")
    try:
        value = windows.parse_amount(message.text)
    except ValueError:
        await message.answer(t(lang, "limit_bad_amount"))
        return
    await state.set_state(None)
    if item not in windows.ITEMS:  # the bot restarted since the question: ask again
        await message.answer(t(lang, "limits_refused"))
        return
    await _apply(message.answer, player.id, item, value, lang=lang, store=store, clock=clock,
                 update_id=update_id)


async def reminder_button(query: CallbackQuery, callback_data: kb.SetReminder, player: User,
                          lang: str, store: Store, clock: Clock, update_id: int) -> None:
    minutes = callback_data.minutes
    if minutes and minutes not in windows.REMINDER_MINUTES:
        await query.answer(t(lang, "limits_refused"), show_alert=True)
        return
    now = int(clock())
    await write_once(store, update_id, now, limits.set_reminder, player.id, minutes, now)
    await query.answer()
    await keyboards.drop(query)
    value = t(lang, "reminder_every", minutes=minutes) if minutes else t(lang, "reminder_off")
    await query.message.answer(t(lang, "reminder_set", value=value))


def _pause_unit(conn: sqlite3.Connection, user_id: int, kind: str, days: int, now: int
                ) -> tuple[limits.Exclusion, games.Lobby | None]:
    """Start the time-out or exclusion, and no game during it: the lobby the player waits in
    alone is withdrawn."""
    return limits.exclude(conn, user_id, kind, days, now), refunds.withdraw_alone(conn, user_id,
                                                                                  now=now)


async def _pause(message: Message, user_id: int, kind: str, days: int, *, lang: str,
                 store: Store, mailer: Mailer, now: int, update_id: int) -> None:
    pause, withdrawn = await write_once(store, update_id, now, _pause_unit, user_id, kind,
                                        days, now)
    text = t(lang, f"{kind}_started", until=pause.until)
    if withdrawn is not None:
        mailer.kick()  # a group challenge's card is redrawn
        key = "pause_withdrew" if withdrawn.bet else "pause_withdrew_friendly"
        text += "\n" + t(lang, key, lobby_id=withdrawn.id, bet=withdrawn.bet)
    await message.answer(text)


async def timeout_button(query: CallbackQuery, callback_data: kb.TimeOut, player: User,
                         lang: str, store: Store, clock: Clock, mailer: Mailer,
                         update_id: int) -> None:
    days = callback_data.days
    if days not in windows.TIMEOUT_DAYS:
        await query.answer(t(lang, "limits_refused"), show_alert=True)
        return
    await query.answer()
    await keyboards.drop(query)
    now = int(clock())
    length = t(lang, f"length_{days}")
    if not callback_data.confirmed:
        await query.message.answer(
            t(lang, "timeout_confirm", length=length,
              until=limits.stamp(now + days * windows.DAY)),
            reply_markup=kb.confirm_timeout(lang, days))
        return
    await _pause(query.message, player.id, "timeout", days, lang=lang, store=store,
                 mailer=mailer, now=now, update_id=update_id)


async def exclude_button(query: CallbackQuery, callback_data: kb.Exclude, player: User,
                         lang: str, store: Store, clock: Clock, state: FSMContext,
                         mailer: Mailer, update_id: int) -> None:
    """Three presses: the length, a first and a second confirmation. The confirmations are
    kept by the bot, so a forged final button alone starts nothing."""
    days, step = callback_data.days, callback_data.step
    if days not in windows.EXCLUSION_DAYS or step not in (0, 1, 2):
        await query.answer(t(lang, "limits_refused"), show_alert=True)
        return
    confirmed = (await state.get_data()).get("exclusion")
    if step > 0 and confirmed != [days, step]:
        await query.answer(t(lang, "exclusion_not_confirmed"), show_alert=True)
        return
    await query.answer()
    await keyboards.drop(query)
    now = int(clock())
    length, until = t(lang, f"length_{days}"), limits.stamp(now + days * windows.DAY)
    if step < 2:
        await state.update_data(exclusion=[days, step + 1])
        key = "exclusion_confirm" if step == 0 else "exclusion_confirm_again"
        await query.message.answer(t(lang, key, length=length, until=until),
                                   reply_markup=kb.confirm_exclusion(lang, days, step + 1))
        return
    await state.update_data(exclusion=None)
    await _pause(query.message, player.id, "exclusion", days, lang=lang, store=store,
                 mailer=mailer, now=now, update_id=update_id)


async def reality_button(query: CallbackQuery, callback_data: kb.RealityCheck, player: User,
                         lang: str, store: Store, clock: Clock) -> None:
    if callback_data.action not in ("keep", "break"):
        await query.answer(t(lang, "limits_refused"), show_alert=True)
        return
    await keyboards.drop(query)
    if callback_data.action == "keep":
        await query.answer(t(lang, "keep_playing"))
        return
    played = await store.write(sessions.take_break, player.id, int(clock()))
    await query.answer()
    text = t(lang, "break_taken")
    if played is not None:
        text = t(lang, "session_summary", minutes=played[0], net=played[1]) + "\n" + text
    await query.message.answer(text, reply_markup=kb.longer_break(lang))


async def _answerable(query: CallbackQuery) -> bool:
    """Buttons on a message Telegram no longer shows us go to the stale-button answer."""
    return isinstance(query.message, Message)


def make_router() -> Router:
    router = Router(name="limits")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private", _answerable)
    router.message.register(cmd_limits, Command("limits"))
    router.message.register(typed_amount, StateFilter(LimitsFlow.amount), F.text,
                            ~F.text.startswith("/"), ~F.text.in_(MENU_BUTTONS))
    router.callback_query.register(menu_button, kb.LimitsMenu.filter())
    router.callback_query.register(window_button, kb.LimitWindow.filter())
    router.callback_query.register(reminder_button, kb.SetReminder.filter())
    router.callback_query.register(timeout_button, kb.TimeOut.filter())
    router.callback_query.register(exclude_button, kb.Exclude.filter())
    router.callback_query.register(reality_button, kb.RealityCheck.filter())
    return router
