"""One catalog per language: `<code>.py`, named by its Telegram language code, holding TEXTS
(every key), PLURAL_FORMS and the language's CLDR plural rule `plural(i, v)`. The bot finds
the languages by listing this folder (ludice.bot.texts); English is the fallback."""
