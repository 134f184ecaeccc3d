"""Demo: one sync key for 金山镇, printed with the exact township-sync command to try it."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from server.core.orgs import Township
from server.extensions import db
from server.sync import service
from server.sync.models import SyncKey

DEMO_TOWNSHIP = "金山镇"
DEMO_LABEL = "演示：金山镇台账"


def _command(key_id: str, secret: str) -> str:
    return ("township-sync pull --url http://127.0.0.1:5000 --key " + key_id + " " +
            shlex.quote(f"--secret={secret}") + " --db jinshan-ledger.sqlite")


def seed(echo) -> None:
    """Create the demo key once; later runs print the same key (its secret is kept in instance/)."""
    township = db.session.execute(select(Township).where(Township.name == DEMO_TOWNSHIP)).scalar_one_or_none()
    if township is None:
        echo(f"同步：没有{DEMO_TOWNSHIP}，跳过演示同步密钥")
        return
    saved = Path(current_app.instance_path) / "sync-demo-key.json"
    existing = db.session.execute(select(SyncKey).where(
        SyncKey.label == DEMO_LABEL, SyncKey.township_id == township.id, SyncKey.revoked_at.is_(None))).scalars().first()
    if existing is not None:
        stored = json.loads(saved.read_text()) if saved.exists() else {}
        if stored.get("key_id") == existing.key_id:
            echo(f"同步：演示同步密钥已存在（{DEMO_TOWNSHIP}）：{existing.key_id}")
            echo(f"  试一试：{_command(existing.key_id, stored['secret'])}")
        else:
            echo(f"同步：演示同步密钥已创建过（{existing.key_id}），密钥只在创建时显示一次")
        return
    key, secret = service.create_key(township.id, DEMO_LABEL)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps({"key_id": key.key_id, "secret": secret}))
    saved.chmod(0o600)
    echo(f"同步：已为{DEMO_TOWNSHIP}创建演示同步密钥")
    echo(f"  key id : {key.key_id}")
    echo(f"  secret : {secret}")
    echo(f"  在另一个终端（make run 运行时）执行：{_command(key.key_id, secret)}")
