"""Every language says everything: the same keys and placeholders in each catalog, every
template renders as valid Telegram HTML with sample numbers, and a number always meets the
form of its noun that the number asks for (1 credit, 2 credits; 1 кредит, 2 кредита,
5 кредитов, 21 кредит; до 1 раза, до 5 раз)."""

from __future__ import annotations

import html
import re
import string
from decimal import Decimal
from importlib import resources

import pytest

from ludice import groups
from ludice.bot import texts
from ludice.playground.emulator.html import problem as html_problem

SAMPLES = (0, 1, 2, 5, 11, 12, 21, 101)
PLURAL = "plural:"

# Placeholders that carry a number; every other one carries a piece of text. `games` and
# `players` are a count in some texts and a list of names in others.
NUMBERS = {
    "balance", "bet", "bonus", "cap", "count", "credits", "draws", "each", "fee", "hours",
    "left", "limit", "lobby_id", "loss", "losses", "max_bet", "min_bet", "minutes", "net",
    "net_rank", "payout", "pot", "rate", "round", "seats", "seconds", "stars", "tie_rounds",
    "topic", "ttl_minutes", "turn", "win_rate", "wins", "wins_rank",
}
COUNTS_HERE = {("profile", "games"), ("top_private_line", "games"),
               ("top_private_line", "players")}

# The nouns the catalogs count, with their forms in the order of the language's PLURAL_FORMS
# (a language without a table here still gets every other check).
NOUNS = {
    "en": [("credit", "credits"), ("player", "players"), ("minute", "minutes"),
           ("second", "seconds"), ("seat", "seats"), ("win", "wins"), ("day", "days"),
           ("game", "games"), ("time", "times"), ("Star", "Stars"), ("top-up", "top-ups"),
           ("hour", "hours"), ("challenge", "challenges"), ("lobby", "lobbies")],
    "ru": [("кредит", "кредита", "кредитов"), ("игрок", "игрока", "игроков"),
           ("минута", "минуты", "минут"), ("секунда", "секунды", "секунд"),
           ("место", "места", "мест"), ("победа", "победы", "побед"),
           ("день", "дня", "дней"), ("игра", "игры", "игр"), ("раз", "раза", "раз"),
           ("звезда", "звезды", "звёзд"), ("пополнение", "пополнения", "пополнений"),
           ("час", "часа", "часов"), ("вызов", "вызова", "вызовов")],
}
# Russian prepositions that put the counted noun in the genitive: до 1 раза, до 5 раз.
GENITIVE = {"до", "из", "от", "около", "больше", "меньше"}
# The category of each sample number, written out independently of the rule under test.
CATEGORY: dict[str, dict[int, str]] = {
    "en": {0: "other", 1: "one", 2: "other", 5: "other", 11: "other", 12: "other",
           21: "other", 101: "other"},
    "ru": {0: "many", 1: "one", 2: "few", 5: "many", 11: "many", 12: "many", 21: "one",
           101: "one"},
}
NUMBER_NOUN = re.compile(r"(?<![\d.,])(\d+)[ \u00a0]+([^\W\d_][\w-]*)(?:[ \u00a0]+(is|are)\b)?")
WORD_BEFORE = re.compile(r"([^\W\d_]+)[ \u00a0]+$")


def fields(template: str) -> list[tuple[str, str]]:
    return [(name, spec) for _, name, spec, _ in string.Formatter().parse(template)
            if name is not None]


def sample_params(key: str, n: int) -> dict[str, object]:
    names = {name for catalog in texts.CATALOGS.values() if key in catalog
             for name, _ in fields(catalog[key])}
    return {name: n if name in NUMBERS or (key, name) in COUNTS_HERE else f"Ann {name}"
            for name in names}


