"""Telegram's flood limits on sending, when switched on: about one message a second into a
private chat (a short burst of three passes), 20 a minute into a group, 30 a second overall.
A send over a limit is answered 429 with the seconds to wait in `retry_after`."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# (messages, seconds) per sliding window
PRIVATE = (3, 3.0)
GROUP = (20, 60.0)
OVERALL = (30, 1.0)
SENDS = frozenset({
    "sendmessage", "senddice", "sendinvoice", "forwardmessage", "forwardmessages",
    "copymessage", "sendphoto",
    "senddocument", "sendanimation", "sendvideo", "sendsticker", "sendpoll", "sendaudio",
    "sendvoice", "sendlocation", "sendcontact", "sendmediagroup", "sendvideonote",
})


@dataclass
class RateLimits:
    enabled: bool = False
    now: Callable[[], float] = time.monotonic
    _sent: dict[int | None, deque[float]] = field(default_factory=dict)

    def admit(self, chat_id: int) -> int | None:
        """Record a send into `chat_id`, or return how many seconds to wait (nothing is
        recorded then)."""
        if not self.enabled:
            return None
        now = self.now()
        windows = ((None, OVERALL), (chat_id, PRIVATE if chat_id > 0 else GROUP))
        wait = 0.0
        for key, (count, seconds) in windows:
            sent = self._sent.setdefault(key, deque())
            while sent and sent[0] <= now - seconds:
                sent.popleft()
            if len(sent) >= count:
                wait = max(wait, sent[0] + seconds - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for key, _ in windows:
            self._sent[key].append(now)
        return None
