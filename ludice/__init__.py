"""ludice: a Telegram dice game for small communities."""

__version__ = "0.1.0"
