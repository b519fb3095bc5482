"""The way to and from Telegram: the outbox mailer, per-group pacing, retry on 429/5xx, and
the per-update middlewares."""
