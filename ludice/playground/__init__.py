"""The playground: ludice against a built-in Telegram Bot API emulator (`emulator`), which is
also what the end-to-end tests run against."""
