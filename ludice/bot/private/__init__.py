"""Private chats with the bot: terms, matchmaking duels, profile and history, Stars top-ups."""
