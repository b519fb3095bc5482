"""Every word the bot says, from the catalogs in ludice/bot/locales/: one folder per language,
found by listing that folder, holding one module of texts per area of the bot. Handlers pick a key; nothing user-facing is written inline
elsewhere. Texts are HTML (the bot's parse mode): escape names.

Where a number meets a noun the template names the forms, in the order of the language's
PLURAL_FORMS: `{bet} {bet:plural:credit|credits}`. The language's CLDR rule picks one for the
number, so `1 credit`, `21 кредит`, `2 игрока` and `5 игроков` come out right."""

from __future__ import annotations

import importlib
import pkgutil
import string
from decimal import Decimal
from html import escape
from types import ModuleType
from typing import Any

from ludice.bot import locales
from ludice.errors import Refused
from ludice.rules import GAMES

FALLBACK = "en"
# A friendly game's refund notices, which have no stake to give back.
FRIENDLY_NOTICES = {"lobby_expired": "friendly_expired", "group_lobby_expired":
                    "group_friendly_expired", "lobby_left_other": "friendly_left_other"}
PLURAL = "plural:"
Number = int | float | Decimal


def _catalog(language: ModuleType) -> dict[str, str]:
    """A language's texts: the TEXTS of every module in its folder, one module per area, so
    a feature brings its own file. A key twice is a mistake the bot refuses to start with."""
    merged: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(language.__path__), key=lambda m: m.name):
        part = importlib.import_module(f"{language.__name__}.{info.name}").TEXTS
        if twice := merged.keys() & part.keys():
            raise ValueError(f"{language.__name__}.{info.name} repeats {sorted(twice)}")
        merged.update(part)
    return merged


