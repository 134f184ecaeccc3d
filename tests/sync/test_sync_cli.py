"""Operator commands: keys printed once, revoked, listed; the demo key is made once."""
import re
import shlex

from server.extensions import db
from server.sync.models import SyncKey
from tests.factories import make_township
from tests.sync.synchelpers import signed_get
from township_sync import cli


def test_create_key_prints_id_and_secret_that_work(runner, client, ctx):
    township = make_township("金山镇")
    result = runner.invoke(args=["sync", "create-key", "--township", str(township.id)])
    assert result.exit_code == 0, result.output
    key_id = re.search(r"key id : (\S+)", result.output).group(1)
    secret = re.search(r"secret : (\S+)", result.output).group(1)
    assert signed_get(client, (key_id, secret), "/api/v1/sync/changes").status_code == 200
    stored = db.session.execute(db.select(SyncKey).where(SyncKey.key_id == key_id)).scalar_one()
    assert stored.township_id == township.id

    listing = runner.invoke(args=["sync", "list-keys"]).output
    assert key_id in listing and f"township:{township.id}" in listing and secret not in listing


def test_county_key_and_bad_options(runner, ctx):
    assert "范围   : 全县" in runner.invoke(args=["sync", "create-key", "--county"]).output
    assert runner.invoke(args=["sync", "create-key"]).exit_code != 0
    assert runner.invoke(args=["sync", "create-key", "--county", "--township", "1"]).exit_code != 0
    missing = runner.invoke(args=["sync", "create-key", "--township", "999"])
    assert missing.exit_code != 0 and "找不到该乡镇" in missing.output
    assert runner.invoke(args=["sync", "revoke-key", "sk_nope"]).exit_code != 0


def test_demo_seed_creates_one_key_and_prints_a_command_that_works(app, ctx, live_server, tmp_path, monkeypatch,
                                                                     capsys):
    """The printed command is README's (.venv/bin/township-sync) against this service's PUBLIC_BASE_URL, and it
    mirrors 金山镇 as printed; a second seed says nothing changed and prints the same command."""
    from server.sync import demo

    monkeypatch.setattr(ctx, "instance_path", str(tmp_path))
    app.config["PUBLIC_BASE_URL"] = live_server
    make_township("金山镇")
    lines: list[str] = []
    demo.seed(lines.append)
    first = "\n".join(lines)
    command = re.search(r"(\.venv/bin/township-sync pull .*)", first).group(1)
    assert command.startswith(f".venv/bin/township-sync pull --url {live_server} --key sk_")
    lines.clear()
    demo.seed(lines.append)
    assert lines[0] == f"同步：金山镇的演示同步密钥已存在，未做改动：{command.split(' --key ')[1].split()[0]}"
    assert command in lines[1]
    assert db.session.execute(db.select(db.func.count(SyncKey.id))).scalar_one() == 1

    monkeypatch.chdir(tmp_path)
    assert cli.main(shlex.split(command)[1:]) == 0
    assert "核对一致：党员 0 人" in capsys.readouterr().out
    assert (tmp_path / "jinshan-ledger.sqlite").is_file()
