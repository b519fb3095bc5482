"""A Telegram Bot API emulator: the bot talks to it over HTTP as to api.telegram.org, people
act in it (from tests or a page), and everything that happens is observable.

Serving
    em = Emulator(token="123456:TEST", bot_username="ludice_test_bot", rate_limits=False,
                  initial_stars=1000, keep=None)
                                     keep=N: remember only (about) the latest N calls and
                                     pushed updates and N messages per chat (long runs)
    await em.start(host="127.0.0.1", port=0) -> base_url   standalone on a free port
    await em.stop()                  (or `async with Emulator() as em:`)
    em.mount(app)                    serve /bot{token}/{method} from your aiohttp app; set
                                     em.base_url yourself. Point the bot at base_url
                                     (aiogram: TelegramAPIServer.from_base(base_url)).
    await em.call(method, params)    answer one call without HTTP (the JSON body)

Everything runs in the one asyncio loop that serves HTTP: call the emulator only from that
loop (nothing is thread-safe, and nothing needs to be).

The world (read freely; Bot API JSON; change it only through the methods below)
    em.bot_user, em.users {id: User}, em.groups {chat id: info}, em.chat(chat_id) -> Chat
    em.messages {(chat id, message id): Message}   the current messages (edits applied,
                                                  deleted ones gone), users' and the bot's
    em.chat_messages(chat_id) -> [Message]        a copy, oldest first
    em.skip_message_ids(chat_id, up_to)           number new messages after up_to (a world
                                                  rebuilt for a bot that remembers old ids)
    em.members(chat_id) -> {user id: status}, em.in_chat(chat_id, user_id)
    em.started {user ids}  who wrote to the bot in private: the bot may write only to them
                           (others answer 403 "bot can't initiate conversation")
    em.stars(user_id) -> balance, em.bank.transactions, em.refunded {charge ids}
    em.calls [Call(method, params, at, answered_error, description)]
    em.sent(chat_id=None, method=None) -> [Call] (successful), em.texts(chat_id) -> [str]
    em.rate_limits (bool, settable), em.privacy_mode (bool), em.clock (callable -> seconds)

Events: unsubscribe = em.subscribe(listener); listener(event) is called in the loop with a
fresh plain-JSON dict for each of:
    {"type": "message", "chat_id", "message", "html"}   a new message, anyone's; "html":
                                                     its text/caption as safe markup
                                                     (to_html), or None
    {"type": "edited", "chat_id", "message", "html"}    the message as it is now
    {"type": "deleted", "chat_id", "message_id"}
    {"type": "call", "method", "params", "ok", "error"}   every Bot API call the bot made
    {"type": "callback_answer", "user_id", "chat_id", "message_id", "callback_query_id",
     "text", "show_alert", "url"}                    the bot answered a button press
    {"type": "stars", "user_id", "balance", "change", "reason"}   payment/refund/top-up
    {"type": "invoice", "user_id", "chat_id", "message_id", "status", ...}
                                                     paid (charge_id) / refused
                                                     (error_message) / timeout
    {"type": "user", "user"}, {"type": "chat", "chat", ...},
    {"type": "member", "chat_id", "user_id", "status"}, {"type": "rate_limits", "enabled"}
A listener that raises is logged and unsubscribed; the emulator carries on.

People acting, checked as a Telegram client would (ActionError: refused, nothing changed)
    add_user(first_name, language_code="en", username=None, stars=None) -> User
    create_group(title, members, admins=(), forum=False, kind="supergroup", add_bot=True,
                 bot_admin=False) -> chat_id
    join_group(chat_id, user_id, by=None) -> Message;  chats_of(user_id) -> [Chat]
    create_topic(user_id, chat_id, name) -> message_thread_id   (forum groups)
    remove_from_group(admin_id, chat_id, user_id)      (the bot too: it gets my_chat_member)
    say(user_id, chat_id, text, reply_to=None, thread_id=None) -> Message
    throw(user_id, chat_id, emoji="🎲", thread_id=None) -> Message  (value from secrets)
    forward(user_id, from_chat_id, message_id, to_chat_id) -> Message (forward_origin set;
                                                     refused for protected content)
    press_button(user_id, chat_id, message_id, data, forged=False) -> callback query id
    await pay(user_id, chat_id, message_id, timeout=10) -> Outcome(status, charge_id,
                                                     error_message)
    open_link(user_id, "https://t.me/<bot>?start=PAYLOAD") -> Message ("/start PAYLOAD")
    block(user_id, blocked=True), give_stars(user_id, amount) -> balance
Group messages reach the bot as privacy mode decides (everything if the bot is an admin).

Scripting (tests): updates delivered as given, no checks
    user(id, first_name=None, username=None, language_code="en") -> User
    group(chat_id, title, forum=False, kind="supergroup"), set_member(chat_id, user_id,
    status, is_member=True), bot_status(chat_id, new, by=, old=None), migrate(old, new, by=)
    send_text(user_id, text, chat_id=None, chat_type="private", reply_to=None,
              message_thread_id=None, anonymous=False) -> update
    send_dice(user_id, emoji="🎲", value=None, chat_id=None, forwarded=False, via_bot=False,
              message_thread_id=None) -> update
    press(user_id, data, message_id=, chat_id=None) -> update (any data, even forged)
    pre_checkout(user_id, payload, total_amount), successful_payment(user_id, payload,
              total_amount, charge_id) -> update;  push_raw(update);  delivered() -> bool
    script_dice(*values)                    the next sendDice values
    fail_next(method, error_code=429, retry_after=1, description=None, times=1)
    set_response(method, value_or_callable), handler(method) -> callable or None
"""

from ludice.playground.emulator.invoices import Outcome
from ludice.playground.emulator.messages import DICE_RANGES
from ludice.playground.emulator.render import to_html
from ludice.playground.emulator.server import Emulator
from ludice.playground.emulator.wire import ActionError, ApiError, Call

__all__ = ["DICE_RANGES", "ActionError", "ApiError", "Call", "Emulator", "Outcome", "to_html"]
