"""The Telegram adapter: aiogram routers, middlewares and the duel runner over the domain."""
