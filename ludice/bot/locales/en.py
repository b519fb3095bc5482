"""English: every text the bot says. A language is one file in this folder, named by its
Telegram language code; README's "Adding a language" says what it holds."""
# ruff: noqa: E501  (one text per line reads better than wrapped fragments)

# The forms a `{n:plural:…}` spec lists, in this order: 1 credit, 2 credits.
PLURAL_FORMS = ("one", "other")


def plural(i: int, v: int) -> str:
    """CLDR's rule for English: i is the number's integer part, v the fraction digits it shows
    ("1.0 credits" is "other", like every fraction)."""
    return "one" if i == 1 and v == 0 else "other"


TEXTS: dict[str, str] = {
    # -- Accounts, private play and the menu -------------------------------------------------------
    "terms": (
        "🎲 <b>Welcome to ludice</b>: dice duels for credits.\n\n"
        "Before you play, please accept the terms:\n"
        "• You are 18 or older.\n"
        "• Play for fun and play responsibly; take a break whenever you like.\n"
        "• Credits have no cash value and are never paid out.\n"
        "• Dice are rolled by Telegram; results are final.\n\n"
        "Read /privacy to see what we store."
    ),
    "terms_button": "✅ I accept",
    "terms_needed": "Please accept the terms first: send /start.",
    "welcome": "You're in! {bonus_line}Your balance: <b>{balance}</b> {balance:plural:credit|credits}.\nTap 🎲 Play to start a duel.",
    "welcome_bonus_line": "Welcome bonus: <b>+{bonus}</b> {bonus:plural:credit|credits}. ",
    "welcome_back": "Welcome back! Your balance: <b>{balance}</b> {balance:plural:credit|credits}.",
    "already_accepted": "You have already accepted the terms.",
    "btn_play": "🎲 Play",
    "btn_profile": "👤 Profile",
    "btn_topup": "🔝 Top up",
    "btn_help": "❓ Help",
    "help": (
        "<b>How ludice works</b>\n"
        "Pick a game and a bet. You are matched with another player who chose the same game "
        "and bet; if nobody is waiting, your lobby waits up to {ttl_minutes} min and then your "
        "stake comes back.\n"
        "When the duel starts, the bot rolls one Telegram die for each of you. The highest "
        "value takes the pot{fee_part}. A tie is re-rolled up to {tie_rounds} {tie_rounds:plural:time|times}; if it is "
        "still tied, the pot is split equally and any credit that cannot be split goes to the "
        "house.\n\n"
        "Bets: {min_bet}–{max_bet} {max_bet:plural:credit|credits}, whole numbers.\n\n"
        "<b>Commands</b>\n"
        "/play [bet]: play dice (or pick a game)\n"
        "/dice N, /darts N: play with bet N\n"
        "/leave: withdraw your waiting lobby\n"
        "/profile: balance and statistics\n"
        "/history: your latest credit movements\n"
        "/topup: get more credits with Telegram Stars\n"
        "/bonus: collect the daily bonus\n"
        "/paysupport: help with payments\n"
        "/top: your ranks in groups\n"
        "/privacy: what we store\n"
        "/help: this text\n\n"
        "<b>In your group</b>\n"
        "Add me to a group and have an admin send /ludice on. Then /duel 50 there opens a "
        "challenge anyone can join (reply to someone's message with /duel 50 to challenge only "
        "them); the dice roll in the chat and /top shows the leaderboard."
    ),
    "fee_part": " minus a {fee}% house fee",
    "privacy": (
        "<b>What ludice stores</b>\n"
        "• Your Telegram id, username, first name and language, to know you and talk to you "
        "in your language.\n"
        "• When you accepted the terms, and a ban with its reason if an admin bans you.\n"
        "• Your balance and every credit movement (stakes, winnings, refunds, bonuses), so "
        "the books always balance and disputes can be checked.\n"
        "• The games you played and the dice values.\n"
        "• For groups: the group's id, title and ludice settings (and which admin changed "
        "them), and the games played there, which make up its leaderboard.\n"
        "• For Stars top-ups: the payment's Telegram charge id, pack, credits and refund "
        "state, to credit each payment exactly once and to handle refunds.\n"
        "Nothing is shared with anyone. Messages you send the bot are not stored beyond what "
        "is listed here. Ask an admin to remove your data."
    ),
    "choose_game": "Choose a game:",
    "bet_prompt": "{emoji} <b>{game}</b>. Play for fun, never chase losses.\nChoose your bet or type an amount ({min_bet}–{max_bet}). Balance: {balance}.",
    "not_a_number": "A bet is a whole number of credits, like 50.",
    "below_min": "The smallest bet is {limit} {limit:plural:credit|credits}.",
    "above_max": "The largest bet is {limit} {limit:plural:credit|credits}.",
    "cannot_afford": "You have {limit} {limit:plural:credit|credits}, not enough for that bet. /topup gets more.",
    "unknown_game": "That game is not available here.",
    "already_in_lobby": "You are already in lobby #{lobby_id}. Finish it or /leave first.",
    "banned": "Your account is suspended: {reason}",
    "lobby_waiting": "{emoji} Lobby #{lobby_id}: {bet} {bet:plural:credit|credits} staked. Waiting for an opponent…\nIt expires in {minutes} min ({expires_at} UTC) and then your stake comes back.",
    "leave_button": "🚪 Leave",
    "lobby_left": "You left lobby #{lobby_id}. {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "lobby_left_other": "Lobby #{lobby_id} was withdrawn; your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "no_lobby": "You are not waiting in any lobby.",
    "unknown_lobby": "That lobby does not exist.",
    "not_your_lobby": "That is not your lobby.",
    "lobby_started": "That duel has already started; it can't be left now.",
    "lobby_closed": "That lobby is already closed.",
    "not_creator": "Only the player who opened the lobby can withdraw it.",
    "lobby_expired": "⌛ Nobody joined lobby #{lobby_id} in time. Your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "lobby_cancelled": "Lobby #{lobby_id} was cancelled by an admin ({reason}). Your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "lobby_called_off": "Duel #{lobby_id} was called off ({why}). Your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "duel_start": "⚔️ Duel #{lobby_id}: {players}. Pot: {pot}. Rolling… (your die comes first)",
    "joined": "Opponent found: lobby #{lobby_id}.",
    "duel_tie": "🤝 Tie: {rolls}. Re-rolling between {tied} (round {round})…",
    "duel_result_win": "🏆 {rolls}\nYou win <b>{payout}</b> (pot {pot}{fee_note}). Balance: <b>{balance}</b>.",
    "duel_result_loss": "{rolls}\n{winners} wins the pot of {pot}. You lose {loss}. Balance: <b>{balance}</b>.",
    "duel_result_split": "🤝 {rolls}\nStill tied: the pot of {pot} is split, you get {payout}{fee_note}. Balance: <b>{balance}</b>.",
    "fee_note": ", house fee {fee}",
    "profile": "👤 <b>{name}</b>\nBalance: <b>{balance}</b> {balance:plural:credit|credits}\nGames: {games} · wins {wins} · losses {losses} · draws {draws}\nWin rate: {win_rate}% · net result: {net:+d}",
    "history_title": "<b>Your latest credit movements</b>",
    "history_empty": "No credit movements yet.",
    "h_welcome": "Welcome bonus",
    "h_daily": "Daily bonus",
    "h_stake": "Stake, lobby {ref}",
    "h_refund": "Refund, lobby {ref}",
    "h_payout": "Winnings, duel {ref}",
    "h_adjust": "Adjustment by an admin",
    "h_topup": "Top-up with Stars",
    "h_other": "{kind}",
    "throttled": "Easy there: one action per second, please.",
    "error_apology": "Sorry, something went wrong on our side. Please try again in a moment.",
    "stale_button": "This button is no longer valid.",
    "unknown_text": "I didn't get that. Use the menu below or /help.",
    "cmd_start": "Start and accept the terms",
    "cmd_play": "Play a dice duel",
    "cmd_profile": "Balance and statistics",
    "cmd_topup": "Get more credits",
    "cmd_help": "Rules and commands",
    "cmd_leave": "Withdraw your waiting lobby",
    "cmd_history": "Latest credit movements",
    "cmd_privacy": "What we store",
    "game_dice": "Dice",
    "game_darts": "Darts",
    "game_bowling": "Bowling",
    "game_basketball": "Basketball",
    "game_football": "Football",
    # -- Top-ups, the daily bonus and /paysupport --------------------------------------------------
    "topups_off": "Top-ups with Telegram Stars are turned off in this community. Free credits: /bonus once a day.",
    "topup_menu": "🔝 <b>Top up with Telegram Stars</b>\n1 ⭐ = {rate} {rate:plural:credit|credits}. Credits are for playing only: they have no cash value and are never paid out.\nChoose a pack:",
    "pack_button": "⭐ {stars} → {credits}",
    "invoice_title": "{credits} ludice {credits:plural:credit|credits}",
    "invoice_description": "{credits} {credits:plural:credit|credits} for dice duels, for {stars} Telegram {stars:plural:Star|Stars}. Credits have no cash value and are never paid out.",
    "invoice_label": "{credits} {credits:plural:credit|credits}",
    "bad_invoice": "This invoice is not valid any more. Open /topup and choose a pack again.",
    "not_your_invoice": "This invoice was made for another player. Open /topup to get your own.",
    "unknown_pack": "That pack is not offered any more. Open /topup to see the current packs.",
    "topup_cap": "You reached today's limit of {cap} {cap:plural:top-up|top-ups}. Try again tomorrow.",
    "payment_rate_limited": "Too many payment actions; please wait a minute.",
    "topup_receipt": "✅ Payment received: {stars} ⭐ → <b>{credits}</b> {credits:plural:credit|credits}.\nBalance: <b>{balance}</b>.\nReceipt id: <code>{charge_id}</code> (keep it for /paysupport).",
    "bonus_button": "🎁 Daily bonus",
    "bonus_granted": "🎁 Daily bonus collected! Balance: <b>{balance}</b>.",
    "bonus_not_due": "Your next daily bonus is due in {hours} h {minutes} min ({at} UTC).",
    "bonus_off": "There is no daily bonus in this community.",
    "paysupport": "<b>Payment support</b>\nFor a problem with a payment, write to the admins of this community and quote the receipt id. Credits bought with Stars are for playing only; an admin can refund a payment whose credits you still hold.\n<b>Your recent payments</b>:",
    "paysupport_line": "{date}  {stars} ⭐ → {credits}  {status}  <code>{charge_id}</code>",
    "paysupport_none": "No payments yet.",
    "payment_credited": "credited",
    "payment_refund_pending": "refund in progress",
    "payment_refunded": "refunded",
    "cmd_bonus": "Collect the daily bonus",
    "h_topup_refund": "Refund of a Stars payment",
    "h_topup_refund_undo": "Refund of a Stars payment called off",
    "cmd_paysupport": "Help with payments",
    # -- Group play, and private notices about group lobbies ---------------------------------------
    "group_intro": "👋 Hi, I'm ludice: dice duels for credits, right here in the chat, with the stakes held safely until the dice decide.\nI stay quiet until a group admin turns play on with /ludice on. Settings: /ludice.",
    "group_off_status": "ludice is off in this group. A group admin can turn it on with /ludice on.",
    "group_on": "✅ Play is on! Challenge the chat with /duel 50 (or /duel 50 🎯 for another game), or reply to someone's message with /duel 50 to challenge only them. Leaderboard: /top.",
    "group_off_done": "Play is off. Open challenges refunded: {count}. Duels already rolling finish as usual.",
    "group_settings": "⚙️ <b>ludice in {title}</b>: play is {state}\nGames: {games}\nBets: {min_bet}–{max_bet} {max_bet:plural:credit|credits}\nLobby size: {seats} {seats:plural:player|players}\nMode: {mode}\nTopic: {topic}\nLanguage: {language}\n\n<i>Admins:</i> /ludice on|off · games 🎲 🎯 …|all · bets MIN MAX|default · seats 2–6 · throw on|off · turn SECONDS · topic [off] · lang en|ru",
    "state_on": "<b>on</b>",
    "state_off": "<b>off</b>",
    "mode_bot": "the bot rolls for everyone",
    "mode_throw": "players throw their own dice, {turn} s per round",
    "topic_any": "any",
    "topic_general": "General",
    "topic_id": "topic #{topic}",
    "setting_saved": "✅ Saved.",
    "admins_only": "Only group admins can change ludice settings.",
    "bad_seats": "Lobby size is a number from 2 to 6.",
    "bad_switch": "Use on or off.",
    "bad_turn": "Turn time is 10–600 seconds.",
    "not_a_forum": "This group has no topics.",
    "bad_lang": "Languages: en, ru.",
    "bad_games": "Name games by emoji or name: 🎲 dice, 🎯 darts, 🎳 bowling, 🏀 basketball, ⚽ football (or all).",
    "bad_bets": "Give the smallest and the largest bet within {min_bet}–{max_bet}, e.g. /ludice bets 10 500 (or /ludice bets default).",
    "unknown_group_setting": "Unknown setting. Send /ludice to see them.",
    "group_unknown": "Turn play on first: /ludice on.",
    "throw_needs_messages": "Note: to see your dice I must read all messages: make me an admin, or turn my privacy mode off with @BotFather.",
    "duel_usage": "Challenge with a bet: /duel 50, or /duel 50 🎯 for another game. Reply to someone's message with /duel 50 to challenge only them.",
    "group_terms": "{name}, please accept the terms in a private chat with me first, then come back.",
    "group_terms_button": "🔐 Open ludice",
    "group_wrong_topic": "I play in another topic of this group.",
    "game_not_allowed": "That game is off here. Games in this group: {games}",
    "challenge_self": "You can't challenge yourself.",
    "challenge_bot": "Bots don't play.",
    "already_joined": "You're already in this challenge.",
    "not_for_you": "This challenge is for {name} only.",
    "not_creator_start": "Only the player who opened the challenge can start it.",
    "need_two": "At least two players are needed to start.",
    "no_rematch": "A rematch is for finished games.",
    "group_off": "Play is off in this group.",
    "card_head": "{emoji} <b>{game} challenge #{lobby_id}</b> · bet <b>{bet}</b>",
    "card_open_call": "{creator} is looking for opponents.",
    "card_direct_call": "{creator} challenges {target}.",
    "card_players": "Players ({count}/{seats}): {players}",
    "card_seats": "Seats left: {left} · expires {expires_at} UTC",
    "card_rolling": "Players: {players}\n⚔️ In play: the dice follow below.",
    "card_rolling_throw": "Players: {players}\n⚔️ In play: throw your own {emoji} below.",
    "card_settled": "Players: {players}\n🏁 Finished: see the result below.",
    "card_expired": "⌛ Expired before it filled; stakes refunded.",
    "card_left": "🚫 Withdrawn by {creator}; stakes refunded.",
    "card_cancelled": "🚫 Cancelled by an admin ({reason}); stakes refunded.",
    "card_closed": "🚫 Called off ({why}); stakes refunded.",
    "btn_join": "✅ Join",
    "btn_cancel": "✖️ Cancel",
    "btn_start": "▶️ Start now",
    "btn_rematch": "🔁 Rematch",
    "btn_join_private": "✅ Join challenge #{lobby_id}",
    "joined_toast": "You're in! Good luck.",
    "withdrawn_toast": "Challenge withdrawn; your stake is back.",
    "started_toast": "Started!",
    "group_roll_round": "{emoji} Challenge #{lobby_id}, round {round}: rolling for {players}, in this order.",
    "tie_prefix": "🤝 Tie ({rolls}). ",
    "group_turn": "{tie}{emoji} Challenge #{lobby_id}, round {round}: {players}, throw your {emoji} now! You have {seconds} s (until {until} UTC). Forwarded dice don't count.",
    "group_result_win": "{emoji} Challenge #{lobby_id}: {rolls}{missing}\n🏆 <b>{winner}</b> wins <b>{each}</b> (pot {pot}{fee_note}).",
    "group_result_split": "{emoji} Challenge #{lobby_id}: {rolls}{missing}\n🤝 Still tied: {winners} split the pot of {pot}, {each} each{fee_note}.",
    "group_missing": "\n⌛ No throw: {names}",
    "group_no_rolls": "nobody threw",
    "group_no_throws": "⌛ Nobody threw in time: challenge #{lobby_id} is off and every stake was refunded.",
    "group_cancelled": "🚫 Challenge #{lobby_id} was cancelled by an admin ({reason}); every stake was refunded.",
    "group_lobby_expired": "⌛ Challenge #{lobby_id} in {group} expired before it filled. Your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "group_lobby_left": "Challenge #{lobby_id} in {group} was withdrawn by its creator; your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "group_lobby_cancelled": "Challenge #{lobby_id} in {group} was cancelled by an admin ({reason}). Your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "group_lobby_closed": "Challenge #{lobby_id} in {group} was called off ({why}). Your {bet} {bet:plural:credit is|credits are} back. Balance: {balance}.",
    "why_play_off": "play was turned off in the group",
    "why_bot_removed": "the bot was removed from the group",
    "why_no_throws": "nobody threw in time",
    "why_unreachable": "the bot can no longer post there",
    "why_moved": "the group was upgraded to a supergroup; challenge again there",
    "why_telegram_error": "Telegram failed while a die was being rolled, so nobody can be sure which die counts",
    "group_called_off": "⚠️ Challenge #{lobby_id} is off: Telegram failed while a die was being rolled, so nobody can be sure which die counts. Every stake was refunded.",
    "why_interrupted": "the bot stopped while a die was being rolled, so nobody can be sure which die counts",
    "group_interrupted": "⚠️ Challenge #{lobby_id} is off: the bot stopped while a die was being rolled, so nobody can be sure which die counts. Every stake was refunded.",
    "group_relayed": "📣 From <b>{group}</b> (the bot could not post this there):",
    "group_finished_privately": "{emoji} Challenge #{lobby_id} in {group} could not be played out in the group ({why}). The dice already rolled stand; the ones still missing were rolled fairly by the ludice server.",
    "round_line": "Round {round}: {rolls}",
    "members_only": "Only members of this group can join its challenges.",
    "group_back": "Now go back to the group and send your challenge again.",
    "private_join_offer": "{emoji} Challenge #{lobby_id} in <b>{group}</b>: {game}, bet <b>{bet}</b>, seats left: {left}. Join it?",
    "private_joined": "✅ You joined challenge #{lobby_id} in {group}. Good luck!",
    "throw_forwarded": "{name}, forwarded dice don't count: throw your own {emoji}.",
    "throw_via_bot": "{name}, dice sent through a bot don't count: throw your own {emoji}.",
    "throw_wrong_emoji": "{name}, this round is played with {emoji}.",
    "throw_wrong_topic": "{name}, throw in the topic of the challenge.",
    "throw_not_your_round": "{name}, only the tied players throw this round.",
    "throw_twice": "{name}, only your first throw of a round counts.",
    "throw_late": "{name}, too late: this round's time is up.",
    "top_title": "🏆 <b>Leaderboard: {title}</b>",
    "top_week": "<b>This week</b>",
    "top_all": "<b>All time</b>",
    "top_by_net": "By winnings: {ranking}",
    "top_by_wins": "By wins: {ranking}",
    "top_none": "no finished games yet",
    "top_private_title": "🏆 <b>Your ranks in groups</b> (all time)",
    "top_private_line": "{title}: #{net_rank} of {players} by winnings ({net:+d}), #{wins_rank} by wins ({wins} of {games} {games:plural:game|games})",
    "top_private_none": "You haven't finished a game in a group yet. Add me to your group and challenge it with /duel 50.",
    "group_help": (
        "<b>ludice in this group</b>\n"
        "/duel BET [game]: open a challenge; reply to someone's message to challenge only them\n"
        "/top: leaderboard\n/ludice: settings (admins change them)\n\n"
        "Games: {games} · bets {min_bet}–{max_bet} · up to {seats} {seats:plural:player|players} · {mode}.\n"
        "The highest die takes the pot{fee_part}; a tie is re-rolled up to {tie_rounds} {tie_rounds:plural:time|times}, "
        "then the pot is split and the credit that can't be split goes to the house."
    ),
    "cmd_top": "Leaderboards",
    "cmd_duel": "Challenge the chat: /duel 50",
    "cmd_ludice": "Group settings (admins)",
}
