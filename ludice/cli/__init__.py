"""The `ludice` command (Typer), an adapter over the domain; see ludice.cli.app."""

from typing import Any

from ludice.cli.app import main

__all__ = ["app", "main"]
# Importing the submodule bound its name here; `ludice.cli.app` stays the Typer app (built
# with every command on first use, below), while `main` builds only the command it runs.
globals().pop("app", None)


def __getattr__(name: str) -> Any:
    if name == "app":
        from ludice.cli.app import build

        return build()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