def _discover() -> dict[str, ModuleType]:
    """Every language folder in locales/, by its code (a new language is a new folder)."""
    return {info.name: importlib.import_module(f"{locales.__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(locales.__path__), key=lambda m: m.name)
            if info.ispkg and not info.name.startswith("_")}


LOCALES = _discover()
LANGUAGES = tuple(LOCALES)
CATALOGS: dict[str, dict[str, str]] = {code: _catalog(module) for code, module in LOCALES.items()}


def _operands(n: Number) -> tuple[int, int]:
    """CLDR's operands i (the integer part) and v (the fraction digits shown) of `n` as the
    text shows it: a float 1.0 prints as "1.0", so it has one fraction digit."""
    if isinstance(n, bool) or not isinstance(n, int | float | Decimal):
        raise TypeError(f"a plural needs a number, not {n!r}")
    if isinstance(n, int):
        return abs(n), 0
    shown = Decimal(str(n))
    if not shown.is_finite():
        raise TypeError(f"a plural needs a finite number, not {n!r}")
    exponent = shown.as_tuple().exponent
    return int(abs(shown)), max(0, -int(exponent))


def plural_category(lang: str, n: Number) -> str:
    """The plural form (one of the language's PLURAL_FORMS) a noun takes after `n`."""
    return LOCALES[lang].plural(*_operands(n))


class _Formatter(string.Formatter):
    """str.format plus the `plural:` spec: `{n:plural:form|form|…}` renders the form for n."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec.startswith(PLURAL):
            return format(value, format_spec)
        forms = format_spec.removeprefix(PLURAL).split("|")
        names = LOCALES[self.lang].PLURAL_FORMS
        if len(forms) != len(names):
            raise ValueError(f"{self.lang}: a plural lists {len(names)} forms {names}: {forms}")
        return forms[names.index(plural_category(self.lang, value))]


_FORMATTERS = {code: _Formatter(code) for code in LOCALES}


def language(code: str | None) -> str:
    """A Telegram language code (an IETF tag: "ru", "pt-br") as a language we speak."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if base in LOCALES else FALLBACK


def t(lang: str, key: str, **params: Any) -> str:
    if key not in CATALOGS.get(lang, ()):
        lang = FALLBACK  # an unknown language, or a key it lacks: English, with its plurals
    template = CATALOGS[lang][key]
    if PLURAL not in template:  # str.format is 5x faster than string.Formatter's Python loop
        return template.format(**params)
    return _FORMATTERS[lang].vformat(template, (), params)


def refusal(lang: str, refused: Refused) -> str:
    """A refusal from the domain in words, for an HTML message: its text values are escaped
    (a ban reason is typed by an admin, a name by its owner)."""
    return t(lang, refused.reason, **{k: escape(v) if isinstance(v, str) else v
                                      for k, v in refused.details.items()})


def button_texts(key: str) -> set[str]:
    return {catalog[key] for catalog in CATALOGS.values()}


def game_title(lang: str, game: str) -> str:
    return t(lang, f"game_{game}")


def _rolls(rolls: list[list]) -> str:
    return " vs ".join(f"{escape(str(name))} {value}" for name, value in rolls)


def _why(lang: str, params: dict[str, Any]) -> str:
    """A reason code (play_off, bot_removed, ...) in words; anything else as it was typed."""
    code = f"why_{params.get('reason')}"
    return t(lang, code) if code in CATALOGS[FALLBACK] else escape(str(params.get("reason", "")))


def render_outbox(lang: str, key: str, params: dict[str, Any]) -> str:
    """Messages written by the domain into the outbox, rendered at send time."""
    if key in ("duel_result", "duel_tie"):
        emoji = GAMES[params["game"]].emoji
        rolls = f"{emoji} {_rolls(params['rolls'])}"
        if key == "duel_tie":
            return t(lang, "duel_tie", rolls=rolls, round=params["round"],
                     tied=", ".join(escape(n) for n in params["tied"]))
        if params["pot"] == 0:  # a friendly game: who won, and no figures
            outcome = ("split" if params["split"] else
                       "win" if params.get("won") else "loss")
            return t(lang, f"friendly_result_{outcome}", rolls=rolls,
                     winners=", ".join(escape(w) for w in params["winners"]))
        fee_note = t(lang, "fee_note", fee=params["fee"]) if params["fee"] else ""
        common = dict(rolls=rolls, pot=params["pot"], fee_note=fee_note,
                      balance=params["balance"], payout=params["payout"])
        if params["split"]:
            text = t(lang, "duel_result_split", **common)
        elif params["payout"] > 0:
            text = t(lang, "duel_result_win", **common)
        else:
            text = t(lang, "duel_result_loss", loss=-params["net"], **common,
                     winners=", ".join(escape(w) for w in params["winners"]))
        return text + _record_lines(lang, params)
    if key == "group_finished_privately":
        return _finished_privately(lang, params)
    safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
    if params.get("bet") == 0 and key in FRIENDLY_NOTICES:  # no "0 credits are back"
        key = FRIENDLY_NOTICES[key]
    if key in ("group_lobby_closed", "lobby_called_off"):  # the reason is a code: in words
        safe["why"] = _why(lang, params)
    return t(lang, key, **safe)


def _finished_privately(lang: str, params: dict[str, Any]) -> str:
    """A group duel finished server-side: why, every tie-break round, then the result."""
    emoji = GAMES[params["game"]].emoji
    lines = [t(lang, "group_finished_privately", emoji=emoji, lobby_id=params["lobby_id"],
               group=escape(params["group"]), why=_why(lang, params))]
    *earlier, last = params["rounds"]
    for number, rolls in enumerate(earlier, 1):
        shown = f"{emoji} {_rolls(rolls)}" if rolls else t(lang, "group_no_rolls")
        lines.append(t(lang, "round_line", round=number, rolls=shown))
    lines.append(render_outbox(lang, "duel_result", {**params, "rolls": last}))
    return "\n".join(lines)


def _record_lines(lang: str, params: dict[str, Any]) -> str:
    """Under a result: the seed, if the server drew a die from it, and the record's link."""
    lines = []
    if params.get("seed"):
        lines.append(t(lang, "seed_reveal", seed=params["seed"], lobby_id=params["lobby_id"]))
    if "lobby_id" in params:
        lines.append(t(lang, "record_link", lobby_id=params["lobby_id"]))
    return "".join(f"\n{line}" for line in lines)
