"""The files an operator copies onto the host: systemd units that verify cleanly, an environment that starts."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.config import UnsafeConfiguration, load_config
from tests.deploy.stack import DEPLOY

SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def test_units_verify_cleanly(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze was not found: install it with `apt-get install -y systemd`")
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert [u.name for u in units] == ["party-web.service", "party-worker.service"]
    # A root standing for the application host: the system's own units, the party units, and the programs
    # their Exec lines name (verify checks that each is executable).
    shutil.copytree(SYSTEM_UNITS, tmp_path / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    for unit in units:
        text = unit.read_text()
        shutil.copy(unit, tmp_path / "etc/systemd/system" / unit.name)
        for program in re.findall(r"^Exec\w*=[-@:+!]*(/\S+)", text, flags=re.M):
            path = tmp_path / program.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("#!/bin/sh\n")
            path.chmod(0o755)
    result = subprocess.run([analyze, "verify", f"--root={tmp_path}", *[u.name for u in units]],
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def _example_env() -> dict[str, str]:
    lines = (DEPLOY / "party.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_environment_example_filled_in_starts_in_production(tmp_path):
    env = _example_env()
    assert env["TRUSTED_PROXIES"] == "127.0.0.1" and env["APP_ENV"] == "production"
    with pytest.raises(UnsafeConfiguration, match="FIELD_KEY must be base64 of 32 bytes"):
        load_config(str(tmp_path), env)
    filled = {name: value.replace("CHANGE-ME", f"real-{name.lower()}") for name, value in env.items()}
    filled["FIELD_KEY"] = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="
    config = load_config(str(tmp_path), filled)
    assert config["TRUSTED_PROXIES"] == ["127.0.0.1"] and config["WECHAT_EMULATOR"] is False
