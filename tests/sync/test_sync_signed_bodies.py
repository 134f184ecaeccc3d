"""Signed bodies (CONTRACT §8 amended): a request or push with a body signs its SHA-256 too, so an altered body,
or a body sent without its hash, is refused with 401 sync_auth_failed; GET pulls are signed as before."""
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server.jobs import drain
from tests.factories import make_branch, make_key, make_member, make_township
from tests.sync.synchelpers import checkin, paid, signed_get, upsert
from township_sync.ledger import Ledger
from township_sync.receiver import WebhookReceiver
from township_sync.signing import sign, signed_headers

WEBHOOK = "/api/v1/sync/webhook"


def put(client, key, body: bytes, headers: dict):
    return client.put(WEBHOOK, data=body, headers={**headers, "Content-Type": "application/json"})


def test_a_registration_signed_with_its_body_hash_is_accepted(client, ctx):
    key = make_key()
    body = json.dumps({"url": "http://127.0.0.1:9/hook"}).encode()
    resp = put(client, key, body, signed_headers(*key, "PUT", WEBHOOK, body))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["url"] == "http://127.0.0.1:9/hook"


def test_an_altered_registration_body_is_refused(client, ctx):
    key = make_key()
    body = json.dumps({"url": "http://127.0.0.1:9/hook"}).encode()
    headers = signed_headers(*key, "PUT", WEBHOOK, body)
    resp = put(client, key, json.dumps({"url": "http://evil.example/hook"}).encode(), headers)
    assert resp.status_code == 401
    assert resp.get_json() == {"code": "sync_auth_failed", "message": "请求体摘要不符（X-Sync-Body-SHA256）"}


def test_a_body_altered_together_with_its_hash_breaks_the_signature(client, ctx):
    key = make_key()
    body = json.dumps({"url": "http://127.0.0.1:9/hook"}).encode()
    headers = signed_headers(*key, "PUT", WEBHOOK, body)
    forged = json.dumps({"url": "http://evil.example/hook"}).encode()
    headers["X-Sync-Body-SHA256"] = hashlib.sha256(forged).hexdigest()
    resp = put(client, key, forged, headers)
    assert resp.status_code == 401 and resp.get_json()["message"] == "同步签名不正确"


def test_a_body_without_its_hash_header_is_refused(client, ctx):
    """Signed the old way (three lines, no body hash): the body is not covered, so it is refused."""
    key = make_key()
    body = json.dumps({"url": "http://127.0.0.1:9/hook"}).encode()
    ts = str(int(time.time()))
    headers = {"X-Sync-Key": key[0], "X-Sync-Timestamp": ts, "X-Sync-Signature": sign(key[1], "PUT", WEBHOOK, ts)}
    resp = put(client, key, body, headers)
    assert resp.status_code == 401
    assert resp.get_json() == {"code": "sync_auth_failed", "message": "带请求体的请求须带 X-Sync-Body-SHA256 并签名"}


def test_get_pulls_are_signed_without_a_body_hash(client, ctx):
    key = make_key()
    resp = signed_get(client, key, "/api/v1/sync/changes")
    assert resp.status_code == 200
    ts = str(int(time.time()))
    target = "/api/v1/sync/changes?after=0"
    headers = {"X-Sync-Key": key[0], "X-Sync-Timestamp": ts, "X-Sync-Signature": sign(key[1], "GET", target, ts)}
    assert client.get(target, headers=headers).status_code == 200


class CapturingHook:
    """A township endpoint that records each push (headers and raw body) and acknowledges it."""

    def __init__(self):
        self.pushes: list[tuple[str, dict, bytes]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.pushes.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/party?t=1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    made = CapturingHook()
    yield made
    made.close()


def test_every_push_carries_a_verifiable_body_hash(app, client, ctx, hook):
    township = make_township("金山镇")
    member = make_member(make_branch(township))
    upsert(member), checkin(member), paid(member, 1200)
    key = make_key(township)
    body = json.dumps({"url": hook.url}).encode()
    assert put(client, key, body, signed_headers(*key, "PUT", WEBHOOK, body)).status_code == 200
    drain(app)
    assert hook.pushes
    for path, headers, pushed in hook.pushes:
        assert path == "/hooks/party?t=1"
        assert headers["X-Sync-Body-SHA256"] == hashlib.sha256(pushed).hexdigest()
        expected = sign(key[1], "POST", path, headers["X-Sync-Timestamp"], headers["X-Sync-Body-SHA256"])
        assert headers["X-Sync-Signature"] == expected
        assert [c["type"] for c in json.loads(pushed)["changes"]] == ["member.upserted", "checkin.created", "dues.paid"]


@pytest.fixture
def receiver(tmp_path):
    ledger = Ledger(str(tmp_path / "pushed.sqlite"))
    yield WebhookReceiver(ledger, "sk_1", "secret")
    ledger.close()


BATCH = json.dumps({"after": 0, "next": 1, "changes": [
    {"seq": 1, "type": "report.created", "member_id": 1, "township_id": 1, "at": "2026-11-01T08:00:00+08:00",
     "data": {"report_id": 1, "month": "2026-11"}}]}).encode()


def test_the_client_refuses_a_push_whose_body_was_altered(receiver):
    headers = signed_headers("sk_1", "secret", "POST", "/hook", BATCH)
    altered = BATCH.replace(b'"2026-11"', b'"2026-10"')
    assert receiver.handle("/hook", headers, altered) == (
        401, {"code": "sync_auth_failed", "message": "请求体摘要不符（X-Sync-Body-SHA256）"})
    assert receiver.ledger.cursor() == 0
    assert receiver.handle("/hook", headers, BATCH)[0] == 200
    assert receiver.ledger.cursor() == 1


def test_the_client_refuses_a_push_without_its_body_hash(receiver):
    ts = str(int(time.time()))
    headers = {"X-Sync-Key": "sk_1", "X-Sync-Timestamp": ts, "X-Sync-Signature": sign("secret", "POST", "/hook", ts)}
    status, answer = receiver.handle("/hook", headers, BATCH)
    assert status == 401 and answer["code"] == "sync_auth_failed"
    assert receiver.ledger.cursor() == 0


def test_the_client_refuses_a_push_signed_by_another_key(receiver):
    headers = signed_headers("sk_1", "another secret", "POST", "/hook", BATCH)
    assert receiver.handle("/hook", headers, BATCH)[0] == 401
    assert receiver.handle("/hook", {**signed_headers("sk_2", "secret", "POST", "/hook", BATCH)}, BATCH)[0] == 401
