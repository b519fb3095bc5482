"""`ludice run`: the bot itself. aiogram is imported only inside the command: it takes seconds."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ludice import config as run_config
from ludice import instance
from ludice.cli.common import (
    DEFAULT_DB,
    Admins,
    DbPath,
)


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def run(
    token: Annotated[str | None, typer.Option(envvar="LUDICE_TOKEN", show_default=False,
                                              help="Bot token from @BotFather.")] = None,
    path: DbPath = DEFAULT_DB,
    api_url: Annotated[str | None, typer.Option("--api-url", envvar="LUDICE_API_URL",
                                                help="Base URL of another Bot API server.")
                       ] = None,
    admins: Admins = None,
    log_level: Annotated[LogLevel, typer.Option(envvar="LUDICE_LOG_LEVEL", case_sensitive=False,
                                                help="INFO: start, stop, duels, payments, "
                                                     "admin actions, problems.")
                         ] = LogLevel.INFO,
    log_format: Annotated[LogFormat, typer.Option(envvar="LUDICE_LOG_FORMAT",
                                                  case_sensitive=False,
                                                  help="json: one object a line, UTC times.")
                          ] = LogFormat.text,
) -> None:
    """Run the bot (long polling) until Ctrl-C or SIGTERM.

    Migrates the database first; refuses a database another bot already serves."""
    import asyncio

    from ludice.logs import configure_logging

    config = run_config.build(token=token, db_path=path, api_url=api_url, admins=admins,
                              log_level=log_level.value, log_format=log_format.value)
    instance.check_folder(path)  # before the seconds aiogram takes to import
    from ludice.bot import app as bot_app  # aiogram takes seconds to import: only here

    configure_logging(config.log_level, config.log_format)
    typer.echo(f"ludice: database {path.resolve()}", err=True)
    asyncio_run = asyncio.run
    try:  # uvloop's event loop where it is installed (not on Windows): measured ~10 % less
        # CPU per duel, most of it per Bot API call (bench/messages.py, README Performance)
        import uvloop

        asyncio_run = uvloop.run
    except ImportError:
        pass
    asyncio_run(bot_app.run(config))
