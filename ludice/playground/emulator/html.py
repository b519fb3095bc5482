"""Telegram's HTML parse mode, as its servers apply it: the supported tags become message
entities (offsets and lengths in UTF-16 code units) and the text loses its markup; anything
else is refused with the reason Telegram gives ("Unsupported start tag "x" at byte offset 3").
A bare `&` or an unknown entity stays as it is; a stray `<` does not.
(render.to_html goes the other way, for a page.)"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
    "blockquote": "blockquote",
}
TAGS = frozenset({*_SIMPLE, "a", "span", "tg-emoji", "tg-time"})
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,8}|#x[0-9a-fA-F]{1,8});?")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")


# tdlib's order for entities over the same text (lower first)
_PRIORITY = {"blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20,
             "text_link": 49, "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93,
             "spoiler": 94, "custom_emoji": 99}


def entity_order(entity: dict[str, Any]) -> tuple[int, int, int]:
    """Telegram's order of entities: by start, the longer first, then by kind."""
    return entity["offset"], -entity["length"], _PRIORITY.get(entity.get("type", ""), 50)


class ParseError(ValueError):
    pass


@dataclass
class _Open:
    tag: str
    at_byte: int
    offset: int
    attributes: dict[str, str] = field(default_factory=dict)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entities(raw: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _NAMED:
            return _NAMED[name]
        code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
        if 0xD800 <= code <= 0xDFFF:
            raise ParseError("Text contains invalid Unicode characters after decoding HTML "
                             "entities, check for unmatched surrogate code units")
        return chr(code) if 0 < code <= 0x10FFFF else match.group(0)

    return _ENTITY.sub(one, raw)


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.units = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte(self, index: int) -> int:
        return len(self.src[:index].encode())

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.units += _units(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            lt = src.find("<", self.pos)
            end = len(src) if lt < 0 else lt
            self.emit(_decode_entities(src[self.pos:end]))
            self.pos = end
            if lt >= 0:
                self.end_tag() if src.startswith("</", lt) else self.start_tag()
        if self.stack:
            raise ParseError("Can't find end tag corresponding to start tag "
                             f'"{self.stack[-1].tag}"')
        self.entities.sort(key=entity_order)
        return "".join(self.out), self.entities

    def start_tag(self) -> None:
        src, begin = self.src, self.pos
        i = begin + 1
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        if i >= len(src):
            raise ParseError(f"Unclosed start tag at byte offset {self.byte(begin)}")
        tag = src[begin + 1:i].lower()
        if tag not in TAGS:
            raise ParseError(f'Unsupported start tag "{tag}" at byte offset {self.byte(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while i < len(src) and src[i].isspace():
                i += 1
            if i < len(src) and src[i] == ">":
                break
            if i >= len(src):
                raise ParseError(f'Unclosed start tag "{tag}" at byte offset {self.byte(begin)}')
            name_start = i
            while i < len(src) and not src[i].isspace() and src[i] not in "=>":
                i += 1
            name = src[name_start:i].lower()
            if not name:
                raise ParseError(f'Empty attribute name in the tag "{tag}" at byte offset '
                                 f"{self.byte(begin)}")
            while i < len(src) and src[i].isspace():
                i += 1
            if i < len(src) and src[i] == ">" and name == "expandable" and tag == "blockquote":
                attributes[name] = ""
                break
            if i >= len(src):
                raise ParseError(f'Unclosed start tag "{tag}" at byte offset {self.byte(begin)}')
            if src[i] != "=":
                if name == "expandable" and tag == "blockquote":
                    attributes[name] = ""
                    continue
                raise ParseError("Expected equal sign in declaration of an attribute of the tag "
                                 f'"{tag}" at byte offset {self.byte(begin)}')
            i += 1
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise ParseError(f'Unclosed start tag "{tag}" at byte offset {self.byte(begin)}')
            if src[i] in "\"'":
                close = src.find(src[i], i + 1)
                if close < 0:
                    raise ParseError(f"Unclosed start tag at byte offset {self.byte(begin)}")
                value, i = _decode_entities(src[i + 1:close]), close + 1
            else:
                token = _NAME_TOKEN.match(src, i)
                assert token is not None  # the pattern matches the empty string too
                if token.end() >= len(src) or not (src[token.end()].isspace()
                                                   or src[token.end()] == ">"):
                    raise ParseError(f"Unexpected end of name token at byte offset "
                                     f"{self.byte(i)}")
                value, i = token.group(0), token.end()
            attributes[name] = value
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset '
                             f"{self.byte(begin)}")
        if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise ParseError("Invalid custom emoji identifier specified")
        self.stack.append(_Open(tag, self.byte(begin), self.units, attributes))
        self.pos = i + 1

    def end_tag(self) -> None:
        src, begin = self.src, self.pos
        i = begin + 2
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        name = src[begin + 2:i].lower()
        while i < len(src) and src[i].isspace():
            i += 1
        if not self.stack:
            raise ParseError(f"Unexpected end tag at byte offset {self.byte(begin)}")
        if i >= len(src) or src[i] != ">":
            raise ParseError(f"Unclosed end tag at byte offset {self.byte(begin)}")
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise ParseError(f"Unmatched end tag at byte offset {self.byte(begin)}, expected "
                             f'"</{opened.tag}>", found "</{name}>"')
        self.stack.pop()
        self.pos = i + 1
        self.close(opened)

    def close(self, opened: _Open) -> None:
        length = self.units - opened.offset
        entity: dict[str, Any] = {"offset": opened.offset, "length": length}
        tag, attrs = opened.tag, opened.attributes
        if tag == "a":
            if not attrs.get("href"):
                return  # <a> without an address is plain text
            entity |= {"type": "text_link", "url": normal_url(attrs["href"])}
        elif tag == "span":
            entity["type"] = "spoiler"
        elif tag == "tg-emoji":
            entity |= {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
        elif tag == "tg-time":
            entity |= {"type": "date_time", "unix_time": int(attrs.get("unix") or 0)}
        elif tag == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and attrs.get("class", "").startswith("language-"):
            entity["type"] = "code"
            if self.stack and self.stack[-1].tag == "pre":
                self.stack[-1].attributes["language"] = attrs["class"][len("language-"):]
                self.stack[-1].attributes["code_at"] = f"{opened.offset}+{length}"
        elif tag == "pre" and attrs.get("language") and (
                attrs["code_at"] == f"{opened.offset}+{length}"):
            # <pre><code class="language-x"> over exactly the same text is one pre entity
            entity |= {"type": "pre", "language": attrs["language"]}
            self.entities = [e for e in self.entities if not (
                e["type"] == "code" and e["offset"] == opened.offset and e["length"] == length)]
        else:
            entity["type"] = _SIMPLE[tag]
        if length > 0:
            self.entities.append(entity)


def normal_url(url: str) -> str:
    if "://" not in url and not url.startswith(("tg:", "mailto:")):
        url = "http://" + url
        if "/" not in url[len("http://"):]:
            url += "/"
    return url


def parse(source: str) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities) as Telegram stores a message sent with parse_mode HTML; raises
    ParseError with Telegram's reason when it would refuse the text."""
    return _Parser(source).run()


def trimmed(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram drops white space around a message; entities move and shrink with it."""
    body = text.strip()
    if body == text:
        return text, entities
    start = _units(text[:len(text) - len(text.lstrip())])
    end = start + _units(body)
    kept = []
    for entity in entities:
        first = max(entity["offset"], start)
        last = min(entity["offset"] + entity["length"], end)
        if last > first:
            kept.append({**entity, "offset": first - start, "length": last - first})
    return body, kept


def problem(source: str) -> str | None:
    """Why Telegram would refuse `source` with parse_mode HTML (None when it parses)."""
    try:
        parse(source)
    except ParseError as exc:
        return str(exc)
    return None
