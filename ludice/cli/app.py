"""The `ludice` command: thin Typer commands over the domain functions, one module per
command group. Nothing here imports aiogram except `ludice run` and `ludice playground`
(inside their functions), and `main()` imports only the module of the command it runs, so
admin commands start in a blink (a cold `ludice settings show` is a user-facing figure)."""

from __future__ import annotations

import functools
import importlib
import sqlite3
import sys
from typing import Annotated

import typer

from ludice import __version__
from ludice.cli.common import Failure
from ludice.errors import LudiceError

# name -> (module, attribute, is a group); in the order `ludice --help` lists them
ENTRIES: dict[str, tuple[str, str, bool]] = {
    "db": ("ludice.cli.db", "db_app", True),
    "user": ("ludice.cli.users", "user_app", True),
    "balance": ("ludice.cli.balances", "balance_app", True),
    "settings": ("ludice.cli.settings", "settings_app", True),
    "lobby": ("ludice.cli.lobbies", "lobby_app", True),
    "payment": ("ludice.cli.payments", "payment_app", True),
    "group": ("ludice.cli.groups", "group_app", True),
    "audit": ("ludice.cli.db", "audit", False),
    "ledger": ("ludice.cli.balances", "ledger_show", False),
    "stats": ("ludice.cli.settings", "stats", False),
    "run": ("ludice.cli.run", "run", False),
    "playground": ("ludice.cli.playground", "playground", False),
    "status": ("ludice.cli.status", "status", False),
    "service": ("ludice.cli.status", "service", False),
}


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ludice {__version__}")
        raise typer.Exit()


def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """ludice: a Telegram dice game for small communities, and its admin tool."""


@functools.cache
def build(only: str | None = None) -> typer.Typer:
    """The app with every command, or with just `only` (what `main` runs needs no more)."""
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False,
                      help="ludice: a Telegram dice game for small communities, and its admin "
                           "tool.")
    app.callback()(_options)
    for name, (module, attribute, is_group) in ENTRIES.items():
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(module), attribute)
        if is_group:
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole command, for tests and tools
        return build()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    first = sys.argv[1] if len(sys.argv) > 1 else None
    early = None
    if first == "audit":  # its module is the one `build` imports for it anyway
        from ludice.cli.db import EarlyAudit

        early = EarlyAudit(sys.argv[2:])
    try:
        build(first if first in ENTRIES else None)(obj=early)
    except (Failure, LudiceError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(getattr(exc, "code", 1))
    except OverflowError:
        typer.echo("error: a number is too large (ids and amounts fit in 64 bits)", err=True)
        sys.exit(1)
    except sqlite3.Error as exc:
        typer.echo(f"error: database: {exc}", err=True)
        sys.exit(1)
