"""`ludice lobby show ID [--json]`: a lobby's full record for the operator."""

from __future__ import annotations

import hashlib
import json
import sys

import pytest
from test_fairness import _group_duel, _player, independent_draw
from test_records import S, _players, _private_duel
from typer.testing import CliRunner

from ludice import cli, db, games, house, ledger, stranded

NOW = 1_800_000_000
runner = CliRunner()


# A LUDICE_DB from the developer's shell must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_ambient_db")


def show(db_path, *args: str) -> str:
    result = runner.invoke(cli.app, ["lobby", "show", *args, "--db", str(db_path)],
                           catch_exceptions=False)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def test_a_settled_duel_in_text_and_json(db_path, conn):
    _players(conn, (1, "Ann"), (2, "Bob"))
    lobby_id = _private_duel(conn)
    text = show(db_path, str(lobby_id))
    lines = text.splitlines()
    assert "status      settled" in text and "chat        private" in text
    assert "fee         6 (10%)" in text and "pot         60" in text
    seed = next(line.split()[1] for line in lines if line.startswith("seed"))
    commitment = next(line.split()[1] for line in lines if line.startswith("commitment"))
    assert hashlib.sha256(bytes.fromhex(seed)).hexdigest() == commitment
    dice = lines[lines.index("dice") + 3:lines.index("transfers") - 1]
    assert [line.split()[:5] for line in dice] == [
        ["1", "Ann", "4", "bot", "1"], ["1", "Bob", "4", "bot", "2"],
        ["2", "Ann", "6", "bot", "1"], ["2", "Bob", "2", "bot", "2"]]
    assert "2027-01-15 08:00:02 UTC" in dice[2]  # the die message's Telegram date
    moves = lines[lines.index("transfers") + 3:]
    assert [line.split()[1:5] for line in moves] == [
        ["stake", "Ann", "escrow", "30"], ["stake", "Bob", "escrow", "30"],
        ["payout", "escrow", "Ann", "54"], ["fee", "escrow", "house", "6"]]
    assert "server draws" not in text
    data = json.loads(show(db_path, str(lobby_id), "--json"))
    assert (data["id"], data["status"], data["pot"], data["fee"]) == (lobby_id, "settled", 60, 6)
    assert [(p["name"], p["stake"], p["payout"]) for p in data["players"]] == [
        ("Ann", 30, 54), ("Bob", 30, 0)]
    assert [(d["round"], d["user_id"], d["value"], d["roller"], d["message_id"], d["sent_at"])
            for d in data["dice"]] == [(1, 1, 4, "bot", 11, NOW + 1), (1, 2, 4, "bot", 12, NOW + 1),
                                       (2, 1, 6, "bot", 21, NOW + 2), (2, 2, 2, "bot", 22, NOW + 2)]
    assert [t["key"] for t in data["transfers"]] == [
        f"stake:{lobby_id}:1", f"stake:{lobby_id}:2", f"payout:{lobby_id}:1", f"fee:{lobby_id}"]
    assert data["fairness"]["seed"] == seed and data["fairness"]["commitment"] == commitment
    assert ledger.audit(conn) == []


def test_server_draws_are_shown_recomputed(db_path, conn):
    for user_id, name in ((1, "Ann"), (2, "Bob")):
        _player(conn, user_id, name)
    lobby_id = _group_duel(conn, 1, 2)
    in_play = show(db_path, str(lobby_id))
    assert "seed        (revealed when the lobby is over)" in in_play
    assert "status      rolling" in in_play and "Club (-1001)" in in_play
    with db.transaction(conn):
        stranded.bot_removed(conn, -1001, settings=S, now=NOW)
    data = json.loads(show(db_path, str(lobby_id), "--json"))
    seed = bytes.fromhex(data["fairness"]["seed"])
    server = [d for d in data["dice"] if d["roller"] == "server"]
    assert len(server) >= 2 and all(d["checked"] is True for d in server)
    for die in server:
        assert die["value"] == independent_draw(seed, lobby_id, die["round"], die["user_id"], 6)
    text = show(db_path, str(lobby_id))
    assert "server draws: HMAC-SHA256(seed" in text and " server " in text
    assert games.get_lobby(conn, lobby_id).status == "settled"
    assert ledger.audit(conn) == []


def test_an_unknown_or_bad_id_is_one_error_line(db_path, monkeypatch, capsys):
    for args, message in ((["999"], "error: no lobby 999"),
                          (["abc"], "Invalid value for 'ID'"),
                          (["99999999999999999999"], "error: a number is too large")):
        monkeypatch.setattr(sys, "argv", ["ludice", "lobby", "show", *args, "--db", str(db_path)])
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
        assert exit_info.value.code not in (0, None)
        out, err = capsys.readouterr()
        assert message in err and "Traceback" not in out + err


def test_the_lobby_list_names_the_house_seat(db_path, conn):
    _players(conn, (1, "Ann"), (2, "Bob"))
    with db.transaction(conn):
        ledger.adjust(conn, ledger.HOUSE, 500, reason="float", key="float", now=NOW)
        house.play(conn, 1, "dice", 30, settings=S, now=NOW)
    result = runner.invoke(cli.app, ["lobby", "list", "--json", "--db", str(db_path)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert [(lb["status"], lb["players"]) for lb in json.loads(result.stdout)] == [
        ("rolling", "1,house")]
