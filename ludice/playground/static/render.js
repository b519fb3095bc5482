// Message text as Telegram shows it, built node by node. Untrusted text only ever becomes a
// text node: the HTML parse mode is parsed here, and only Telegram's own tags make elements.

const SIMPLE_TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote",
};
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;
const ATTR = /([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
const ENTITY = /&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g;
const NAMED = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeEntities(text) {
  return text.replace(ENTITY, (whole, name) => {
    if (name in NAMED) return NAMED[name];
    const code = name[1] === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

// Links Telegram would open: web pages and tg: links. Anything else (javascript:, data:)
// stays plain text.
export function safeHref(href) {
  const value = (href || "").trim();
  return /^(https?:\/\/|tg:)/i.test(value) ? value : null;
}

function attributes(raw) {
  const out = {};
  for (const m of raw.matchAll(ATTR)) {
    out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return out;
}

function elementFor(name, attrs) {
  if (name in SIMPLE_TAGS) return document.createElement(SIMPLE_TAGS[name]);
  if (name === "tg-spoiler" || (name === "span" && attrs.class === "tg-spoiler")) {
    return spoiler();
  }
  if (name === "a") {
    const href = safeHref(attrs.href);
    if (!href) return document.createElement("span");
    const link = document.createElement("a");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  if (name === "tg-emoji") return document.createElement("span");
  return null;
}

function spoiler() {
  const node = document.createElement("span");
  node.className = "spoiler";
  node.title = "spoiler: click to reveal";
  node.addEventListener("click", () => node.classList.add("revealed"));
  return node;
}

// Bot text sent with parse_mode HTML. An unknown or unmatched tag is shown as the text it is.
export function renderHtml(text) {
  const root = document.createDocumentFragment();
  const stack = [{ name: null, node: root }];
  const top = () => stack[stack.length - 1].node;
  let pos = 0;
  for (const m of text.matchAll(TAG)) {
    const [whole, closing, rawName, rawAttrs] = m;
    const name = rawName.toLowerCase();
    if (m.index > pos) top().append(decodeEntities(text.slice(pos, m.index)));
    pos = m.index + whole.length;
    if (closing) {
      const open = stack.findLastIndex((entry) => entry.name === name);
      if (open > 0) stack.length = open;
      else top().append(whole);
      continue;
    }
    const element = elementFor(name, attributes(rawAttrs || ""));
    if (element === null) {
      top().append(whole);
      continue;
    }
    top().append(element);
    stack.push({ name, node: element });
  }
  if (pos < text.length) top().append(decodeEntities(text.slice(pos)));
  return root;
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
  if (message.format === "html") return renderHtml(text);
  const entities = message.entities ?? message.caption_entities;
  if (entities && entities.length) return renderEntities(text, entities);
  return document.createTextNode(text);
}
