"""Every word the bot says, in English and Russian. Handlers pick a key; nothing user-facing
is written inline elsewhere. Texts are HTML (the bot's parse mode): escape names."""

from __future__ import annotations

from html import escape
from typing import Any

from ludice.bot import texts_group, texts_payments, texts_status
from ludice.rules import GAMES

LANGUAGES = ("en", "ru")

EN: dict[str, str] = {
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
    "welcome": "You're in! {bonus_line}Your balance: <b>{balance}</b> credits.\nTap 🎲 Play to start a duel.",
    "welcome_bonus_line": "Welcome bonus: <b>+{bonus}</b> credits. ",
    "welcome_back": "Welcome back! Your balance: <b>{balance}</b> credits.",
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
        "value takes the pot{fee_part}. A tie is re-rolled up to {tie_rounds} times; if it is "
        "still tied, the pot is split equally and any credit that cannot be split goes to the "
        "house.\n\n"
        "Bets: {min_bet}–{max_bet} credits, whole numbers.\n\n"
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
    "bet_prompt": (
        "{emoji} <b>{game}</b>. Play for fun, never chase losses.\n"
        "Choose your bet or type an amount ({min_bet}–{max_bet}). Balance: {balance}."
    ),
    "not_a_number": "A bet is a whole number of credits, like 50.",
    "below_min": "The smallest bet is {limit} credits.",
    "above_max": "The largest bet is {limit} credits.",
    "cannot_afford": "You have {limit} credits, not enough for that bet. /topup gets more.",
    "unknown_game": "That game is not available here.",
    "already_in_lobby": "You are already in lobby #{lobby_id}. Finish it or /leave first.",
    "banned": "Your account is suspended: {reason}",
    "lobby_waiting": (
        "{emoji} Lobby #{lobby_id}: {bet} credits staked. Waiting for an opponent…\n"
        "It expires in {minutes} min ({expires_at} UTC) and then your stake comes back."
    ),
    "leave_button": "🚪 Leave",
    "lobby_left": "You left lobby #{lobby_id}. {bet} credits are back. Balance: {balance}.",
    "lobby_left_other": "Lobby #{lobby_id} was withdrawn; your {bet} credits are back. Balance: {balance}.",
    "no_lobby": "You are not waiting in any lobby.",
    "unknown_lobby": "That lobby does not exist.",
    "not_your_lobby": "That is not your lobby.",
    "lobby_started": "That duel has already started; it can't be left now.",
    "lobby_closed": "That lobby is already closed.",
    "not_creator": "Only the player who opened the lobby can withdraw it.",
    "lobby_expired": "⌛ Nobody joined lobby #{lobby_id} in time. Your {bet} credits are back. Balance: {balance}.",
    "lobby_cancelled": "Lobby #{lobby_id} was cancelled by an admin ({reason}). Your {bet} credits are back. Balance: {balance}.",
    "lobby_called_off": "Duel #{lobby_id} was called off ({why}). Your {bet} credits are back. Balance: {balance}.",
    "duel_start": "⚔️ Duel #{lobby_id}: {players}. Pot: {pot}. Rolling… (your die comes first)",
    "joined": "Opponent found: lobby #{lobby_id}.",
    "duel_tie": "🤝 Tie: {rolls}. Re-rolling between {tied} (round {round})…",
    "duel_result_win": "🏆 {rolls}\nYou win <b>{payout}</b> (pot {pot}{fee_note}). Balance: <b>{balance}</b>.",
    "duel_result_loss": "{rolls}\n{winners} wins the pot of {pot}. You lose {loss}. Balance: <b>{balance}</b>.",
    "duel_result_split": "🤝 {rolls}\nStill tied: the pot of {pot} is split, you get {payout}{fee_note}. Balance: <b>{balance}</b>.",
    "fee_note": ", house fee {fee}",
    "profile": (
        "👤 <b>{name}</b>\nBalance: <b>{balance}</b> credits\n"
        "Games: {games} · wins {wins} · losses {losses} · draws {draws}\n"
        "Win rate: {win_rate}% · net result: {net:+d}"
    ),
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
}

