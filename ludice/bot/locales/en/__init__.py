"""English: the plural rule. The texts are the other modules in this folder, one per
area of the bot; ludice.bot.texts gathers them."""

# The forms a `{n:plural:…}` spec lists, in this order: 1 credit, 2 credits.
PLURAL_FORMS = ("one", "other")


def plural(i: int, v: int) -> str:
    """CLDR's rule for English: i is the number's integer part, v the fraction digits it shows
    ("1.0 credits" is "other", like every fraction)."""
    return "one" if i == 1 and v == 0 else "other"
