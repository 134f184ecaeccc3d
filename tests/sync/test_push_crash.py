"""The kill -9 drill: a worker dies while a township's receiver holds its push; delivery resumes after one lease.

Real processes on PostgreSQL and Redis: an RQ worker process delivers to a slow receiver in this test,
is killed with SIGKILL mid-request, and a second worker process finishes the job once the lease lapses.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from server.extensions import db
from server.jobs import enqueue
from server.store import get_redis
from server.sync import push, tasks
from server.sync.models import SyncKey
from tests.factories import make_branch, make_key, make_member, make_township
from tests.sync.synchelpers import checkin, report, signed_get, upsert
from tests.testenv import REDIS_URL
from township_sync.ledger import Ledger
from township_sync.receiver import WebhookReceiver

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not REDIS_URL.startswith("redis://"), reason="the drill needs real Redis (TEST_REDIS_URL)"),
]

LEASE_S = 2.0
REPO = Path(__file__).resolve().parents[2]
# A worker process of its own: the test app's configuration with a short lease and a patient sender.
WORKER = f"""
from server import create_app
from server.jobs import drain
from tests.conftest import _test_config

drain(create_app({{**_test_config(), "SYNC_PUSH_LEASE_S": {LEASE_S}, "SYNC_PUSH_TIMEOUT_S": 60.0,
                  "SYNC_PUSH_BATCH": 5, "SYNC_SEQUENCE_DEBOUNCE_MS": 0}}))
"""


class SlowReceiver:
    """A township endpoint that holds the first push until told to go on, then applies it (too late)."""

    def __init__(self, tmp_path, key):
        self.ledger = Ledger(str(tmp_path / "township.sqlite"))
        self.inner = WebhookReceiver(self.ledger, *key)
        self.batches: list[list[int]] = []
        self.holding, self.let_go, self.held_done = threading.Event(), threading.Event(), threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                first = not receiver.batches
                receiver.batches.append([c["seq"] for c in json.loads(body)["changes"]])
                if first:
                    receiver.holding.set()
                    receiver.let_go.wait(60)
                status, payload = receiver.inner.handle(self.path, self.headers, body)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender died while we held its request
                if first:
                    receiver.held_done.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/party"

    def close(self):
        self.let_go.set()
        self.server.shutdown()
        self.server.server_close()
        self.ledger.close()


def _worker(log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-c", WORKER], cwd=REPO, env=os.environ.copy(),
                                stdout=out, stderr=subprocess.STDOUT)


def _wait_for(condition, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_the_default_lease_is_short(tmp_path):
    from server.config import load_config

    assert load_config(str(tmp_path), env={})["SYNC_PUSH_LEASE_S"] <= 30


@pytest.fixture
def township(ctx, tmp_path):
    """金山镇 with 12 changes (three batches of 5, 5 and 2), its sync key and its slow receiver."""
    jinshan = make_township("金山镇")
    for member in [make_member(make_branch(jinshan)) for _ in range(4)]:
        upsert(member), checkin(member), report(member)
    key = make_key(jinshan)
    receiver = SlowReceiver(tmp_path, key)
    yield key, receiver
    receiver.close()


def test_a_worker_killed_mid_delivery_holds_its_township_for_one_lease_at_most(app, client, township, tmp_path):
    key, receiver = township
    sync_key = db.session.query(SyncKey).filter_by(key_id=key[0]).one()
    sync_key.webhook_url = receiver.url
    db.session.commit()
    lock = f"sync:push-lock:{sync_key.id}"
    enqueue(tasks.deliver_key, sync_key.id)

    doomed = _worker(tmp_path / "doomed.log")
    assert receiver.holding.wait(60), (tmp_path / "doomed.log").read_text()
    holder = get_redis().get(lock)
    time.sleep(LEASE_S * 1.5)
    assert get_redis().get(lock) == holder, "a live worker's heartbeat keeps its lease past one TTL"
    assert push.deliver(sync_key.id).delivered == 0 and len(receiver.batches) == 1

    os.kill(doomed.pid, signal.SIGKILL)
    assert doomed.wait(10) == -signal.SIGKILL
    assert 0 < get_redis().pttl(lock) <= LEASE_S * 1000, "what the dead worker left lapses within one lease"
    assert _wait_for(lambda: not get_redis().exists(lock), LEASE_S * 3)
    receiver.let_go.set()  # the held batch reaches the ledger, but its answer can no longer be read
    assert receiver.held_done.wait(10)

    enqueue(tasks.deliver_key, sync_key.id)
    successor = _worker(tmp_path / "successor.log")
    assert successor.wait(60) == 0, (tmp_path / "successor.log").read_text()

    first, *rest = receiver.batches[1:]
    assert first == receiver.batches[0], "the unacknowledged batch is sent again (at least once)"
    everything = [c["seq"] for c in signed_get(client, key, "/api/v1/sync/changes", {"limit": 1000})
                  .get_json()["changes"]]
    assert len(everything) == 12
    assert [s for batch in [first, *rest] for s in batch] == everything, "then everything else, once, in order"
    assert receiver.ledger.conn.execute("SELECT count(*), count(DISTINCT seq) FROM changes").fetchone() == (12, 12)
    db.session.expire_all()
    assert db.session.get(SyncKey, sync_key.id).delivered_seq == everything[-1]
