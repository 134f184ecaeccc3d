"""deploy/gunicorn.conf.py as gunicorn itself reads it: the hook that keeps the preloaded app out of the workers'
garbage collection, and the access-log switch the benches use."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a child: freezing the collector's objects would outlive this test in the pytest process.
_PROBE = """
import gc, json, sys
from gunicorn.app.base import Application
from server import create_app

class Probe(Application):
    def load_config(self):
        self.load_config_from_file(sys.argv[1])  # as `gunicorn -c FILE` does
    def init(self, parser, opts, args):
        return None
    def load(self):
        return None

probe = Probe()
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": "memory://", "SECRET_KEY": "x" * 32})
before = len(gc.get_objects())
probe.cfg.pre_fork(None, None)
print(json.dumps({"before": before, "after": len(gc.get_objects()), "frozen": gc.get_freeze_count(),
                  "accesslog": probe.cfg.accesslog}))
"""


def _read(env_extra: dict) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **env_extra}
    out = subprocess.run([sys.executable, "-c", _PROBE, str(ROOT / "deploy" / "gunicorn.conf.py")], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_preloaded_app_is_frozen_before_each_fork():
    seen = _read({})
    # The app's objects (modules, mappers, schemas) are no longer walked by a full collection in a worker.
    assert seen["before"] > 50_000
    assert seen["frozen"] >= seen["before"]
    assert seen["after"] < 1_000
    assert seen["accesslog"] == "-"


def test_the_access_log_can_be_turned_off():
    assert _read({"GUNICORN_ACCESS_LOG": ""})["accesslog"] is None
