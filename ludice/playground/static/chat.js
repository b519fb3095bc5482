// The open chat: bubbles, dice, invoices, inline and reply keyboards, and the composer.
import { el, renderText } from "./render.js";
import { send, currentChat, chatsOf, openLink } from "./app.js";

// Telegram does not document the animation; it is about 2-3 s and the value shows after it.
export const diceRevealed = { ms: 2500 };
const DIE_FACES = ["⚀", "⚁", "⚂", "⚃", "⚄", "⚅"];
const OUTCOMES = {
  "🎯": (v) => (v === 6 ? "bullseye" : v === 1 ? "missed" : ""),
  "🎳": (v) => (v === 6 ? "strike" : v === 1 ? "missed" : ""),
  "🏀": (v) => (v >= 4 ? "scored" : "missed"),
  "⚽": (v) => (v >= 3 ? "goal" : "missed"),
};

function time(date) {
  return new Date(date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function dice(message, state) {
  const { emoji, value } = message.dice;
  const rolling = state.revealAt.has(`${message.chat_id}:${message.message_id}`);
  if (rolling) {
    return el("div", { class: "dice rolling", role: "img", "aria-label": `${emoji} rolling` },
      el("span", { class: "dice-emoji" }, emoji));
  }
  const face = emoji === "🎲" ? DIE_FACES[value - 1] ?? "" : "";
  const outcome = OUTCOMES[emoji]?.(value) ?? "";
  return el("div", { class: "dice", role: "img", "aria-label": `${emoji} ${value}` },
    el("span", { class: "dice-emoji" }, emoji),
    el("span", { class: "dice-result" }, `${face} ${value}${outcome ? ` · ${outcome}` : ""}`));
}

function invoice(message, me) {
  const { title, description, total_amount: amount } = message.invoice;
  const box = el("div", { class: "invoice" },
    el("div", { class: "invoice-title" }, title),
    el("div", { class: "invoice-description" }, description));
  if (message.chat_id === me) {
    box.append(el("button", { type: "button", class: "pay",
      onclick: () => send({ type: "pay", persona: me, chat: message.chat_id,
                            message_id: message.message_id }) }, `Pay ${amount} ⭐`));
  }
  return box;
}

function inlineKeyboard(message, me) {
  const rows = message.buttons.map((row) => el("div", { class: "inline-row" },
    ...row.map((button) => el("button", {
      type: "button",
      class: button.url ? "inline-button url" : "inline-button",
      onclick: () => (button.url ? openLink(button.url, me)
        : send({ type: "press", persona: me, chat: message.chat_id,
                 message_id: message.message_id, data: button.data })),
    }, button.text))));
  return el("div", { class: "inline-keyboard" }, ...rows);
}

function bubble(message, state) {
  const me = state.me;
  if (message.service) {
    return el("div", { class: "service", "data-message-id": message.message_id }, message.service);
  }
  const outgoing = message.from?.id === me;
  const group = state.chats.get(message.chat_id)?.type !== "private";
  const body = el("div", { class: `bubble ${outgoing ? "out" : "in"}` });
  if (group && !outgoing && message.from) {
    body.append(el("div", { class: "sender" }, message.from.name));
  }
  if (message.forward_from) {
    body.append(el("div", { class: "forwarded" }, `Forwarded from ${message.forward_from}`));
  }
  if (message.reply_to) {
    body.append(el("div", { class: "reply-to" }, el("b", {}, message.reply_to.name),
      el("span", {}, message.reply_to.text)));
  }
  if (message.dice) body.append(dice(message, state));
  if (message.invoice) body.append(invoice(message, me));
  if (message.text !== undefined || message.caption !== undefined) {
    body.append(el("div", { class: "text" }, renderText(message)));
  }
  const meta = el("div", { class: "meta" },
    message.protected ? el("span", { title: "protected content: cannot be forwarded" }, "🔒 ")
      : null,
    message.edited ? "edited " : "", time(message.date));
  body.append(meta);
  if (!message.protected) {
    body.append(el("button", { type: "button", class: "forward-button", "aria-label": "Forward",
      title: "Forward", onclick: () => chooseForward(message, state) }, "↪"));
  }
  const row = el("div", { class: `row ${outgoing ? "out" : "in"}`,
                          "data-message-id": message.message_id }, body);
  if (message.buttons?.length) row.append(inlineKeyboard(message, me));
  return row;
}

function chooseForward(message, state) {
  const dialog = document.getElementById("forward");
  const targets = document.getElementById("forward-targets");
  targets.replaceChildren(...chatsOf(state.me).map((chat) => el("button", {
    type: "button",
    onclick: () => {
      dialog.hidden = true;
      send({ type: "forward", persona: state.me, from_chat: message.chat_id,
             message_id: message.message_id, to_chat: chat.id });
    },
  }, chat.id === state.me ? state.bot.name : chat.title)));
  dialog.hidden = false;
  targets.querySelector("button")?.focus();
}

function replyKeyboard(state) {
  const box = document.getElementById("reply-keyboard");
  const rows = state.keyboards.get(currentChat());
  box.hidden = !rows;
  if (!rows) return box.replaceChildren();
  box.replaceChildren(...rows.map((row) => el("div", { class: "reply-row" },
    ...row.map((text) => el("button", { type: "button", onclick: () => send({
      type: "send_text", persona: state.me, chat: currentChat(), text }) }, text)))));
}

export function renderChat(state) {
  const chatId = currentChat();
  const chat = state.chats.get(chatId);
  const title = chat?.type === "private" ? state.bot?.name ?? "bot" : chat?.title ?? "";
  document.getElementById("chat-title").textContent = title;
  document.getElementById("chat-avatar").textContent = (title || "?").slice(0, 1);
  document.getElementById("chat-subtitle").textContent = chat?.type === "private"
    ? `bot · @${state.bot?.username ?? ""}` : `${chat?.members.length ?? 0} members`;
  const pane = document.getElementById("messages");
  const messages = [...(state.messages.get(chatId)?.values() ?? [])]
    .sort((a, b) => a.message_id - b.message_id);
  pane.replaceChildren(...messages.map((message) => bubble(message, state)));
  replyKeyboard(state);
  if (follow.chat !== chatId) Object.assign(follow, { chat: chatId, bottom: true });
  if (follow.bottom) pane.scrollTop = pane.scrollHeight;
}

// New messages scroll into view unless the reader scrolled up to read older ones.
const follow = { chat: null, bottom: true };
document.getElementById("messages").addEventListener("scroll", (event) => {
  const pane = event.target;
  follow.bottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 120;
});

export function renderComposer(state) {
  const form = document.getElementById("composer");
  const input = document.getElementById("message-input");
  form.onsubmit = (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    send({ type: "send_text", persona: state.me, chat: currentChat(), text });
    input.value = "";
  };
  const toggle = document.getElementById("dice-toggle");
  const menu = document.getElementById("dice-menu");
  toggle.onclick = () => {
    menu.hidden = !menu.hidden;
    toggle.setAttribute("aria-expanded", String(!menu.hidden));
  };
  for (const item of menu.querySelectorAll("button")) {
    item.onclick = () => {
      menu.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      send({ type: "dice", persona: state.me, chat: currentChat(), emoji: item.dataset.emoji });
    };
  }
}
