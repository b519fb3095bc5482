"""Catalog entries for /status, the admins' view of `ludice status` (merged into
texts.CATALOGS). Figures stand after a label, never before a noun: no plural forms needed."""

EN: dict[str, str] = {
    "status_ok": "✅ <b>ludice is healthy</b>",
    "status_problems": "⚠️ <b>ludice needs attention</b>\n{problems}",
    "status_body": (
        "Bot: pid {pid}, version {version}, up {uptime}\n"
        "API server: {api}\n"
        "Last update: {last_update}\n"
        "Updates in the last hour: {updates}\n"
        "Errors in the last hour: {errors}\n"
        "Outbox waiting: {outbox}; oldest: {outbox_age}\n"
        "Refunds pending: {refunds}\n"
        "Lobbies open: {open}; rolling: {rolling}\n"
        "Last backup: {backup}\n"
        "Last audit: {audit}"
    ),
    "status_never": "never",
    "status_none": "—",
    "status_ago": "{age} ago",
    "status_update": "#{id}, {age} ago",
    "status_audit_ok": "clean, {age} ago",
    "status_audit_bad": "{count} problem(s), {age} ago: {first}",
    "status_backup_failed": "failed: {error}",
    "status_d": "{n} d",
    "status_h": "{n} h",
    "status_m": "{n} min",
    "status_s": "{n} s",
}

RU: dict[str, str] = {
    "status_ok": "✅ <b>ludice в порядке</b>",
    "status_problems": "⚠️ <b>ludice требует внимания</b>\n{problems}",
    "status_body": (
        "Бот: pid {pid}, версия {version}, работает {uptime}\n"
        "Сервер API: {api}\n"
        "Последнее обновление: {last_update}\n"
        "Обновлений за последний час: {updates}\n"
        "Ошибок за последний час: {errors}\n"
        "В очереди отправки: {outbox}; самое старое: {outbox_age}\n"
        "Возвратов в ожидании: {refunds}\n"
        "Лобби открыто: {open}; в игре: {rolling}\n"
        "Последняя копия: {backup}\n"
        "Последняя сверка: {audit}"
    ),
    "status_never": "ещё не было",
    "status_none": "—",
    "status_ago": "{age} назад",
    "status_update": "#{id}, {age} назад",
    "status_audit_ok": "без нарушений, {age} назад",
    "status_audit_bad": "нарушений: {count}, {age} назад: {first}",
    "status_backup_failed": "не удалась: {error}",
    "status_d": "{n} д",
    "status_h": "{n} ч",
    "status_m": "{n} мин",
    "status_s": "{n} с",
}
