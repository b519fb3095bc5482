"""The `ludice` command: thin Typer commands over the domain functions, one module per
command group. Nothing here imports aiogram except `ludice run` and `ludice playground`
(inside their functions), so admin commands start in a blink."""

from __future__ import annotations

import sqlite3
import sys
from typing import Annotated

import typer

from ludice import __version__
from ludice.cli.balances import balance_app, ledger_show
from ludice.cli.common import Failure
from ludice.cli.db import audit, db_app
from ludice.cli.groups import group_app
from ludice.cli.lobbies import lobby_app
from ludice.cli.payments import payment_app
from ludice.cli.playground import playground
from ludice.cli.run import run
from ludice.cli.settings import settings_app, stats
from ludice.cli.status import service, status
from ludice.cli.users import user_app
from ludice.errors import LudiceError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False,
                  help="ludice: a Telegram dice game for small communities, and its admin tool.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(balance_app, name="balance")
app.add_typer(settings_app, name="settings")
app.add_typer(lobby_app, name="lobby")
app.add_typer(payment_app, name="payment")
app.add_typer(group_app, name="group")
app.command("audit")(audit)
app.command("ledger")(ledger_show)
app.command("stats")(stats)
app.command("run")(run)
app.command("playground")(playground)
app.command("status")(status)
app.command("service")(service)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ludice {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """ludice: a Telegram dice game for small communities, and its admin tool."""


def main() -> None:
    try:
        app()
    except (Failure, LudiceError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(getattr(exc, "code", 1))
    except OverflowError:
        typer.echo("error: a number is too large (ids and amounts fit in 64 bits)", err=True)
        sys.exit(1)
    except sqlite3.Error as exc:
        typer.echo(f"error: database: {exc}", err=True)
        sys.exit(1)
