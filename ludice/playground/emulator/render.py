"""Entities back to markup, for a page that shows messages as a Telegram client does: every
character of text is escaped (a player called `<script>` shows as text), only Telegram's
formatting tags appear, and links go only to http(s) and tg: addresses."""

from __future__ import annotations

import html as std_html
from typing import Any

from ludice.playground.emulator.html import entity_order, normal_url

_MARKUP = {
    "bold": ("<b>", "</b>"), "italic": ("<i>", "</i>"), "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"), "spoiler": ("<tg-spoiler>", "</tg-spoiler>"),
    "code": ("<code>", "</code>"), "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote expandable>", "</blockquote>"),
}
_SAFE_SCHEMES = ("http://", "https://", "tg://")


def to_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Markup for a client: only Telegram's formatting tags, all text escaped, links (text
    links and addresses found in the text) only to http(s) and tg: addresses."""
    data = text.encode("utf-16-le")
    marks: dict[int, list[str]] = {}
    for entity in sorted(entities or [], key=entity_order):
        start, end = entity["offset"], entity["offset"] + entity["length"]
        kind = entity.get("type")
        url = entity.get("url") if kind == "text_link" else (
            normal_url(data[start * 2:end * 2].decode("utf-16-le", "replace"))
            if kind == "url" else "")
        if url and str(url).startswith(_SAFE_SCHEMES):
            pair = (f'<a href="{std_html.escape(url, quote=True)}">', "</a>")
        elif kind in _MARKUP:
            pair = _MARKUP[kind]
        else:
            continue
        marks.setdefault(start, []).append(pair[0])
        marks.setdefault(end, []).insert(0, pair[1])
    out, cut = [], 0
    for point in sorted(marks):
        out.append(std_html.escape(data[cut * 2:point * 2].decode("utf-16-le", "replace")))
        out.extend(marks[point])
        cut = point
    out.append(std_html.escape(data[cut * 2:].decode("utf-16-le", "replace")))
    return "".join(out)
