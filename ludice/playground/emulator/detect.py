"""The entities Telegram finds in any message by itself: /commands, @mentions, links and
#hashtags (offsets in UTF-16 code units). A client makes them clickable; a bot sees them in
`entities` next to those its markup made."""

from __future__ import annotations

import re
from typing import Any

from ludice.playground.emulator.html import entity_order

_FOUND = re.compile(
    r"(?P<url>(?<![\w@/.])(?:https?://|(?:t|telegram)\.me/)[^\s<>\"']+)"
    r"|(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z][A-Za-z0-9_]{3,31})?(?![\w/]))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w))"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
)
# Formatting a found entity may sit inside; these it may not overlap.
_OPAQUE = frozenset({"code", "pre", "text_link", "url", "bot_command", "mention", "hashtag",
                     "text_mention", "custom_emoji", "email", "cashtag", "phone_number"})
_TRAILING = ".,;:!?)]'"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def with_found(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`entities` plus what Telegram finds in `text` by itself, in Telegram's order."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities
             if e.get("type") in _OPAQUE]
    found = []
    for match in _FOUND.finditer(text):
        kind = match.lastgroup or ""
        start, value = match.start(), match.group(0)
        if kind == "url":
            value = value.rstrip(_TRAILING)
        offset = _units(text[:start])
        end = offset + _units(value)
        if any(offset < t_end and t_start < end for t_start, t_end in taken):
            continue
        found.append({"offset": offset, "length": end - offset, "type": kind})
    if not found:
        return entities
    return sorted([*entities, *found], key=entity_order)
