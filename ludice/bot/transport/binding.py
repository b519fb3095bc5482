"""aiogram's objects learn their bot once per object, not once per class in their ancestry.

Every aiogram type and method is a pydantic model with one private attribute, `_bot`, which
BotContextController.model_post_init sets from the validation context. pydantic wraps a
model_post_init once more for every subclass that inherits private attributes (its
metaclass: `wrapped_model_post_init` runs init_private_attributes, then the parent's
model_post_init, itself wrapped), so a Message goes through that chain three levels deep, with
a default lookup and a checked `__setattr__` on the way. An update or an answer is ~20 nested
objects: the chain was ~70 % of validating them (cProfile of `ludice run`, issue 13).

`flatten_post_init` gives each class one post-init doing what the chain ends with: the
private attributes are exactly `{"_bot": the context's bot, or None}`. A class whose private
attributes are anything else (a future aiogram) keeps pydantic's chain."""

from __future__ import annotations

from typing import Any

from aiogram.client.context_controller import BotContextController
from pydantic_core import PydanticUndefined


def bind_bot(self: BotContextController, context: Any, /) -> None:
    bot = context.get("bot") if context else None
    private = getattr(self, "__pydantic_private__", None)
    if private is None:
        object.__setattr__(self, "__pydantic_private__", {"_bot": bot})
    else:
        private["_bot"] = bot


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _plain_bot_attribute(cls: type[BotContextController]) -> bool:
    private = cls.__private_attributes__
    if set(private) != {"_bot"}:
        return False
    attribute = private["_bot"]
    return attribute.default is PydanticUndefined and attribute.default_factory is None


def flatten_post_init() -> int:
    """Give every aiogram model class loaded so far the flat post-init; returns how many
    classes have it. Safe to call again (classes loaded since get theirs)."""
    flattened = 0
    for cls in (BotContextController, *_subclasses(BotContextController)):
        if not _plain_bot_attribute(cls):
            continue
        if cls.__dict__.get("model_post_init") is not bind_bot:
            cls.model_post_init = bind_bot  # type: ignore[method-assign]
        flattened += 1
    return flattened
