"""Errors a person can act on. The CLI prints their message as one line; the bot maps them
to a catalog text. Anything else is a bug and is logged with its traceback."""


class LudiceError(Exception):
    pass


class StoreError(LudiceError):
    pass


class UnknownUser(LudiceError):
    pass


class InsufficientFunds(LudiceError):
    pass


class IdempotencyConflict(LudiceError):
    pass


class SettingError(LudiceError):
    pass


class Refused(LudiceError):
    """A player action the rules refuse. `reason` names a catalog text; `details` fill it in
    (and may hold a key called "reason" too, hence the positional-only parameter)."""

    def __init__(self, reason: str, /, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details
