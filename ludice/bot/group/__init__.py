"""Group chats: opt-in and settings, challenge cards, group duels and throw-your-own rounds,
invitations through deep links, leaderboards."""
