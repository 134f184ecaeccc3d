"""Webhook pushes: signed, in order, retried with back-off, dead-lettered, replayed, never lost."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g

from server.common.timeutil import current_month
from server.extensions import db
from server.jobs import drain, enqueue
from server.sync import push, tasks
from server.sync.models import SyncKey
from tests.factories import (
    bearer,
    make_branch,
    make_key,
    make_member,
    make_township,
    staff_token,
)
from tests.sync.synchelpers import (
    checkin,
    paid,
    refunded,
    report,
    signed_get,
    signed_put,
    upsert,
)
from township_sync.ledger import Ledger
from township_sync.receiver import WebhookReceiver

WEBHOOK = "/api/v1/sync/webhook"


class Receiver:
    """A township's push endpoint on 127.0.0.1: scripted failures first, then the real client receiver."""

    def __init__(self, tmp_path, key):
        self.ledger = Ledger(str(tmp_path / "pushed.sqlite"))
        self.inner = WebhookReceiver(self.ledger, *key)
        self.script: list[str] = []
        self.batches: list[list[int]] = []
        self.accepted: list[list[int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                seqs = [c["seq"] for c in json.loads(body)["changes"]]
                receiver.batches.append(seqs)
                mode = receiver.script.pop(0) if receiver.script else "ok"
                if mode == "500":
                    return self._answer(500, {"error": "database down"})
                if mode == "drop":
                    self.connection.close()
                    return None
                status, payload = receiver.inner.handle(self.path, self.headers, body)
                if status == 200:
                    receiver.accepted.append(seqs)
                if mode == "timeout":
                    time.sleep(1.5)  # applied, but the answer comes too late: the sender must retry
                return self._answer(status, payload)

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/party?token=abc"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.ledger.close()


@pytest.fixture
def township(ctx):
    """金山镇 with three members' worth of changes, and a neighbour whose changes must never arrive."""
    jinshan, other = make_township("金山镇"), make_township("西斗铺镇")
    members = [make_member(make_branch(jinshan)) for _ in range(3)]
    outsider = make_member(make_branch(other))
    for m in members + [outsider]:
        upsert(m), checkin(m), report(m)
    order = paid(members[0], 2400)
    refunded(members[0], order, 2400)
    paid(members[1], 1200)
    return jinshan, members


@pytest.fixture
def receiver_for(tmp_path):
    made = []

    def make(key):
        made.append(Receiver(tmp_path, key))
        return made[-1]

    yield make
    for r in made:
        r.close()


def register(app, client, key, url):
    resp = signed_put(client, key, WEBHOOK, {"url": url})
    drain(app)
    return resp


def assert_mirrors_the_service(app, client, key, receiver):
    """Every change arrived once, in order, and the township's digest equals the service's."""
    delivered = list(dict.fromkeys(s for batch in receiver.accepted for s in batch))  # re-sends allowed
    assert delivered == sorted(delivered)
    server = signed_get(client, key, "/api/v1/sync/digest", {"month": current_month()}).get_json()
    local = receiver.ledger.digest(current_month())
    assert {k: server[k] for k in local} == local
    rows = receiver.ledger.conn.execute("SELECT count(*), count(DISTINCT seq) FROM changes").fetchone()
    everything = [c["seq"] for c in signed_get(client, key, "/api/v1/sync/changes", {"limit": 1000}).get_json()["changes"]]
    assert rows == (len(everything), len(everything))


def test_registering_a_webhook_pushes_the_township_in_order(app, client, township, receiver_for):
    jinshan, members = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    app.config["SYNC_PUSH_BATCH"] = 4
    resp = register(app, client, key, receiver.url)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["url"] == receiver.url
    assert len(receiver.accepted) == 3  # 12 changes of 金山镇 in batches of 4
    assert_mirrors_the_service(app, client, key, receiver)

    # Later changes go out on the periodic sweep.
    checkin(members[2])
    enqueue(tasks.push_due)
    drain(app)
    assert len(receiver.accepted) == 4 and len(receiver.accepted[-1]) == 1
    assert_mirrors_the_service(app, client, key, receiver)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/hook", "http://", "javascript:alert(1)",
                                 "http://user:pw@example.com/", "http://exa mple.com/", "http://example.com:99999/"])
