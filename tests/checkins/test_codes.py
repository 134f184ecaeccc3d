"""The rotating check-in code and its mini-program code image."""

from server.checkins import codes
from server.wechat.emulator.wxa import read_scene
from tests.checkins.conftest import code_for
from tests.factories import make_event


def test_code_is_short_signed_and_names_its_event(client, secretary, event):
    resp = client.get(f"/api/v1/events/{event.id}/checkin-code", headers=secretary)
    assert resp.status_code == 200
    body = resp.get_json()
    assert len(body["token"]) <= 32
    assert body["token"].split(".", 1)[0] == str(event.id)
    assert 30 <= body["expires_in"] <= 60
    assert codes.verify(body["token"], event.id)


def test_code_expires_within_a_minute(ctx, event, monkeypatch):
    token, expires_in = codes.issue(event.id, now=1_800_000_000)
    assert codes.verify(token, event.id, now=1_800_000_000 + expires_in - 1)
    assert not codes.verify(token, event.id, now=1_800_000_000 + expires_in)
    assert not codes.verify(token, event.id, now=1_800_000_000 + 61)


def test_forged_and_other_event_codes_fail(ctx, branch, event):
    other = make_event(branch)
    token, _ = codes.issue(event.id)
    head, exp, sig = token.split(".")
    assert not codes.verify(token, other.id)
    assert not codes.verify(f"{other.id}.{exp}.{sig}", other.id)
    assert not codes.verify(f"{head}.{exp}.{'A' * len(sig)}", event.id)
    later = codes._b36(int(exp, 36) + 30)
    assert not codes.verify(f"{head}.{later}.{sig}", event.id)
    assert not codes.verify(token + "x" * 40, event.id)
    assert not codes.verify("not-a-code", event.id)


def test_long_event_ids_still_fit(ctx):
    token, _ = codes.issue(12345678901)
    assert len(token) <= 32 and codes.verify(token, 12345678901)


def test_png_is_the_mini_program_code_of_the_current_token(client, secretary, event):
    resp = client.get(f"/api/v1/events/{event.id}/checkin-code?format=png", headers=secretary)
    assert resp.status_code == 200
    assert resp.mimetype == "image/png"
    assert resp.data.startswith(b"\x89PNG\r\n\x1a\n")
    scene = read_scene(resp.data)
    assert scene.split(".")[0] == str(event.id) and codes.verify(scene, event.id)


def test_code_only_for_the_branch_secretary(client, ctx, event, member_auth):
    from tests.factories import bearer, make_branch, staff_token

    other = bearer(staff_token("branch_secretary", make_branch().id))
    assert client.get(f"/api/v1/events/{event.id}/checkin-code", headers=other).status_code == 404
    township = bearer(staff_token("township_admin", event.branch.township_id))
    assert client.get(f"/api/v1/events/{event.id}/checkin-code", headers=township).status_code == 403
    assert client.get(f"/api/v1/events/{event.id}/checkin-code", headers=member_auth).status_code == 403


def test_no_code_for_a_cancelled_or_finished_event(client, secretary, branch):
    from datetime import timedelta

    from server.common.timeutil import utcnow

    cancelled = make_event(branch, status="cancelled")
    resp = client.get(f"/api/v1/events/{cancelled.id}/checkin-code", headers=secretary)
    assert resp.status_code == 422 and resp.get_json()["code"] == "event_cancelled"
    old = make_event(branch, starts_at=utcnow() - timedelta(days=2), ends_at=utcnow() - timedelta(days=2, hours=-2))
    resp = client.get(f"/api/v1/events/{old.id}/checkin-code", headers=secretary)
    assert resp.status_code == 422 and resp.get_json()["code"] == "checkin_window_closed"


def test_wechat_failure_is_503(client, secretary, event, monkeypatch):
    from server.wechat import gateway

    def broken(scene, page):
        raise gateway.WechatUnavailable("getwxacodeunlimit", "errcode -1")

    monkeypatch.setattr(gateway, "wxa_code_png", broken)
    resp = client.get(f"/api/v1/events/{event.id}/checkin-code?format=png", headers=secretary)
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"


def test_code_for_helper_gives_a_valid_token(client, secretary, event):
    assert codes.verify(code_for(client, secretary, event.id), event.id)
