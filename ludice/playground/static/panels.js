// Around the chat: personas and their chats, the persona's account from the database, the
// Bot API call log, toasts and alerts.
import { send, switchPersona, openChat, currentChat, chatsOf } from "./app.js";
import { el } from "./render.js";

const MAX_CALLS = 400;
const LANGUAGES = { en: "English", ru: "Russian" };

function lastLine(state, chatId) {
  const messages = state.messages.get(chatId);
  if (!messages || !messages.size) return "";
  const last = [...messages.values()].reduce((a, b) => (a.message_id > b.message_id ? a : b));
  if (last.dice) return last.dice.emoji;
  if (last.invoice) return `Invoice: ${last.invoice.title}`;
  return (last.service ?? last.text ?? last.caption ?? "").slice(0, 60);
}

export function renderSidebar(state) {
  const personas = [...state.personas.values()];
  document.getElementById("personas").replaceChildren(...personas.map((persona) => el("button", {
    type: "button",
    class: persona.id === state.me ? "persona active" : "persona",
    "aria-pressed": String(persona.id === state.me),
    title: `${LANGUAGES[persona.lang] ?? persona.lang}${persona.admin ? " · group admin" : ""}`,
    onclick: () => switchPersona(persona.id),
  }, el("span", { class: "avatar small", "aria-hidden": "true" }, persona.name.slice(0, 1)),
  persona.name)));
  const chats = chatsOf(state.me);
  document.getElementById("chats").replaceChildren(...chats.map((chat) => {
    const title = chat.type === "private" ? state.bot?.name ?? "bot" : chat.title;
    const unread = state.unread.get(`${state.me}:${chat.id}`) ?? 0;
    return el("button", {
      type: "button",
      class: chat.id === currentChat() ? "chat-item active" : "chat-item",
      "aria-current": chat.id === currentChat() ? "true" : "false",
      onclick: () => openChat(chat.id),
    }, el("span", { class: "avatar", "aria-hidden": "true" }, title.slice(0, 1)),
    el("span", { class: "chat-item-text" }, title,
      el("span", { class: "preview", "aria-hidden": "true" }, lastLine(state, chat.id))),
    unread ? el("span", { class: "badge", "aria-label": `${unread} unread` }, String(unread))
      : null);
  }));
}

function ledgerLine(line) {
  const sign = line.amount > 0 ? "+" : "";
  return el("li", { class: line.amount > 0 ? "credit" : "debit" },
    el("span", { class: "amount" }, `${sign}${line.amount}`),
    el("span", { class: "kind" }, line.kind),
    el("span", { class: "when" }, new Date(line.at * 1000).toLocaleTimeString()));
}

export function renderAccount(state) {
  const persona = state.personas.get(state.me);
  const account = state.accounts.get(state.me);
  document.getElementById("account-title").textContent = persona
    ? `${persona.name}'s account` : "Account";
  document.getElementById("credits").textContent = account?.registered
    ? String(account.credits) : "not started";
  document.getElementById("stars").textContent = persona ? `${persona.stars} ⭐` : "–";
  const lines = account?.ledger ?? [];
  document.getElementById("ledger").replaceChildren(...(lines.length ? lines.map(ledgerLine)
    : [el("li", { class: "empty" }, "no transfers yet")]));
}

function shortValue(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export function appendCalls(calls) {
  const list = document.getElementById("calls");
  for (const call of calls) {
    const params = Object.entries(call.params).map(([key, value]) => el("span", { class: "param" },
      el("span", { class: "key" }, key), "=", shortValue(value)));
    list.prepend(el("li", { class: call.error ? "call error" : "call" },
      el("span", { class: "method" }, call.method),
      call.error ? el("span", { class: "call-error" }, call.error) : null, ...params));
  }
  while (list.children.length > MAX_CALLS) list.lastElementChild.remove();
}

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const item = el("div", { class: `toast ${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3500);
}

export function showAlert(text) {
  const dialog = document.getElementById("alert");
  document.getElementById("alert-text").textContent = text;
  dialog.hidden = false;
  document.getElementById("alert-ok").focus();
}

function wireStatic() {
  document.getElementById("alert-ok").onclick = () => {
    document.getElementById("alert").hidden = true;
  };
  document.getElementById("forward-cancel").onclick = () => {
    document.getElementById("forward").hidden = true;
  };
  document.getElementById("calls-clear").onclick = () => {
    document.getElementById("calls").replaceChildren();
  };
  const form = document.getElementById("add-persona");
  document.getElementById("add-toggle").onclick = () => {
    form.hidden = !form.hidden;
    if (!form.hidden) document.getElementById("add-name").focus();
  };
  form.onsubmit = (event) => {
    event.preventDefault();
    const name = document.getElementById("add-name");
    send({ type: "add_persona", name: name.value, lang: document.getElementById("add-lang").value });
    name.value = "";
    form.hidden = true;
  };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      document.getElementById("alert").hidden = true;
      document.getElementById("forward").hidden = true;
    }
  });
}

wireStatic();
