"""`ludice status` (how the bot serving a database is doing, from another shell or a
monitoring script) and `ludice service` (a systemd unit for this install)."""

from __future__ import annotations

import getpass
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ludice import backups
from ludice import settings as game_settings
from ludice import status as bot_status
from ludice.cli.common import DEFAULT_DB, DbPath, Json, open_view
from ludice.cli.output import emit, pairs, span, when


def status(path: DbPath = DEFAULT_DB, as_json: Json = False) -> None:
    """How the bot serving this database is doing.

    Exit 1 when no bot runs, its heartbeat is stale or the last ledger audit failed."""
    now = int(time.time())
    with open_view(path) as conn:
        figures = bot_status.report(conn, path, now)
    emit(figures, as_json, _human(figures, now))
    if not figures["ok"]:
        raise typer.Exit(1)


def _ago(ts: int | None, now: int) -> str:
    return "never" if ts is None else f"{when(ts)} ({span(max(0, now - ts))} ago)"


def _human(f: dict[str, Any], now: int) -> str:
    if f["audit_problems"] is None:
        audit = "not run yet"
    elif f["audit_problems"]:
        audit = f"{f['audit_problems']} problem(s) at {_ago(f['audit_at'], now)}"
    else:
        audit = f"clean at {_ago(f['audit_at'], now)}"
    backup = _ago(f["last_backup_at"], now)
    if f["last_backup"]:
        backup += f": {f['last_backup']}"
    last_update = ("none" if f["last_update_id"] is None
                   else f"#{f['last_update_id']} at {_ago(f['last_update_at'], now)}")
    lines = {
        "running": f"yes, pid {f['pid']}" if f["running"] else "no",
        "version": f["version"] or "-",
        "api_server": f["api_server"],
        "started": _ago(f["started_at"], now),
        "heartbeat": _ago(f["heartbeat_at"], now),
        "last_update": last_update,
        "updates_last_hour": f["updates_last_hour"],
        "errors_last_hour": f["errors_last_hour"],
        "outbox_waiting": f"{f['outbox_waiting']} (oldest {span(f['outbox_oldest_age_seconds'])})"
        if f["outbox_waiting"] else "0",
        "refunds_pending": f["refunds_pending"],
        "lobbies_open": f["lobbies_open"],
        "lobbies_rolling": f["lobbies_rolling"],
        "last_backup": backup,
        "backup_error": f["backup_error"] or "-",
        "last_audit": audit,
        "status": "ok" if f["ok"] else "; ".join(f["problems"]),
    }
    return pairs(lines)


def _ludice_command() -> str:
    """How this very install is started: the `ludice` script if that is what ran, else this
    Python with -m ludice."""
    script = Path(sys.argv[0])
    if script.name == "ludice" and script.exists():
        return shlex.quote(str(script.resolve()))
    return f"{shlex.quote(sys.executable)} -m ludice"


def service(
    path: DbPath = DEFAULT_DB,
    env_file: Annotated[Path, typer.Option(
        "--env-file", help="File with LUDICE_TOKEN=… and LUDICE_ADMINS=… (keep it chmod 600).",
        dir_okay=False)] = Path("/etc/ludice/ludice.env"),
    user: Annotated[str | None, typer.Option(
        help="Account the bot runs as.  [default: the current user]")] = None,
) -> None:
    """Print a systemd unit that runs this install against this database.

    Save it as /etc/systemd/system/ludice.service, then `systemctl enable --now ludice`."""
    database = path.absolute()
    writable = [database.parent]
    if database.exists():  # an automatic-backup folder elsewhere must be writable too
        with open_view(path) as conn:
            where = backups.folder(database, game_settings.load(conn))
        if not where.is_relative_to(database.parent):
            writable.append(where)
    unit = f"""\
# ludice.service, printed by `ludice service` for {database}
[Unit]
Description=ludice Telegram dice bot ({database.name})
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User={user or getpass.getuser()}
WorkingDirectory={database.parent}
EnvironmentFile={env_file.absolute()}
ExecStart={_ludice_command()} run --db {shlex.quote(str(database))}
Restart=always
RestartSec=5
# SIGTERM lets in-flight duels and the outbox finish; the stop waits up to drain time.
KillSignal=SIGTERM
TimeoutStopSec=30
# Hardening: the bot needs the network and its database folder, nothing else.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths={" ".join(shlex.quote(str(p)) for p in writable)}
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
UMask=0077

[Install]
WantedBy=multi-user.target"""
    typer.echo(unit)