RU: dict[str, str] = {
    "terms": (
        "🎲 <b>Добро пожаловать в ludice</b>: дуэли на кубиках за кредиты.\n\n"
        "Прежде чем играть, примите условия:\n"
        "• Вам 18 лет или больше.\n"
        "• Играйте ради удовольствия и ответственно; делайте перерывы, когда захотите.\n"
        "• Кредиты не имеют денежной ценности и не выплачиваются.\n"
        "• Кубики бросает Telegram; результаты окончательны.\n\n"
        "В /privacy написано, что мы храним."
    ),
    "terms_button": "✅ Принимаю",
    "terms_needed": "Сначала примите условия: отправьте /start.",
    "welcome": "Готово! {bonus_line}Ваш баланс: <b>{balance}</b> кредитов.\nНажмите 🎲 Играть, чтобы начать дуэль.",
    "welcome_bonus_line": "Приветственный бонус: <b>+{bonus}</b> кредитов. ",
    "welcome_back": "С возвращением! Ваш баланс: <b>{balance}</b> кредитов.",
    "already_accepted": "Вы уже приняли условия.",
    "btn_play": "🎲 Играть",
    "btn_profile": "👤 Профиль",
    "btn_topup": "🔝 Пополнить",
    "btn_help": "❓ Помощь",
    "help": (
        "<b>Как устроен ludice</b>\n"
        "Выберите игру и ставку. Вас сведут с игроком, выбравшим ту же игру и ставку; если "
        "никто не ждёт, ваше лобби ждёт до {ttl_minutes} мин, затем ставка вернётся.\n"
        "Когда дуэль начинается, бот бросает кубик Telegram за каждого из вас. Наибольшее "
        "значение забирает банк{fee_part}. Ничья перебрасывается до {tie_rounds} раз; если "
        "ничья остаётся, банк делится поровну, а неделимый остаток уходит заведению.\n\n"
        "Ставки: {min_bet}–{max_bet} кредитов, целые числа.\n\n"
        "<b>Команды</b>\n"
        "/play [ставка]: играть в кубики (или выбрать игру)\n"
        "/dice N, /darts N: играть со ставкой N\n"
        "/leave: отозвать ожидающее лобби\n"
        "/profile: баланс и статистика\n"
        "/history: последние движения кредитов\n"
        "/topup: пополнить звёздами Telegram\n"
        "/bonus: получить ежедневный бонус\n"
        "/paysupport: помощь с платежами\n"
        "/top: ваши места в группах\n"
        "/privacy: что мы храним\n"
        "/help: эта справка\n\n"
        "<b>В вашей группе</b>\n"
        "Добавьте меня в группу, и пусть админ отправит /ludice on. Затем /duel 50 в группе "
        "открывает вызов, к которому может присоединиться любой (ответьте на чьё-то сообщение "
        "/duel 50, чтобы вызвать только этого человека); кубики бросаются в чате, а /top "
        "показывает рейтинг."
    ),
    "fee_part": " за вычетом комиссии {fee}%",
    "privacy": (
        "<b>Что хранит ludice</b>\n"
        "• Ваш Telegram id, имя пользователя, имя и язык, чтобы узнавать вас и говорить на "
        "вашем языке.\n"
        "• Когда вы приняли условия, и блокировку с причиной, если админ вас заблокирует.\n"
        "• Ваш баланс и каждое движение кредитов (ставки, выигрыши, возвраты, бонусы), чтобы "
        "учёт всегда сходился и споры можно было проверить.\n"
        "• Сыгранные игры и значения кубиков.\n"
        "• Для групп: id группы, название и настройки ludice (и какой админ их менял), а также "
        "сыгранные там игры, из которых складывается рейтинг.\n"
        "• Для пополнений звёздами: идентификатор платежа Telegram, пакет, кредиты и "
        "состояние возврата, чтобы зачислить каждый платёж ровно один раз и обработать "
        "возвраты.\n"
        "Мы ни с кем ничего не делимся. Сообщения боту сверх перечисленного не хранятся. "
        "Попросите админа удалить ваши данные."
    ),
    "choose_game": "Выберите игру:",
    "bet_prompt": (
        "{emoji} <b>{game}</b>. Играйте ради удовольствия, не отыгрывайтесь.\n"
        "Выберите ставку или введите сумму ({min_bet}–{max_bet}). Баланс: {balance}."
    ),
    "not_a_number": "Ставка — целое число кредитов, например 50.",
    "below_min": "Минимальная ставка — {limit} кредитов.",
    "above_max": "Максимальная ставка — {limit} кредитов.",
    "cannot_afford": "У вас {limit} кредитов, на эту ставку не хватает. /topup — пополнить.",
    "unknown_game": "Эта игра здесь недоступна.",
    "already_in_lobby": "Вы уже в лобби #{lobby_id}. Доиграйте или сначала /leave.",
    "banned": "Ваш аккаунт заблокирован: {reason}",
    "lobby_waiting": (
        "{emoji} Лобби #{lobby_id}: ставка {bet} кредитов. Ждём соперника…\n"
        "Истекает через {minutes} мин ({expires_at} UTC), затем ставка вернётся."
    ),
    "leave_button": "🚪 Выйти",
    "lobby_left": "Вы вышли из лобби #{lobby_id}. {bet} кредитов возвращены. Баланс: {balance}.",
    "lobby_left_other": "Лобби #{lobby_id} отозвано; ваши {bet} кредитов возвращены. Баланс: {balance}.",
    "no_lobby": "Вы не ждёте ни в одном лобби.",
    "unknown_lobby": "Такого лобби нет.",
    "not_your_lobby": "Это не ваше лобби.",
    "lobby_started": "Эта дуэль уже началась, выйти нельзя.",
    "lobby_closed": "Это лобби уже закрыто.",
    "not_creator": "Отозвать лобби может только тот, кто его открыл.",
    "lobby_expired": "⌛ Никто не присоединился к лобби #{lobby_id} вовремя. Ваши {bet} кредитов возвращены. Баланс: {balance}.",
    "lobby_cancelled": "Лобби #{lobby_id} отменено админом ({reason}). Ваши {bet} кредитов возвращены. Баланс: {balance}.",
    "lobby_called_off": "Дуэль #{lobby_id} отменена ({why}). Ваши {bet} кредитов возвращены. Баланс: {balance}.",
    "duel_start": "⚔️ Дуэль #{lobby_id}: {players}. Банк: {pot}. Бросаем… (ваш кубик первый)",
    "joined": "Соперник найден: лобби #{lobby_id}.",
    "duel_tie": "🤝 Ничья: {rolls}. Перебрасывают {tied} (раунд {round})…",
    "duel_result_win": "🏆 {rolls}\nВы выиграли <b>{payout}</b> (банк {pot}{fee_note}). Баланс: <b>{balance}</b>.",
    "duel_result_loss": "{rolls}\n{winners} забирает банк {pot}. Вы проиграли {loss}. Баланс: <b>{balance}</b>.",
    "duel_result_split": "🤝 {rolls}\nСнова ничья: банк {pot} делится, вам {payout}{fee_note}. Баланс: <b>{balance}</b>.",
    "fee_note": ", комиссия {fee}",
    "profile": (
        "👤 <b>{name}</b>\nБаланс: <b>{balance}</b> кредитов\n"
        "Игр: {games} · побед {wins} · поражений {losses} · ничьих {draws}\n"
        "Доля побед: {win_rate}% · итог: {net:+d}"
    ),
    "history_title": "<b>Последние движения кредитов</b>",
    "history_empty": "Движений кредитов пока нет.",
    "h_welcome": "Приветственный бонус",
    "h_daily": "Ежедневный бонус",
    "h_stake": "Ставка, лобби {ref}",
    "h_refund": "Возврат, лобби {ref}",
    "h_payout": "Выигрыш, дуэль {ref}",
    "h_adjust": "Корректировка админом",
    "h_topup": "Пополнение звёздами",
    "h_other": "{kind}",
    "throttled": "Не так быстро: одно действие в секунду, пожалуйста.",
    "error_apology": "Извините, у нас что-то пошло не так. Попробуйте ещё раз чуть позже.",
    "stale_button": "Эта кнопка больше не действует.",
    "unknown_text": "Не понял. Воспользуйтесь меню ниже или /help.",
    "cmd_start": "Начать и принять условия",
    "cmd_play": "Сыграть дуэль",
    "cmd_profile": "Баланс и статистика",
    "cmd_topup": "Получить кредиты",
    "cmd_help": "Правила и команды",
    "cmd_leave": "Отозвать ожидающее лобби",
    "cmd_history": "Последние движения кредитов",
    "cmd_privacy": "Что мы храним",
    "game_dice": "Кубики",
    "game_darts": "Дартс",
    "game_bowling": "Боулинг",
    "game_basketball": "Баскетбол",
    "game_football": "Футбол",
}