def test_webhook_url_must_be_http_or_https(client, ctx, url):
    resp = signed_put(client, make_key(), WEBHOOK, {"url": url})
    assert resp.status_code == 422
    assert resp.get_json()["code"] == "validation_error"


def test_webhook_registration_is_signed_including_the_body(client, ctx):
    key = make_key()
    data = json.dumps({"url": "http://127.0.0.1:9/a"}).encode()
    from tests.sync.synchelpers import signed_headers

    headers = signed_headers(*key, "PUT", WEBHOOK, body=data)
    tampered = json.dumps({"url": "http://evil.example/a"}).encode()
    resp = client.put(WEBHOOK, data=tampered, headers={**headers, "Content-Type": "application/json"})
    assert resp.status_code == 401 and resp.get_json()["code"] == "sync_auth_failed"
    assert client.put(WEBHOOK, json={"url": "http://127.0.0.1:9/a"}).status_code == 401


def test_failures_timeouts_and_500s_are_retried_without_loss_or_reordering(app, client, township, receiver_for):
    jinshan, _ = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    app.config.update(SYNC_PUSH_BATCH=5, SYNC_PUSH_MAX_ATTEMPTS=4)
    receiver.script = ["500", "timeout", "drop", "ok", "500", "500", "ok", "timeout"]
    register(app, client, key, receiver.url)
    # Each batch was sent until acknowledged; nothing was sent before its predecessor succeeded.
    first_seqs = [batch[0] for batch in receiver.batches]
    assert first_seqs == sorted(first_seqs)
    assert len(receiver.batches) > len(receiver.accepted) >= 3
    assert_mirrors_the_service(app, client, key, receiver)
    with app.app_context():
        stored = db.session.execute(db.select(SyncKey).where(SyncKey.key_id == key[0])).scalar_one()
        assert stored.push_failures == 0 and not stored.push_parked
        assert stored.delivered_seq == receiver.accepted[-1][-1]


def test_too_many_failures_dead_letter_the_batch_until_a_county_admin_replays_it(app, client, township,
                                                                                 receiver_for):
    jinshan, members = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    receiver.script = ["500"] * 4
    register(app, client, key, receiver.url)
    assert receiver.accepted == [] and len(receiver.batches) == 4

    county = bearer(staff_token("county_admin"))
    letters = client.get("/api/v1/sync/dead-letters", headers=county).get_json()
    assert letters["total"] == 1
    letter = letters["items"][0]
    assert letter["key_id"] == key[0] and letter["attempts"] == 4 and "500" in letter["last_error"]
    assert letter["first_seq"] == receiver.batches[0][0] and letter["replayed_at"] is None

    # Parked: a sweep sends nothing, even for new changes.
    checkin(members[0])
    enqueue(tasks.push_due)
    drain(app)
    assert len(receiver.batches) == 4

    township_admin = bearer(staff_token("township_admin", jinshan.id))
    g.pop("principal", None)  # the ctx fixture's app context (and g) is shared by test-client requests
    assert client.get("/api/v1/sync/dead-letters", headers=township_admin).status_code == 403
    assert client.post(f"/api/v1/sync/dead-letters/{letter['id']}/replay", headers=township_admin).status_code == 403
    g.pop("principal", None)
    assert client.post("/api/v1/sync/dead-letters/999/replay", headers=county).status_code == 404

    resp = client.post(f"/api/v1/sync/dead-letters/{letter['id']}/replay", headers=county)
    assert resp.status_code == 200 and resp.get_json()["replayed_at"]
    drain(app)
    assert receiver.accepted[0][0] == letter["first_seq"]
    assert_mirrors_the_service(app, client, key, receiver)
    again = client.post(f"/api/v1/sync/dead-letters/{letter['id']}/replay", headers=county)
    assert again.status_code == 409 and again.get_json()["code"] == "already_replayed"


