"""Russian: every text the bot says. A language is one file in this folder, named by its
Telegram language code; README's "Adding a language" says what it holds."""
# ruff: noqa: E501  (one text per line reads better than wrapped fragments)

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


TEXTS: dict[str, str] = {
    # -- Accounts, private play and the menu -------------------------------------------------------
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
    "welcome": "Готово! {bonus_line}Ваш баланс: <b>{balance}</b> {balance:plural:кредит|кредита|кредитов}.\nНажмите 🎲 Играть, чтобы начать дуэль.",
    "welcome_bonus_line": "Приветственный бонус: <b>+{bonus}</b> {bonus:plural:кредит|кредита|кредитов}. ",
    "welcome_back": "С возвращением! Ваш баланс: <b>{balance}</b> {balance:plural:кредит|кредита|кредитов}.",
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
        "значение забирает банк{fee_part}. Ничья перебрасывается до {tie_rounds} {tie_rounds:plural:раза|раз|раз}; если "
        "ничья остаётся, банк делится поровну, а неделимый остаток уходит заведению.\n\n"
        "Ставки: {min_bet}–{max_bet} {max_bet:plural:кредит|кредита|кредитов}, целые числа.\n\n"
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
    "bet_prompt": "{emoji} <b>{game}</b>. Играйте ради удовольствия, не отыгрывайтесь.\nВыберите ставку или введите сумму ({min_bet}–{max_bet}). Баланс: {balance}.",
    "not_a_number": "Ставка — целое число кредитов, например 50.",
    "below_min": "Минимальная ставка — {limit} {limit:plural:кредит|кредита|кредитов}.",
    "above_max": "Максимальная ставка — {limit} {limit:plural:кредит|кредита|кредитов}.",
    "cannot_afford": "У вас {limit} {limit:plural:кредит|кредита|кредитов}, на эту ставку не хватает. /topup — пополнить.",
    "unknown_game": "Эта игра здесь недоступна.",
    "already_in_lobby": "Вы уже в лобби #{lobby_id}. Доиграйте или сначала /leave.",
    "banned": "Ваш аккаунт заблокирован: {reason}",
    "lobby_waiting": "{emoji} Лобби #{lobby_id}: ставка {bet} {bet:plural:кредит|кредита|кредитов}. Ждём соперника…\nИстекает через {minutes} мин ({expires_at} UTC), затем ставка вернётся.",
    "leave_button": "🚪 Выйти",
    "lobby_left": "Вы вышли из лобби #{lobby_id}, ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "lobby_left_other": "Лобби #{lobby_id} отозвано; ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "no_lobby": "Вы не ждёте ни в одном лобби.",
    "unknown_lobby": "Такого лобби нет.",
    "not_your_lobby": "Это не ваше лобби.",
    "lobby_started": "Эта дуэль уже началась, выйти нельзя.",
    "lobby_closed": "Это лобби уже закрыто.",
    "not_creator": "Отозвать лобби может только тот, кто его открыл.",
    "lobby_expired": "⌛ Никто не присоединился к лобби #{lobby_id} вовремя. Ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "lobby_cancelled": "Лобби #{lobby_id} отменено админом ({reason}). Ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "lobby_called_off": "Дуэль #{lobby_id} отменена ({why}). Ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "duel_start": "⚔️ Дуэль #{lobby_id}: {players}. Банк: {pot}. Бросаем… (ваш кубик первый)",
    "joined": "Соперник найден: лобби #{lobby_id}.",
    "duel_tie": "🤝 Ничья: {rolls}. Перебрасывают {tied} (раунд {round})…",
    "duel_result_win": "🏆 {rolls}\nВы выиграли <b>{payout}</b> (банк {pot}{fee_note}). Баланс: <b>{balance}</b>.",
    "duel_result_loss": "{rolls}\n{winners} забирает банк {pot}. Вы проиграли {loss}. Баланс: <b>{balance}</b>.",
    "duel_result_split": "🤝 {rolls}\nСнова ничья: банк {pot} делится, вам {payout}{fee_note}. Баланс: <b>{balance}</b>.",
    "fee_note": ", комиссия {fee}",
    "profile": "👤 <b>{name}</b>\nБаланс: <b>{balance}</b> {balance:plural:кредит|кредита|кредитов}\nИгр: {games} · побед {wins} · поражений {losses} · ничьих {draws}\nДоля побед: {win_rate}% · итог: {net:+d}",
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
    # -- Top-ups, the daily bonus and /paysupport --------------------------------------------------
    "topups_off": "Пополнение звёздами Telegram в этом сообществе выключено. Бесплатные кредиты: /bonus раз в день.",
    "topup_menu": "🔝 <b>Пополнение звёздами Telegram</b>\n1 ⭐ = {rate} {rate:plural:кредит|кредита|кредитов}. Кредиты только для игры: они не имеют денежной ценности и не выплачиваются.\nВыберите пакет:",
    "pack_button": "⭐ {stars} → {credits}",
    "invoice_title": "{credits} {credits:plural:кредит|кредита|кредитов} ludice",
    "invoice_description": "{credits} {credits:plural:кредит|кредита|кредитов} для дуэлей на кубиках. Цена: {stars} {stars:plural:звезда|звезды|звёзд} Telegram. Кредиты не имеют денежной ценности и не выплачиваются.",
    "invoice_label": "{credits} {credits:plural:кредит|кредита|кредитов}",
    "bad_invoice": "Этот счёт больше не действует. Откройте /topup и выберите пакет заново.",
    "not_your_invoice": "Этот счёт выставлен другому игроку. Откройте /topup, чтобы получить свой.",
    "unknown_pack": "Этот пакет больше не предлагается. Откройте /topup, чтобы увидеть текущие.",
    "topup_cap": "Вы достигли дневного лимита: {cap} {cap:plural:пополнение|пополнения|пополнений}. Попробуйте завтра.",
    "payment_rate_limited": "Слишком много платёжных действий; подождите минуту.",
    "topup_receipt": "✅ Платёж получен: {stars} ⭐ → <b>{credits}</b> {credits:plural:кредит|кредита|кредитов}.\nБаланс: <b>{balance}</b>.\nНомер чека: <code>{charge_id}</code> (сохраните для /paysupport).",
    "bonus_button": "🎁 Ежедневный бонус",
    "bonus_granted": "🎁 Ежедневный бонус получен! Баланс: <b>{balance}</b>.",
    "bonus_not_due": "Следующий бонус будет через {hours} ч {minutes} мин ({at} UTC).",
    "bonus_off": "В этом сообществе нет ежедневного бонуса.",
    "paysupport": "<b>Поддержка платежей</b>\nЕсли с платежом что-то не так, напишите админам сообщества и укажите номер чека. Кредиты, купленные за звёзды, только для игры; админ может вернуть платёж, кредиты которого у вас ещё есть.\n<b>Ваши последние платежи</b>:",
    "paysupport_line": "{date}  {stars} ⭐ → {credits}  {status}  <code>{charge_id}</code>",
    "paysupport_none": "Платежей пока нет.",
    "payment_credited": "зачислен",
    "payment_refund_pending": "возврат в процессе",
    "payment_refunded": "возвращён",
    "cmd_bonus": "Получить ежедневный бонус",
    "h_topup_refund": "Возврат платежа звёздами",
    "h_topup_refund_undo": "Возврат платежа звёздами отменён",
    "cmd_paysupport": "Помощь с платежами",
    # -- Group play, and private notices about group lobbies ---------------------------------------
    "group_intro": "👋 Привет, я ludice: дуэли на кубиках за кредиты прямо в этом чате, ставки надёжно хранятся, пока решают кубики.\nЯ молчу, пока админ группы не включит игру командой /ludice on. Настройки: /ludice.",
    "group_off_status": "ludice в этой группе выключен. Админ группы может включить его: /ludice on.",
    "group_on": "✅ Игра включена! Бросьте вызов чату: /duel 50 (или /duel 50 🎯 для другой игры), или ответьте на чьё-то сообщение /duel 50, чтобы вызвать только этого человека. Рейтинг: /top.",
    "group_off_done": "Игра выключена. Возвращено открытых вызовов: {count}. Начатые дуэли доиграются как обычно.",
    "group_settings": "⚙️ <b>ludice в {title}</b>: игра {state}\nИгры: {games}\nСтавки: {min_bet}–{max_bet} {max_bet:plural:кредит|кредита|кредитов}\nРазмер лобби: {seats} {seats:plural:игрок|игрока|игроков}\nРежим: {mode}\nТема: {topic}\nЯзык: {language}\n\n<i>Админам:</i> /ludice on|off · games 🎲 🎯 …|all · bets МИН МАКС|default · seats 2–6 · throw on|off · turn СЕКУНДЫ · topic [off] · lang en|ru",
    "state_on": "<b>включена</b>",
    "state_off": "<b>выключена</b>",
    "mode_bot": "бот бросает за всех",
    "mode_throw": "игроки бросают сами, {turn} с на раунд",
    "topic_any": "любая",
    "topic_general": "General",
    "topic_id": "тема #{topic}",
    "setting_saved": "✅ Сохранено.",
    "admins_only": "Менять настройки ludice могут только админы группы.",
    "bad_seats": "Размер лобби — число от 2 до 6.",
    "bad_switch": "Укажите on или off.",
    "bad_turn": "Время хода — от 10 до 600 секунд.",
    "not_a_forum": "В этой группе нет тем.",
    "bad_lang": "Языки: en, ru.",
    "bad_games": "Назовите игры эмодзи или именем: 🎲 dice, 🎯 darts, 🎳 bowling, 🏀 basketball, ⚽ football (или all).",
    "bad_bets": "Укажите наименьшую и наибольшую ставку в пределах {min_bet}–{max_bet}, например /ludice bets 10 500 (или /ludice bets default).",
    "unknown_group_setting": "Неизвестная настройка. Отправьте /ludice, чтобы их увидеть.",
    "group_unknown": "Сначала включите игру: /ludice on.",
    "throw_needs_messages": "Важно: чтобы видеть ваши кубики, мне нужно читать все сообщения: сделайте меня админом или выключите мой режим приватности в @BotFather.",
    "duel_usage": "Вызов со ставкой: /duel 50, или /duel 50 🎯 для другой игры. Ответьте на чьё-то сообщение /duel 50, чтобы вызвать только этого человека.",
    "group_terms": "{name}, сначала примите условия в личном чате со мной, потом возвращайтесь.",
    "group_terms_button": "🔐 Открыть ludice",
    "group_wrong_topic": "Я играю в другой теме этой группы.",
    "game_not_allowed": "Эта игра здесь выключена. Игры в группе: {games}",
    "challenge_self": "Нельзя вызвать самого себя.",
    "challenge_bot": "Боты не играют.",
    "already_joined": "Вы уже в этом вызове.",
    "not_for_you": "Этот вызов только для {name}.",
    "not_creator_start": "Начать вызов может только тот, кто его открыл.",
    "need_two": "Чтобы начать, нужны хотя бы два игрока.",
    "no_rematch": "Реванш — только после завершённой игры.",
    "group_off": "Игра в этой группе выключена.",
    "card_head": "{emoji} <b>{game}: вызов #{lobby_id}</b> · ставка <b>{bet}</b>",
    "card_open_call": "{creator} ищет соперников.",
    "card_direct_call": "{creator} вызывает {target}.",
    "card_players": "Игроки ({count}/{seats}): {players}",
    "card_seats": "Свободных мест: {left} · истекает в {expires_at} UTC",
    "card_rolling": "Игроки: {players}\n⚔️ Идёт игра: кубики ниже.",
    "card_rolling_throw": "Игроки: {players}\n⚔️ Идёт игра: бросайте свои {emoji} ниже.",
    "card_settled": "Игроки: {players}\n🏁 Завершено: результат ниже.",
    "card_expired": "⌛ Истёк, не набрав игроков; ставки возвращены.",
    "card_left": "🚫 Отозван игроком {creator}; ставки возвращены.",
    "card_cancelled": "🚫 Отменён админом ({reason}); ставки возвращены.",
    "card_closed": "🚫 Отменён ({why}); ставки возвращены.",
    "btn_join": "✅ Участвовать",
    "btn_cancel": "✖️ Отменить",
    "btn_start": "▶️ Начать",
    "btn_rematch": "🔁 Реванш",
    "btn_join_private": "✅ Вступить в вызов #{lobby_id}",
    "joined_toast": "Вы в игре! Удачи.",
    "withdrawn_toast": "Вызов отозван; ставка возвращена.",
    "started_toast": "Начали!",
    "group_roll_round": "{emoji} Вызов #{lobby_id}, раунд {round}: бросаем за {players}, в этом порядке.",
    "tie_prefix": "🤝 Ничья ({rolls}). ",
    "group_turn": "{tie}{emoji} Вызов #{lobby_id}, раунд {round}: {players}, бросайте {emoji}! У вас {seconds} с (до {until} UTC). Пересланные кубики не считаются.",
    "group_result_win": "{emoji} Вызов #{lobby_id}: {rolls}{missing}\n🏆 <b>{winner}</b> выигрывает <b>{each}</b> (банк {pot}{fee_note}).",
    "group_result_split": "{emoji} Вызов #{lobby_id}: {rolls}{missing}\n🤝 Снова ничья: {winners} делят банк {pot}, по {each}{fee_note}.",
    "group_missing": "\n⌛ Не бросили: {names}",
    "group_no_rolls": "никто не бросил",
    "group_no_throws": "⌛ Никто не бросил вовремя: вызов #{lobby_id} отменён, все ставки возвращены.",
    "group_cancelled": "🚫 Вызов #{lobby_id} отменён админом ({reason}); все ставки возвращены.",
    "group_lobby_expired": "⌛ Вызов #{lobby_id} в {group} истёк, не набрав игроков. Ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "group_lobby_left": "Вызов #{lobby_id} в {group} отозван создателем; ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "group_lobby_cancelled": "Вызов #{lobby_id} в {group} отменён админом ({reason}). Ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "group_lobby_closed": "Вызов #{lobby_id} в {group} отменён ({why}). Ваша ставка {bet} {bet:plural:кредит|кредита|кредитов} возвращена. Баланс: {balance}.",
    "why_play_off": "игру в группе выключили",
    "why_bot_removed": "бота удалили из группы",
    "why_no_throws": "никто не бросил вовремя",
    "why_unreachable": "бот больше не может туда писать",
    "why_moved": "группа стала супергруппой; бросьте вызов заново",
    "why_telegram_error": "Telegram дал сбой во время броска, и нельзя точно сказать, какой кубик считается",
    "group_called_off": "⚠️ Вызов #{lobby_id} отменён: Telegram дал сбой во время броска, и нельзя точно сказать, какой кубик считается. Все ставки возвращены.",
    "why_interrupted": "бот остановился во время броска, и нельзя точно сказать, какой кубик считается",
    "group_interrupted": "⚠️ Вызов #{lobby_id} отменён: бот остановился во время броска, и нельзя точно сказать, какой кубик считается. Все ставки возвращены.",
    "group_relayed": "📣 Из <b>{group}</b> (бот не смог написать это туда):",
    "group_finished_privately": "{emoji} Вызов #{lobby_id} в {group} не удалось доиграть в группе ({why}). Уже брошенные кубики остаются в силе, недостающие честно бросил сервер ludice.",
    "round_line": "Раунд {round}: {rolls}",
    "members_only": "Вступать в вызовы группы могут только её участники.",
    "group_back": "Теперь вернитесь в группу и отправьте вызов ещё раз.",
    "private_join_offer": "{emoji} Вызов #{lobby_id} в <b>{group}</b>: {game}, ставка <b>{bet}</b>, свободных мест: {left}. Вступить?",
    "private_joined": "✅ Вы вступили в вызов #{lobby_id} в {group}. Удачи!",
    "throw_forwarded": "{name}, пересланные кубики не считаются: бросьте свой {emoji}.",
    "throw_via_bot": "{name}, кубики через бота не считаются: бросьте свой {emoji}.",
    "throw_wrong_emoji": "{name}, в этом раунде играем {emoji}.",
    "throw_wrong_topic": "{name}, бросайте в теме вызова.",
    "throw_not_your_round": "{name}, в этом раунде бросают только игроки с ничьей.",
    "throw_twice": "{name}, в раунде считается только первый бросок.",
    "throw_late": "{name}, поздно: время раунда вышло.",
    "top_title": "🏆 <b>Рейтинг: {title}</b>",
    "top_week": "<b>Эта неделя</b>",
    "top_all": "<b>За всё время</b>",
    "top_by_net": "По выигрышу: {ranking}",
    "top_by_wins": "По победам: {ranking}",
    "top_none": "завершённых игр пока нет",
    "top_private_title": "🏆 <b>Ваши места в группах</b> (за всё время)",
    "top_private_line": "{title}: #{net_rank} из {players} по выигрышу ({net:+d}), #{wins_rank} по победам ({wins} из {games} {games:plural:игры|игр|игр})",
    "top_private_none": "Вы ещё не доиграли ни одной игры в группе. Добавьте меня в свою группу и бросьте вызов: /duel 50.",
    "group_help": (
        "<b>ludice в этой группе</b>\n"
        "/duel СТАВКА [игра]: открыть вызов; ответом на сообщение — вызвать только этого человека\n"
        "/top: рейтинг\n/ludice: настройки (меняют админы)\n\n"
        "Игры: {games} · ставки {min_bet}–{max_bet} · до {seats} {seats:plural:игрока|игроков|игроков} · {mode}.\n"
        "Наибольшее значение забирает банк{fee_part}; ничья перебрасывается до {tie_rounds} {tie_rounds:plural:раза|раз|раз}, "
        "затем банк делится, а неделимый остаток уходит заведению."
    ),
    "cmd_top": "Рейтинги",
    "cmd_duel": "Вызов чату: /duel 50",
    "cmd_ludice": "Настройки группы (админы)",
}
