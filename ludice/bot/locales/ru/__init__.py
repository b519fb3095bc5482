"""Russian: the plural rule. The texts are the other modules in this folder, one per
area of the bot; ludice.bot.texts gathers them."""

# The forms a `{n:plural:…}` spec lists, in this order: 1 кредит, 2 кредита, 5 кредитов.
# After "до" or "из" the noun is genitive: `до {n} {n:plural:игрока|игроков|игроков}`.
PLURAL_FORMS = ("one", "few", "many")


def plural(i: int, v: int) -> str:
    """CLDR's rule for Russian: i is the number's integer part, v the fraction digits it shows.
    A fraction is CLDR's "other", which takes the genitive singular, the word "few" uses
    (1,5 кредита), so it picks that form."""
    if v:
        return "few"
    if i % 10 == 1 and i % 100 != 11:
        return "one"
    if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
        return "few"
    return "many"