def test_a_worker_killed_after_sending_resends_and_the_receiver_dedupes(app, client, township, receiver_for,
                                                                       monkeypatch):
    jinshan, _ = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    app.config["SYNC_PUSH_BATCH"] = 5
    real_advance = push.advance_cursor
    crashes = []

    def killed_once(*args):
        if not crashes:
            crashes.append(args)
            raise RuntimeError("worker killed")  # after the receiver got the batch, before the cursor moved
        return real_advance(*args)

    monkeypatch.setattr(push, "advance_cursor", killed_once)
    register(app, client, key, receiver.url)
    assert crashes and len(receiver.accepted) == 1
    enqueue(tasks.deliver_key, _key_pk(app, key))
    drain(app)
    assert receiver.batches[0] == receiver.batches[1], "the unacknowledged batch is sent again"
    assert_mirrors_the_service(app, client, key, receiver)


def test_one_worker_per_key_at_a_time(app, client, township, receiver_for):
    from server.store import get_redis

    jinshan, _ = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    pk = _key_pk(app, key)
    with app.app_context():
        get_redis().set(f"sync:push-lock:{pk}", "another-worker", ex=60)
    register(app, client, key, receiver.url)
    assert receiver.batches == []
    with app.app_context():
        get_redis().delete(f"sync:push-lock:{pk}")
    enqueue(tasks.deliver_key, pk)
    drain(app)
    assert_mirrors_the_service(app, client, key, receiver)


def test_a_revoked_key_gets_no_pushes(app, client, runner, township, receiver_for):
    jinshan, members = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    register(app, client, key, receiver.url)
    sent = len(receiver.batches)
    assert runner.invoke(args=["sync", "revoke-key", key[0]]).exit_code == 0
    checkin(members[0])
    enqueue(tasks.push_due)
    drain(app)
    assert len(receiver.batches) == sent


def test_the_receiver_refuses_forged_or_replayed_pushes(tmp_path):
    import hashlib

    from township_sync.signing import sign

    ledger = Ledger(str(tmp_path / "l.sqlite"))
    receiver = WebhookReceiver(ledger, "sk_1", "secret")
    body = json.dumps({"after": 0, "next": 1, "changes": [
        {"seq": 1, "type": "report.created", "member_id": 1, "township_id": 1, "at": "x", "data": {}}]}).encode()
    ts = str(int(time.time()))
    digest = hashlib.sha256(body).hexdigest()
    headers = {"X-Sync-Key": "sk_1", "X-Sync-Timestamp": ts, "X-Sync-Body-SHA256": digest,
               "X-Sync-Signature": sign("secret", "POST", "/hook", ts, digest)}
    assert receiver.handle("/hook", headers, body[:-1] + b" ")[0] == 401
    assert receiver.handle("/hook", headers, body)[0] == 200
    assert receiver.handle("/hook", headers, body)[0] == 401
    old = str(int(time.time()) - 600)
    stale = {**headers, "X-Sync-Timestamp": old, "X-Sync-Signature": sign("secret", "POST", "/hook", old, digest)}
    assert receiver.handle("/hook", stale, body)[0] == 401
    ledger.close()


def _key_pk(app, key) -> int:
    with app.app_context():
        pk = db.session.execute(db.select(SyncKey.id).where(SyncKey.key_id == key[0])).scalar_one()
        db.session.rollback()
        return pk


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "https://192.168.1.2/hook",
                                 "http://[::1]:9000/hook", "http://169.254.169.254/latest/meta-data"])
def test_webhooks_into_the_servers_own_network_are_refused_in_production(app, client, ctx, url):
    app.config["SYNC_WEBHOOK_ALLOW_PRIVATE"] = False  # the production default
    resp = signed_put(client, make_key(), WEBHOOK, {"url": url})
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["url"] == ["推送地址不能指向内网或本机"]


def test_a_registered_internal_webhook_is_not_called_once_private_targets_are_refused(
        app, client, township, receiver_for):
    jinshan, _ = township
    key = make_key(jinshan)
    receiver = receiver_for(key)
    assert register(app, client, key, receiver.url).status_code == 200
    delivered = len(receiver.accepted)
    app.config["SYNC_WEBHOOK_ALLOW_PRIVATE"] = False
    checkin(township[1][0])
    enqueue(tasks.push_due)
    drain(app)
    assert len(receiver.accepted) == delivered