# Feature catalogs live beside the feature; merged here so lookups stay in one place.
for feature in (texts_payments, texts_group, texts_status):
    EN.update(feature.EN)
    RU.update(feature.RU)
CATALOGS = {"en": EN, "ru": RU}


def language(code: str | None) -> str:
    return "ru" if code and code.lower().startswith("ru") else "en"


def t(lang: str, key: str, **params: Any) -> str:
    catalog = CATALOGS.get(lang, EN)
    return catalog.get(key, EN[key]).format(**params)


def button_texts(key: str) -> set[str]:
    return {catalog[key] for catalog in CATALOGS.values()}


def game_title(lang: str, game: str) -> str:
    return t(lang, f"game_{game}")


def _rolls(rolls: list[list]) -> str:
    return " vs ".join(f"{escape(str(name))} {value}" for name, value in rolls)


def _why(lang: str, params: dict[str, Any]) -> str:
    """A reason code (play_off, bot_removed, ...) in words; anything else as it was typed."""
    code = f"why_{params.get('reason')}"
    return t(lang, code) if code in EN else escape(str(params.get("reason", "")))


def render_outbox(lang: str, key: str, params: dict[str, Any]) -> str:
    """Messages written by the domain into the outbox, rendered at send time."""
    if key in ("duel_result", "duel_tie"):
        emoji = GAMES[params["game"]].emoji
        rolls = f"{emoji} {_rolls(params['rolls'])}"
        if key == "duel_tie":
            return t(lang, "duel_tie", rolls=rolls, round=params["round"],
                     tied=", ".join(escape(n) for n in params["tied"]))
        fee_note = t(lang, "fee_note", fee=params["fee"]) if params["fee"] else ""
        common = dict(rolls=rolls, pot=params["pot"], fee_note=fee_note,
                      balance=params["balance"], payout=params["payout"])
        if params["split"]:
            return t(lang, "duel_result_split", **common)
        if params["payout"] > 0:
            return t(lang, "duel_result_win", **common)
        return t(lang, "duel_result_loss", winners=", ".join(escape(w) for w in params["winners"]),
                 loss=-params["net"], **common)
    if key == "group_finished_privately":
        return _finished_privately(lang, params)
    safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
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
