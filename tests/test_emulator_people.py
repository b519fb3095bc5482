"""People acting in the emulator as a page lets them (checked like a Telegram client checks),
the events a page watches, and Telegram Stars from invoice to refund. The bot's side is played
through `Emulator.call`, the same entry HTTP requests come to."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from ludice import stars
from ludice.playground.emulator import ActionError, Emulator


@pytest_asyncio.fixture
async def em() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


async def api(em: Emulator, method: str, **params: Any) -> Any:
    answer = await em.call(method, params)
    assert answer["ok"], answer
    return answer["result"]


async def test_people_groups_and_what_the_bot_gets_to_see(em: Emulator) -> None:
    alice = em.add_user("Alice")["id"]
    boris = em.add_user("Борис", language_code="ru", username="boris_b")["id"]
    with pytest.raises(ActionError, match="taken"):
        em.add_user("Other", username="Boris_B")
    with pytest.raises(ActionError, match="1 to 64"):
        em.add_user("   ")
    club = em.create_group("Dice Club", [alice, boris], admins=(alice,))
    assert em.members(club) == {alice: "creator", boris: "member",
                                em.bot_user["id"]: "member"}
    added = em.pushed[-1]["my_chat_member"]
    assert added["from"]["id"] == alice and added["new_chat_member"]["status"] == "member"
    member = await api(em, "getChatMember", chat_id=club, user_id=boris)
    stranger = em.add_user("Carol")["id"]
    assert member["status"] == "member"
    assert (await api(em, "getChatMember", chat_id=club, user_id=stranger))["status"] == "left"
    assert [c["id"] for c in em.chats_of(boris)] == [boris, club]
    with pytest.raises(ActionError, match="not one of this person's chats"):
        em.say(stranger, club, "let me in")
    with pytest.raises(ActionError, match="not one of this person's chats"):
        em.say(alice, boris, "reading Boris's private chat")
    # privacy mode: the bot gets commands and replies to it, not the chatter
    seen = len(em.pushed)
    em.say(boris, club, "hello all")
    command = em.say(boris, club, "/duel 30")
    bot_post = await api(em, "sendMessage", chat_id=club, text="card")
    em.say(alice, club, "me!", reply_to=bot_post["message_id"])
    em.throw(alice, club, "🎯")
    texts = [u["message"].get("text") for u in em.pushed[seen:]]
    assert texts == ["/duel 30", "me!"]
    assert command["entities"][0]["type"] == "bot_command"
    em.set_member(club, em.bot_user["id"], "administrator")
    em.throw(alice, club, "🎯")
    assert em.pushed[-1]["message"]["dice"]["emoji"] == "🎯"
    assert [m["message_id"] for m in em.chat_messages(club)] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ActionError, match="dice are"):
        em.throw(alice, club, "🃏")
    with pytest.raises(ActionError, match="only forum groups have topics"):
        em.say(alice, club, "in a topic", thread_id=2)


async def test_buttons_forwards_and_deep_links(em: Emulator) -> None:
    alice, bob = em.add_user("Alice")["id"], em.add_user("Bob")["id"]
    markup = {"inline_keyboard": [[{"text": "Join", "callback_data": "gj:1"}]]}
    never_wrote = await em.call("sendMessage", {"chat_id": alice, "text": "card"})
    assert never_wrote["description"] == "Forbidden: bot can't initiate conversation with a user"
    em.say(alice, alice, "/start")
    card = await api(em, "sendMessage", chat_id=alice, text="card", reply_markup=markup)
    query_id = em.press_button(alice, alice, card["message_id"], "gj:1")
    assert em.pushed[-1]["callback_query"]["id"] == query_id
    for args, reason in (((alice, alice, 99, "gj:1"), "does not exist"),
                         ((alice, alice, card["message_id"], "gj:2"), "no such button"),
                         ((bob, alice, card["message_id"], "gj:1"), "not one of this"),
                         ((alice, alice, card["message_id"], "x" * 65), "1-64 bytes")):
        with pytest.raises(ActionError, match=reason):
            em.press_button(*args)
    em.press_button(alice, alice, card["message_id"], "gj:2", forged=True)
    assert em.pushed[-1]["callback_query"]["data"] == "gj:2"  # for the bot to refuse
    die = await api(em, "sendDice", chat_id=alice, protect_content=True)
    with pytest.raises(ActionError, match="restricted"):
        em.forward(alice, alice, die["message_id"], alice)
    own = em.throw(alice, alice)
    forwarded = em.forward(alice, alice, own["message_id"], alice)
    assert forwarded["forward_origin"] == {"type": "user", "sender_user": em.users[alice],
                                           "date": own["date"]}
    assert forwarded["dice"] == own["dice"] and em.pushed[-1]["message"] == forwarded
    start = em.open_link(bob, "https://t.me/ludice_test_bot?start=g7")
    assert start["chat"]["id"] == bob and start["text"] == "/start g7"
    assert em.open_link(bob, "tg://resolve?domain=ludice_test_bot")["text"] == "/start"
    for url, reason in (("https://t.me/other_bot?start=1", "one bot"),
                        ("https://evil.example/ludice_test_bot", "only t.me links"),
                        ("https://t.me/ludice_test_bot?start=no%20spaces", "start parameter")):
        with pytest.raises(ActionError, match=reason):
            em.open_link(bob, url)


async def test_the_event_stream(em: Emulator) -> None:
    events: list[dict[str, Any]] = []
    unsubscribe = em.subscribe(events.append)
    broken = []
    em.subscribe(lambda event: broken.append(1 / 0))  # dropped, the others carry on
    alice = em.add_user("Alice")["id"]
    em.say(alice, alice, "hi")
    sent = await api(em, "sendMessage", chat_id=alice, text="<b>Hi</b> &lt;you&gt;",
                     parse_mode="HTML")
    await api(em, "editMessageText", chat_id=alice, message_id=sent["message_id"], text="bye")
    await api(em, "deleteMessage", chat_id=alice, message_id=sent["message_id"])
    kinds = [e["type"] for e in events]
    assert kinds == ["user", "message", "message", "call", "edited", "call", "deleted", "call"]
    assert events[2]["html"] == "<b>Hi</b> &lt;you&gt;" and events[2]["message"]["text"] == (
        "Hi <you>")
    assert events[3] == {"type": "call", "method": "sendMessage", "ok": True, "error": None,
                         "params": {"chat_id": alice, "text": "<b>Hi</b> &lt;you&gt;",
                                    "parse_mode": "HTML"}}
    assert events[6] == {"type": "deleted", "chat_id": alice, "message_id": 2}
    json.dumps(events)
    events[1]["message"]["text"] = "tampered"
    assert em.messages[(alice, 1)]["text"] == "hi"
    failed = await em.call("sendMessage", {"chat_id": alice, "text": ""})
    assert failed["description"] == "Bad Request: message text is empty"
    assert events[-1]["ok"] is False and events[-1]["error"] == failed["description"]
    assert broken == []
    unsubscribe()
    em.say(alice, alice, "unheard")
    assert events[-1]["type"] == "call"


async def _invoice(em: Emulator, user_id: int, stars_asked: int) -> int:
    sent = await api(em, "sendInvoice", chat_id=user_id, title="Chips", description="d",
                     payload=f"buy:{user_id}", currency="XTR",
                     prices=[{"label": "Chips", "amount": stars_asked}])
    return sent["message_id"]


async def _answer_checkout(em: Emulator, **answer: Any) -> None:
    while not em.pushed or "pre_checkout_query" not in em.pushed[-1]:
        await asyncio.sleep(0)
    query = em.pushed[-1]["pre_checkout_query"]
    await api(em, "answerPreCheckoutQuery", pre_checkout_query_id=query["id"], **answer)


async def test_paying_an_invoice_with_stars_and_a_refund(em: Emulator) -> None:
    events: list[dict[str, Any]] = []
    em.subscribe(lambda e: events.append(e) if e["type"] in ("stars", "invoice") else None)
    alice = em.add_user("Alice", stars=100)["id"]
    em.say(alice, alice, "/topup")
    invoice = await _invoice(em, alice, 40)
    paying = asyncio.create_task(em.pay(alice, alice, invoice))
    await _answer_checkout(em, ok=True)
    outcome = await paying
    assert outcome.status == "paid" and em.stars(alice) == 60
    payment = em.pushed[-1]["message"]["successful_payment"]
    assert (payment["invoice_payload"], payment["telegram_payment_charge_id"]) == (
        f"buy:{alice}", outcome.charge_id)
    with pytest.raises(ActionError, match="already paid"):
        await em.pay(alice, alice, invoice)
    # the bot refuses the next one; then one Alice cannot afford
    refused = asyncio.create_task(em.pay(alice, alice, await _invoice(em, alice, 50)))
    await _answer_checkout(em, ok=False, error_message="Top-ups are off")
    assert (await refused).error_message == "Top-ups are off" and em.stars(alice) == 60
    with pytest.raises(ActionError, match="not enough stars"):
        await em.pay(alice, alice, await _invoice(em, alice, 61))
    assert (await em.pay(alice, alice, await _invoice(em, alice, 1), timeout=0.01)
            ).status == "timeout"
    em.pre_checkout(alice, "buy", 5)
    expired = em.pushed[-1]["pre_checkout_query"]["id"]
    em.bank.queries[expired] = (0.0, None)  # Telegram's 10 seconds are over
    gone = await em.call("answerPreCheckoutQuery", {"pre_checkout_query_id": expired,
                                                    "ok": True})
    assert "query is too old" in gone["description"]
    late = await em.call("answerPreCheckoutQuery", {
        "pre_checkout_query_id": em.pushed[-1]["pre_checkout_query"]["id"], "ok": True})
    assert "query is too old" in late["description"]
    # Telegram's books, as the CLI's urllib client reads them
    client = stars.BotApi(em.token, em.base_url)
    [paid] = await asyncio.to_thread(stars.fetch_transactions, client)
    assert (paid["id"], paid["amount"], paid["source"]["user"]["id"]) == (
        outcome.charge_id, 40, alice)
    assert await asyncio.to_thread(stars.request_refund, client, alice, outcome.charge_id
                                   ) is None
    assert em.stars(alice) == 100 and outcome.charge_id in em.refunded
    again = await em.call("refundStarPayment", {"user_id": alice,
                                                "telegram_payment_charge_id": outcome.charge_id})
    assert again["description"] == "Bad Request: CHARGE_ALREADY_REFUNDED"
    assert await asyncio.to_thread(stars.refunded_by_telegram, client, outcome.charge_id)
    assert [(e["type"], e.get("status") or e.get("reason"), e.get("balance")) for e in events
            ] == [("stars", "top-up", 100), ("stars", "payment", 60), ("invoice", "paid", None),
                  ("invoice", "refused", None), ("invoice", "timeout", None),
                  ("stars", "refund", 100)]


async def test_forum_topics(em: Emulator) -> None:
    alice = em.add_user("Alice")["id"]
    forum = em.create_group("Dice Forum", [alice], forum=True, bot_admin=True)
    topic = em.create_topic(alice, forum, "Duels")
    created = em.pushed[-1]["message"]
    assert created["forum_topic_created"]["name"] == "Duels"
    assert created["message_thread_id"] == topic == created["message_id"]
    said = em.say(alice, forum, "/duel 20", thread_id=topic)
    assert said["message_thread_id"] == topic and said["reply_to_message"]["message_id"] == topic
    posted = await api(em, "sendMessage", chat_id=forum, text="card", message_thread_id=topic)
    assert posted["is_topic_message"] and posted["message_thread_id"] == topic
    wrong = await em.call("sendMessage", {"chat_id": forum, "text": "x",
                                          "message_thread_id": 999})
    assert wrong["description"] == "Bad Request: message thread not found"
    with pytest.raises(ActionError, match="no such topic"):
        em.say(alice, forum, "lost", thread_id=999)
    with pytest.raises(ActionError, match="only forum groups"):
        em.create_topic(alice, em.create_group("Plain", [alice]), "Duels")


async def test_numbering_goes_on_after_ids_a_restarted_bot_remembers(em: Emulator) -> None:
    alice = em.add_user("Alice")["id"]
    em.skip_message_ids(alice, 41)
    assert em.say(alice, alice, "hi")["message_id"] == 42
    em.skip_message_ids(alice, 10)  # never back
    assert (await api(em, "sendMessage", chat_id=alice, text="x"))["message_id"] == 43


async def test_admins_remove_members_and_the_bot(em: Emulator) -> None:
    alice, bob = em.add_user("Alice")["id"], em.add_user("Bob")["id"]
    club = em.create_group("Club", [alice, bob], admins=(alice,))
    with pytest.raises(ActionError, match="only group admins"):
        em.remove_from_group(bob, club, alice)
    em.remove_from_group(alice, club, bob)
    assert em.pushed[-1]["message"]["left_chat_member"]["id"] == bob
    with pytest.raises(ActionError, match="not one of this person's chats"):
        em.say(bob, club, "let me back")
    em.remove_from_group(alice, club, em.bot_user["id"])
    removed = em.pushed[-1]["my_chat_member"]
    assert (removed["old_chat_member"]["status"], removed["new_chat_member"]["status"]) == (
        "member", "kicked")
    refused = await em.call("sendMessage", {"chat_id": club, "text": "still here?"})
    assert refused["error_code"] == 403


async def test_a_long_run_keeps_only_the_latest() -> None:
    bounded = Emulator(keep=2)
    alice = bounded.add_user("Alice")["id"]
    for text in ("one", "two", "three"):
        bounded.say(alice, alice, text)
    for _ in range(3):
        bounded.say(alice, alice, "more")
    assert [m["message_id"] for m in bounded.chat_messages(alice)] == [5, 6]
    assert len(bounded.pushed) <= 4 and bounded.pushed[-1]["message"]["message_id"] == 6
    gone = await bounded.call("editMessageText", {"chat_id": alice, "message_id": 1,
                                                  "text": "x"})
    assert gone["description"] == "Bad Request: message to edit not found"
    for _ in range(4):
        await bounded.call("getMe", {})
    assert len(bounded.calls) <= 4 and bounded.calls[-1].method == "getMe"