def wrong_forms(lang: str, text: str) -> list[str]:
    """Each place in `text` where a number meets a known noun in the wrong form."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    wrong = []
    for match in NUMBER_NOUN.finditer(plain):
        number, word, verb = int(match.group(1)), match.group(2), match.group(3)
        lemma = next((forms for forms in NOUNS.get(lang, ()) if word in forms), None)
        if lemma is None:
            continue
        category = CATEGORY.get(lang, {}).get(number) or texts.plural_category(lang, number)
        expected = lemma[texts.LOCALES[lang].PLURAL_FORMS.index(category)]
        before = WORD_BEFORE.search(plain[:match.start()])
        if lang == "ru" and before and before.group(1).lower() in GENITIVE:
            _nominative, genitive_one, genitive_many = lemma  # до 1 раза, до 2 раз, до 5 раз
            expected = genitive_one if category == "one" else genitive_many
        if lang == "en" and verb and verb != ("is" if category == "one" else "are"):
            wrong.append(f"{match.group(0)!r}: the verb is not {verb!r} for {number}")
        if word != expected:
            wrong.append(f"{match.group(0)!r}: {number} takes {expected!r}")
    return wrong


def test_the_languages_are_the_folders_in_the_locales_folder():
    files = {p.name for p in resources.files("ludice.bot.locales").iterdir()
             if p.is_dir() and (p / "__init__.py").is_file() and not p.name.startswith("_")}
    assert set(texts.LANGUAGES) == files and {"en", "ru"} <= files
    assert texts.language("ru-RU") == "ru" and texts.language("RU") == "ru"
    assert texts.language("pt-br") == texts.language(None) == texts.FALLBACK == "en"
    # A group picks its language with `/ludice lang`, which the domain validates on its own.
    assert set(groups.LANGS) == set(texts.LANGUAGES)


def test_every_language_has_the_same_keys():
    english = set(texts.CATALOGS["en"])
    for lang, catalog in texts.CATALOGS.items():
        assert set(catalog) == english, (lang, set(catalog) ^ english)


def test_every_language_has_the_same_placeholders_and_sound_plural_specs():
    for key, english in texts.CATALOGS["en"].items():
        expected = {(name, spec) for name, spec in fields(english) if not spec.startswith(PLURAL)}
        for lang, catalog in texts.CATALOGS.items():
            found = fields(catalog[key])
            plain = {(name, spec) for name, spec in found if not spec.startswith(PLURAL)}
            assert plain == expected, (lang, key, plain ^ expected)
            for name, spec in found:
                if not spec.startswith(PLURAL):
                    continue
                forms = spec.removeprefix(PLURAL).split("|")
                assert len(forms) == len(texts.LOCALES[lang].PLURAL_FORMS), (lang, key, spec)
                assert all(forms), (lang, key, spec)
                # a plural counts a number that the text also shows
                assert (name, "") in plain, (lang, key, name)
                assert name in NUMBERS or (key, name) in COUNTS_HERE, (lang, key, name)


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_every_template_renders_as_valid_html_with_the_right_plurals(lang):
    checked = 0
    for key in texts.CATALOGS[lang]:
        for n in SAMPLES:
            text = texts.t(lang, key, **sample_params(key, n))
            assert html_problem(text) is None, (lang, key, n, text)
            assert "{" not in text and "plural" not in text, (lang, key, text)
            assert wrong_forms(lang, text) == [], (lang, key, n, text)
            checked += len(NUMBER_NOUN.findall(text))
    assert checked > 100  # the noun check looked at plenty of numbers, it did not pass empty


def outbox_messages(n: int) -> dict[str, list[dict]]:
    """What the domain writes into the outbox, with `n` for every amount."""
    rolls = [["Ann", 3], ["Bob <b>", 5]]
    refund = {"lobby_id": 7, "game": "dice", "bet": n, "balance": n, "reason": "play_off",
              "group": "Dice & Co"}
    result = {"lobby_id": 7, "game": "darts", "rolls": rolls, "winners": ["Bob <b>"], "pot": n,
              "fee": n, "payout": n, "net": -n, "balance": n}
    return {
        "duel_result": [{**result, "split": False}, {**result, "payout": 0, "split": False},
                        {**result, "split": True, "fee": 0}],
        "duel_tie": [{"lobby_id": 7, "game": "dice", "rolls": rolls, "tied": ["Ann", "Bob"],
                      "round": n}],
        "group_finished_privately": [{**result, "group": "Dice & Co", "reason": "bot_removed",
                                      "rounds": [rolls, [], rolls], "split": False}],
        "topup_receipt": [{"stars": n, "credits": n, "charge_id": "c-1", "balance": n}],
        **{key: [refund] for key in (
            "lobby_expired", "lobby_left_other", "lobby_cancelled", "lobby_called_off",
            "group_lobby_expired", "group_lobby_left", "group_lobby_cancelled",
            "group_lobby_closed")},
    }


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_outbox_messages_render_with_the_right_plurals(lang):
    for n in SAMPLES:
        for key, variants in outbox_messages(n).items():
            for params in variants:
                text = texts.render_outbox(lang, key, params)
                assert html_problem(text) is None, (lang, key, text)
                assert wrong_forms(lang, text) == [], (lang, key, n, text)


def test_the_noun_check_bites():
    assert wrong_forms("ru", "Размер лобби: 2 игроков") != []
    assert wrong_forms("ru", "Ваш баланс: <b>21</b> кредитов.") != []
    assert wrong_forms("ru", "до 21 раз") != [] and wrong_forms("ru", "до 21 раза") == []
    assert wrong_forms("en", "Your balance: <b>1</b> credits.") != []
    assert wrong_forms("en", "Your 1 credit are back") != []
    assert wrong_forms("en", "Your 2 credits are back, 1 credit is here") == []


@pytest.mark.parametrize(("n", "ru", "en"), [
    (0, "many", "other"), (1, "one", "one"), (2, "few", "other"), (5, "many", "other"),
    (11, "many", "other"), (12, "many", "other"), (14, "many", "other"),
    (21, "one", "other"), (22, "few", "other"), (25, "many", "other"), (101, "one", "other"),
    (111, "many", "other"), (-1, "one", "one"), (-22, "few", "other"),
])
def test_plural_rule_for_whole_numbers(n, ru, en):
    assert texts.plural_category("ru", n) == ru
    assert texts.plural_category("en", n) == en


def test_plural_rule_for_fractions_follows_what_the_text_shows():
    # A fraction is CLDR's "other": English "1.5 credits", Russian genitive singular
    # ("1,5 кредита", the few form). A float shows "1.0", so it is a fraction too.
    for n in (1.5, 1.0, 21.5, Decimal("1.25"), Decimal("2.0")):
        assert texts.plural_category("en", n) == "other"
        assert texts.plural_category("ru", n) == "few"
    assert texts.plural_category("ru", Decimal("21")) == "one"
    assert texts.plural_category("en", Decimal("1")) == "one"
    assert texts.t("ru", "below_min", limit=1.5) == "Минимальная ставка — 1.5 кредита."


@pytest.mark.parametrize("bad", ["5", None, True, float("nan"), float("inf")])
def test_a_plural_of_anything_but_a_number_is_refused(bad):
    with pytest.raises(TypeError):
        texts.t("en", "below_min", limit=bad)


def test_an_unknown_language_speaks_english_with_english_plurals():
    assert texts.t("xx", "below_min", limit=1) == "The smallest bet is 1 credit."
    assert texts.t("ru", "below_min", limit=21) == "Минимальная ставка — 21 кредит."


def test_every_language_has_the_same_text_modules():
    # A feature's texts live in the same module in every language, so a translator finds them.
    def modules(lang: str) -> set[str]:
        return {p.name for p in resources.files(f"ludice.bot.locales.{lang}").iterdir()
                if p.name.endswith(".py") and not p.name.startswith("_")}
    for lang in texts.LANGUAGES:
        assert modules(lang) == modules(texts.FALLBACK), lang
