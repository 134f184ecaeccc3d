"""The systemd units in deploy/systemd pass `systemd-analyze verify` without a single warning."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

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
