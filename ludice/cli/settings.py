"""`ludice settings …` and `ludice stats`."""

from __future__ import annotations

from typing import Annotated

import typer

from ludice import db
from ludice import settings as game_settings
from ludice.cli.common import (
    DEFAULT_DB,
    DbPath,
    Json,
    open_db,
    open_view,
)
from ludice.cli.output import emit, pairs, table

settings_app = typer.Typer(no_args_is_help=True, help="Show and change game settings.")


@settings_app.command("show")
def settings_show(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Every setting with its current value."""
    with open_view(path) as conn:
        current = game_settings.load(conn)
    # The default only where it differs: a column repeating every value would not fit.
    rows = game_settings.described(current)
    emit({r["key"]: getattr(current, r["key"]) for r in rows}, as_json,
         table(rows, wrap={"value": 20, "default": 20, "meaning": 0}))


@settings_app.command("set")
def settings_set(key: Annotated[str, typer.Argument(metavar="KEY")],
                 value: Annotated[str, typer.Argument(metavar="VALUE")],
                 path: DbPath = DEFAULT_DB) -> None:
    """Change a setting (validated; the running bot picks it up at its next action)."""
    with open_db(path) as conn, db.transaction(conn):
        stored = game_settings.set_value(conn, key, value, db.now())
    typer.echo(f"{key} = {game_settings.render(stored)}")


def stats(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """Players, money in circulation, lobbies."""
    # Here, not at the top: reports pulls in the game modules (~30 ms), which a cold
    # `ludice settings show` (this module) has no use for.
    from ludice import reports

    with open_view(path) as conn:
        figures = reports.stats(conn)
    emit(figures, as_json, pairs(figures))
