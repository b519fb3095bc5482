"""One folder per language, named by its Telegram language code. Its __init__ holds
PLURAL_FORMS and the language's CLDR plural rule `plural(i, v)`; every other module in it holds
a TEXTS dict for one area of the bot (together: every key). The bot finds the languages by
listing this folder (ludice.bot.texts); English is the fallback."""
