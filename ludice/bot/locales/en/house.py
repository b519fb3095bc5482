"""English texts: duels against the house and friendly (0-credit) games."""
# ruff: noqa: E501  (one text per line reads better than wrapped fragments)

TEXTS: dict[str, str] = {
    "cmd_house": "Duel the house",
    "btn_house": "🏠 Play the house",
    "btn_house_instead": "🏠 Play the house instead",
    "btn_friendly": "🎈 Just for fun",
    "house_choose_game": "🏠 <b>Duel the house</b>: your die against the house's, both rolled here, the highest wins. No waiting for an opponent. Choose a game:",
    "house_bet_prompt": "🏠 {emoji} <b>{game} against the house</b>. Play for fun, never chase losses.\nChoose your bet or type an amount ({min_bet}–{max_bet}). Balance: {balance}.",
    "house_usage": "Duel the house with a bet: /house 50, or /house 50 🎯 for darts.",
    "house_off": "The house is not taking duels right now. /play finds you a person to play.",
    "house_no_friendly": "The house only plays for credits. For a game just for fun, bet 0 in /play.",
    "house_cap": "🏠 The house has lost enough for today: it takes bets up to {limit} {limit:plural:credit|credits} right now.",
    "house_closed_today": "🏠 The house has lost all it may lose today and politely declines. Try again later, or /play against a person.",
    "help_house": "\n\n<b>Alone?</b> /house 50 (or /house 50 🎯) duels the house at once: same rules, your die and the house's.",
    "help_friendly": "\n\n<b>Just for fun:</b> bet 0 in /play or /duel for a friendly game, matched only with other friendly games: no credits move.",
    "profile_house": "🏠 Against the house: {count} {count:plural:game|games} · wins {wins} · losses {losses} · net {net:+d}",
    "friendly_waiting": "{emoji} Friendly lobby #{lobby_id}: nothing at stake. Waiting for another player who wants a game just for fun…\nIt expires in {minutes} min ({expires_at} UTC).",
    "friendly_result_win": "🏆 {rolls}\nYou win! A friendly game: no credits moved.",
    "friendly_result_loss": "{rolls}\n{winners} wins. A friendly game: no credits moved.",
    "friendly_result_split": "🤝 {rolls}\nStill tied: a draw. A friendly game: no credits moved.",
    "friendly_expired": "⌛ Nobody joined friendly lobby #{lobby_id} in time. Try again, or play for credits.",
    "friendly_left_other": "Friendly lobby #{lobby_id} was withdrawn.",
    "group_friendly_expired": "⌛ Friendly challenge #{lobby_id} in {group} expired before it filled.",
    "card_head_friendly": "{emoji} <b>{game} challenge #{lobby_id}</b> · just for fun",
    "group_friendly_win": "{emoji} Challenge #{lobby_id}: {rolls}{missing}\n🏆 <b>{winner}</b> wins, just for fun.",
    "group_friendly_split": "{emoji} Challenge #{lobby_id}: {rolls}{missing}\n🤝 Still tied: a draw between {winners}, just for fun.",
}
