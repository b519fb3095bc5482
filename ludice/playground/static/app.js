// The playground page: one WebSocket, a state kept from the server's snapshot and events,
// and a re-render of what changed. The server is the emulator: every action goes there.
import { renderChat, renderComposer, diceRevealed } from "./chat.js";
import { renderSidebar, renderAccount, appendCalls, toast, showAlert } from "./panels.js";

const MAX_MESSAGES = 300;  // per chat, kept in the page
const state = {
  bot: null,
  personas: new Map(),
  chats: new Map(),
  messages: new Map(),  // chat id -> Map(message id -> message)
  keyboards: new Map(),  // chat id -> rows of button texts
  accounts: new Map(),  // persona id -> {credits, ledger}
  unread: new Map(),  // "persona:chat" -> count
  me: null,
  openChat: new Map(),  // persona id -> chat id
  revealAt: new Map(),  // "chat:message" -> ms time when a die's value may show
};
let socket = null;
let pending = [];

export function send(action) {
  const message = JSON.stringify(action);
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(message);
  else pending.push(message);
}

export function currentChat() {
  return state.openChat.get(state.me) ?? state.me;
}

export function chatsOf(personaId) {
  return [...state.chats.values()].filter(
    (chat) => chat.id === personaId || (chat.type !== "private" && chat.members.includes(personaId)));
}

function chatMessages(chatId) {
  if (!state.messages.has(chatId)) state.messages.set(chatId, new Map());
  return state.messages.get(chatId);
}

function store(message, live) {
  const messages = chatMessages(message.chat_id);
  const key = `${message.chat_id}:${message.message_id}`;
  if (live && message.dice && !messages.has(message.message_id)) {
    state.revealAt.set(key, Date.now() + diceRevealed.ms);
    setTimeout(() => { state.revealAt.delete(key); refresh(message.chat_id); },
               diceRevealed.ms + 20);
  }
  messages.set(message.message_id, message);
  if (messages.size > MAX_MESSAGES) messages.delete(messages.keys().next().value);
}

function countUnread(message) {
  for (const persona of state.personas.values()) {
    const visible = chatsOf(persona.id).some((chat) => chat.id === message.chat_id);
    const looking = persona.id === state.me && currentChat() === message.chat_id;
    if (!visible || looking || message.from?.id === persona.id) continue;
    const key = `${persona.id}:${message.chat_id}`;
    state.unread.set(key, (state.unread.get(key) ?? 0) + 1);
  }
}

function refresh(chatId) {
  renderSidebar(state);
  if (chatId === undefined || chatId === currentChat()) renderChat(state);
}

function snapshot(data) {
  state.bot = data.bot;
  state.personas = new Map(data.personas.map((p) => [p.id, p]));
  state.chats = new Map(data.chats.map((c) => [c.id, c]));
  state.messages = new Map();
  for (const message of data.messages) store(message, false);
  state.keyboards = new Map(data.keyboards.map((k) => [k.chat_id, k.keyboard]));
  state.accounts = new Map(data.accounts.map((a) => [a.persona, a]));
  if (!state.personas.has(state.me)) choosePersonaFromPath(data);
  document.getElementById("calls").replaceChildren();
  appendCalls(data.calls);
  document.getElementById("rate-limits").checked = data.rate_limits;
  document.getElementById("app").removeAttribute("aria-busy");
  renderAll();
}

function choosePersonaFromPath(data) {
  const [, , personaKey, chatKey] = location.pathname.split("/");
  const persona = data.personas.find((p) => p.key === personaKey || String(p.id) === personaKey)
    ?? data.personas[0];
  state.me = persona.id;
  const chat = data.chats.find((c) => c.key === chatKey || String(c.id) === chatKey);
  if (chat && chatsOf(persona.id).includes(chat)) state.openChat.set(persona.id, chat.id);
}

function renderAll() {
  renderSidebar(state);
  renderChat(state);
  renderComposer(state);
  renderAccount(state);
}

const HANDLERS = {
  snapshot,
  message: (data) => { store(data.message, true); countUnread(data.message);
    refresh(data.message.chat_id); },
  edit: (data) => edited(data.message),
  delete: (data) => { chatMessages(data.chat_id).delete(data.message_id);
    refresh(data.chat_id); },
  keyboard: (data) => {
    if (data.keyboard) state.keyboards.set(data.chat_id, data.keyboard);
    else state.keyboards.delete(data.chat_id);
    if (data.chat_id === currentChat()) renderChat(state);
  },
  calls: (data) => appendCalls(data.calls),
  account: (data) => { state.accounts.set(data.persona, data);
    if (data.persona === state.me) renderAccount(state); },
  persona: (data) => { state.personas.set(data.persona.id, data.persona); renderAll(); },
  chat: (data) => { state.chats.set(data.chat.id, data.chat); renderAll(); },
  callback_answer: (data) => answered(data),
  rate_limits: (data) => { document.getElementById("rate-limits").checked = data.enabled; },
  error: (data) => toast(data.message, "error"),
  notice: (data) => toast(data.message),
};

// "edited" only when the words changed: Telegram shows no mark for a changed keyboard.
function edited(message) {
  const before = chatMessages(message.chat_id).get(message.message_id);
  message.edited = Boolean(before && (before.edited || before.text !== message.text
    || before.caption !== message.caption));
  store(message, false);
  refresh(message.chat_id);
}

function answered(data) {
  const who = state.personas.get(data.persona);
  const prefix = data.persona === state.me || !who ? "" : `${who.name}: `;
  if (data.url) openLink(data.url, data.persona);
  if (!data.text) return;
  if (data.show_alert && data.persona === state.me) showAlert(data.text);
  else toast(prefix + data.text);
}

export function switchPersona(personaId) {
  state.me = personaId;
  renderAll();
  updatePath();
}

export function openChat(chatId) {
  state.openChat.set(state.me, chatId);
  state.unread.delete(`${state.me}:${chatId}`);
  renderAll();
  updatePath();
  document.getElementById("message-input").focus();
}

function updatePath() {
  const persona = state.personas.get(state.me);
  const chat = state.chats.get(currentChat());
  if (persona && chat) history.replaceState(null, "", `/chat/${persona.key}/${chat.key}`);
}

// A t.me link to our bot with ?start= is a deep link: the persona's private chat opens and
// sends /start with the payload, as a Telegram client does. Other links open normally.
export function openLink(url, personaId = state.me) {
  const bot = state.bot?.username;
  const match = bot && url.match(/^(?:https?:\/\/)?t\.me\/([A-Za-z0-9_]+)(?:\?start=([\w-]*))?/);
  if (!match || match[1].toLowerCase() !== bot.toLowerCase()) {
    window.open(url, "_blank", "noopener");
    return;
  }
  if (personaId !== state.me) switchPersona(personaId);
  openChat(personaId);
  send({ type: "deep_link", persona: personaId, url });
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  const status = document.getElementById("connection");
  socket.addEventListener("open", () => {
    status.textContent = "live";
    status.className = "connection live";
    for (const message of pending) socket.send(message);
    pending = [];
  });
  socket.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    const handler = HANDLERS[data.type];
    if (handler) handler(data);
  });
  socket.addEventListener("close", () => {
    status.textContent = "offline: reconnecting…";
    status.className = "connection offline";
    setTimeout(connect, 1000);
  });
}

document.getElementById("rate-limits").addEventListener("change", (event) => {
  send({ type: "rate_limits", enabled: event.target.checked });
});

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (link && /t\.me\//.test(link.href)) {
    event.preventDefault();
    openLink(link.href);
  }
});

export { state };
connect();
