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
