"""The `ludice` command (Typer), an adapter over the domain; see ludice.cli.app."""

from ludice.cli.app import app, main

__all__ = ["app", "main"]
