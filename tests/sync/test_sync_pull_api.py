"""The signed pull API: who may read what, and every way a signature is refused (CONTRACT §8)."""
import time

import pytest

from server.members.service import change_status
from tests.factories import make_branch, make_member, make_township
from tests.sync.synchelpers import (
    checkin,
    make_key,
    pull_all,
    signed_get,
    signed_headers,
    upsert,
)

CHANGES = "/api/v1/sync/changes"


@pytest.fixture
def two_townships(ctx):
    jinshan, xidoupu = make_township("金山镇"), make_township("西斗铺镇")
    a = make_member(make_branch(jinshan), name="张建国")
    b = make_member(make_branch(xidoupu), name="李红梅")
    upsert(a), upsert(b), checkin(a), checkin(b)
    change_status(a.id, "returned", "已返乡务农", "staff:1")
    return jinshan, xidoupu, a, b


def assert_refused(resp):
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "sync_auth_failed"


def test_changes_come_in_seq_order_with_the_contract_fields(client, two_townships):
    key = make_key()
    changes = pull_all(client, key)
    assert [c["type"] for c in changes] == ["member.upserted", "member.upserted", "checkin.created",
                                            "checkin.created", "member.status_changed"]
    assert [c["seq"] for c in changes] == sorted(c["seq"] for c in changes)
    first = changes[0]
    assert set(first) == {"seq", "type", "member_id", "township_id", "at", "data"}
    assert first["at"].endswith("+08:00")
    assert first["data"]["name"] == "张建国"
    assert changes[-1]["data"] == {"from": "active", "to": "returned", "reason": "已返乡务农", "by": "staff:1"}


def test_a_township_key_sees_only_its_own_township(client, two_townships):
    jinshan, xidoupu, a, b = two_townships
    mine = pull_all(client, make_key(jinshan), limit=1)
    assert {c["member_id"] for c in mine} == {a.id}
    assert {c["township_id"] for c in mine} == {jinshan.id}
    assert len(mine) == 3
    theirs = pull_all(client, make_key(xidoupu))
    assert {c["member_id"] for c in theirs} == {b.id}


def test_next_is_the_resume_cursor_also_at_the_end(client, two_townships):
    key = make_key()
    page = signed_get(client, key, CHANGES, {"limit": 2}).get_json()
    assert page["more"] is True and len(page["changes"]) == 2 and page["next"] == page["changes"][-1]["seq"]
    rest = signed_get(client, key, CHANGES, {"after": page["next"], "limit": 1000}).get_json()
    assert rest["more"] is False and len(rest["changes"]) == 3
    end = signed_get(client, key, CHANGES, {"after": rest["next"]}).get_json()
    assert end == {"changes": [], "next": rest["next"], "more": False}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"after": -1}, {"after": "abc"},
                                    {"limit": "x"}, {"after": "1e3"}])
def test_bad_cursor_or_limit_is_422(client, ctx, params):
    resp = signed_get(client, make_key(), CHANGES, params)
    assert resp.status_code == 422
    assert resp.get_json()["code"] == "validation_error"


def test_unsigned_request_is_refused(client, ctx):
    assert_refused(client.get(CHANGES))


def test_wrong_signature_is_refused(client, ctx):
    key_id, _ = make_key()
    assert_refused(signed_get(client, (key_id, "not-the-secret"), CHANGES))


def test_signature_must_cover_the_exact_query(client, ctx):
    key = make_key()
    headers = signed_headers(*key, "GET", CHANGES + "?after=0", None)
    assert_refused(client.get(CHANGES + "?after=5", headers=headers))


def test_replayed_signature_is_refused(client, two_townships):
    key = make_key()
    target = CHANGES + "?after=0"
    headers = signed_headers(*key, "GET", target)
    assert client.get(target, headers=headers).status_code == 200
    assert_refused(client.get(target, headers=headers))


@pytest.mark.parametrize("offset", [-600, 600, -301])
def test_clock_off_by_more_than_five_minutes_is_refused(client, ctx, offset):
    assert_refused(signed_get(client, make_key(), CHANGES, at=time.time() + offset))


def test_clock_off_by_a_little_is_accepted(client, ctx):
    assert signed_get(client, make_key(), CHANGES, at=time.time() - 240).status_code == 200


def test_unknown_and_revoked_keys_are_refused(client, runner, ctx):
    key_id, secret = make_key()
    assert_refused(signed_get(client, ("sk_doesnotexist", secret), CHANGES))
    assert signed_get(client, (key_id, secret), CHANGES).status_code == 200
    result = runner.invoke(args=["sync", "revoke-key", key_id])
    assert result.exit_code == 0, result.output
    assert_refused(signed_get(client, (key_id, secret), CHANGES))


def test_garbage_headers_never_cause_a_500(client, ctx):
    key_id, _ = make_key()
    for headers in ({"X-Sync-Key": key_id, "X-Sync-Timestamp": "１２３", "X-Sync-Signature": "zz"},
                    {"X-Sync-Key": key_id, "X-Sync-Timestamp": str(int(time.time())), "X-Sync-Signature": "é" * 64},
                    {"X-Sync-Key": "x" * 500, "X-Sync-Timestamp": "1", "X-Sync-Signature": "a"}):
        assert_refused(client.get(CHANGES, headers=headers))


def test_secret_is_stored_encrypted(ctx):
    from sqlalchemy import text

    from server.extensions import db

    key_id, secret = make_key()
    stored = db.session.execute(text("SELECT secret FROM sync_keys WHERE key_id = :k"), {"k": key_id}).scalar_one()
    assert secret not in stored


def test_sync_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/v1/sync/changes", "/api/v1/sync/digest", "/api/v1/sync/webhook",
                 "/api/v1/sync/dead-letters", "/api/v1/sync/dead-letters/{dead_letter_id}/replay"):
        assert path in paths
    assert "SHA-256" in str(paths["/api/v1/sync/digest"])
