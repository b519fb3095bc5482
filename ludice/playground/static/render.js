// Message text as Telegram clients show it: plain text plus entities (the Bot API's parse
// mode was already applied by Telegram, here the emulator). Text only ever becomes text
// nodes; the only elements are the ones each entity type stands for, so a player named
// <script> is shown as the characters it is.

// Links Telegram would open: web pages and tg: links. Anything else (javascript:, data:)
// stays plain text.
// A DOM element with attributes (on* ones are listeners) and children; text stays text.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function safeHref(href) {
  const value = (href || "").trim();
  return /^(https?:\/\/|tg:)/i.test(value) ? value : null;
}

function spoiler() {
  const node = document.createElement("span");
  node.className = "spoiler";
  node.title = "spoiler: click to reveal";
  node.addEventListener("click", () => node.classList.add("revealed"));
  return node;
}

const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

function entityElement(entity, text) {
  if (entity.type in ENTITY_TAGS) return document.createElement(ENTITY_TAGS[entity.type]);
  if (entity.type === "spoiler") return spoiler();
  const href = entity.type === "text_link" ? safeHref(entity.url)
    : entity.type === "url" ? safeHref(text) : null;
  if (href) {
    const link = document.createElement("a");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  if (entity.type === "bot_command" || entity.type === "mention") {
    const span = document.createElement("span");
    span.className = "entity-link";
    return span;
  }
  return document.createElement("span");
}

// Text with Bot API entities (offsets in UTF-16 code units, as JavaScript strings count).
export function renderEntities(text, entities) {
  const sorted = [...(entities || [])]
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (start, end, list) => {
    const fragment = document.createDocumentFragment();
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      const stop = Math.min(entity.offset + entity.length, end);
      if (entity.offset < pos) { i += 1; continue; }  // overlapping: Telegram nests, skip
      if (entity.offset > pos) fragment.append(text.slice(pos, entity.offset));
      const inner = [];
      let j = i + 1;
      while (j < list.length && list[j].offset < stop) inner.push(list[j++]);
      const element = entityElement(entity, text.slice(entity.offset, stop));
      element.append(build(entity.offset, stop, inner));
      fragment.append(element);
      pos = stop;
      i = j;
    }
    if (pos < end) fragment.append(text.slice(pos, end));
    return fragment;
  };
  return build(0, text.length, sorted);
}

export function renderText(message) {
  const text = message.text ?? message.caption ?? "";
  const entities = message.entities ?? message.caption_entities;
  if (entities && entities.length) return renderEntities(text, entities);
  return document.createTextNode(text);
}
