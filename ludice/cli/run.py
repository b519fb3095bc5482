"""`ludice run`: the bot itself. aiogram is imported only inside the command: it takes seconds."""

from __future__ import annotations

from typing import Annotated

import typer

from ludice import config as run_config
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
)


def run(
    token: Annotated[str | None, typer.Option(envvar="LUDICE_TOKEN", show_default=False,
                                              help="Bot token from @BotFather.")] = None,
    path: DbPath = DEFAULT_DB,
    api_url: Annotated[str | None, typer.Option("--api-url", envvar="LUDICE_API_URL",
                                                help="Base URL of another Bot API server.")
                       ] = None,
    admins: Annotated[str | None, typer.Option(envvar="LUDICE_ADMINS",
                                               help="Comma-separated Telegram ids of admins.")
                      ] = None,
    log_level: Annotated[str, typer.Option(envvar="LUDICE_LOG_LEVEL")] = "INFO",
    log_format: Annotated[str, typer.Option(envvar="LUDICE_LOG_FORMAT",
                                            help="text or json.")] = "text",
) -> None:
    """Run the bot (long polling) until Ctrl-C or SIGTERM. Migrates the database first."""
    import asyncio

    config = run_config.build(token=token, db_path=path, api_url=api_url, admins=admins,
                              log_level=log_level, log_format=log_format)
    from ludice.bot import app as bot_app  # aiogram takes seconds to import: only here

    bot_app.configure_logging(config.log_level, config.log_format)
    typer.echo(f"ludice: database {path.resolve()}", err=True)
    asyncio.run(bot_app.run(config))
