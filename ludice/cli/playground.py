"""`ludice playground`: the real bot against the built-in Bot API emulator, with a web page
showing the chats. aiogram and aiohttp are imported only inside the command: they take
seconds, and the admin commands must not pay for them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def playground(
    path: Annotated[Path | None, typer.Option(
        "--db", envvar="LUDICE_PLAYGROUND_DB", dir_okay=False, show_default=False,
        help="Keep the game in this SQLite file (it survives a restart). Default: a new file "
             "in a temporary folder, removed on exit.")] = None,
    port: Annotated[int, typer.Option(envvar="LUDICE_PLAYGROUND_PORT", min=0, max=65535,
                                      help="Port of the page (0: a free one).")] = 0,
    host: Annotated[str, typer.Option(envvar="LUDICE_PLAYGROUND_HOST",
                                      help="Address to listen on. The page has no login: "
                                           "keep it on this machine.")] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", envvar="LUDICE_PLAYGROUND_NO_BROWSER",
                                             help="Do not open the page in a browser.")] = False,
    bots: Annotated[int, typer.Option(envvar="LUDICE_PLAYGROUND_BOTS", min=0, max=500,
                                      help="Simulated players who play on their own.")] = 0,
    rate_limits: Annotated[bool, typer.Option(
        "--rate-limits/--no-rate-limits", envvar="LUDICE_PLAYGROUND_RATE_LIMITS",
        help="Hold the bot to Telegram's rate limits (about 1 message/s per chat, 20/min "
             "per group), to watch pacing work.")] = False,
    log_level: Annotated[str, typer.Option(envvar="LUDICE_LOG_LEVEL")] = "WARNING",
) -> None:
    """Play ludice in the browser: no token, no Telegram, fully offline."""
    import asyncio
    import contextlib
    import logging
    import webbrowser

    from ludice.errors import LudiceError

    level = log_level.upper()
    if not isinstance(logging.getLevelName(level), int):
        raise LudiceError(f"unknown log level {log_level!r}; use DEBUG, INFO, WARNING or ERROR")
    from ludice.logs import configure_logging
    from ludice.playground.server import TOKEN, Playground, PlaygroundOptions  # aiogram: slow

    configure_logging(level, "text")
    if host not in LOCAL_HOSTS:
        typer.echo(f"warning: listening on {host}: the page has no login, anyone who can reach "
                   "this address can play as every persona and read the game", err=True)
    playground = Playground(PlaygroundOptions(db_path=path, host=host, port=port, bots=bots,
                                              rate_limits=rate_limits))

    def ready(url: str) -> None:
        typer.echo(f"ludice playground: {url}  (Ctrl-C to stop)")
        kept = "" if path else " (temporary: removed on exit)"
        typer.echo(f"database: {playground.db_path.resolve()}{kept}")
        typer.echo(f"admin commands reach this bot with: --db {playground.db_path.resolve()} "
                   f"--token {TOKEN} --api-url {playground.api_url}")
        if not no_browser:
            webbrowser.open(url)

    # Ctrl-C is a signal the playground handles (a clean stop); a second one while it
    # stops interrupts asyncio.run, which cancels what is left.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(playground.run(on_ready=ready))
    typer.echo("ludice playground stopped")
