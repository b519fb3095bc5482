"""The way to and from Telegram: the Bot API session (calls as JSON bodies), the outbox
mailer, per-group pacing, retry on 429/5xx, and the per-update middlewares."""
