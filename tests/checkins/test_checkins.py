"""Checking in at a meeting: token, place, time, branch, one record per member and event."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.checkins import codes
from server.checkins.models import Checkin
from server.common.timeutil import utcnow
from server.core.members import Member
from server.extensions import db
from tests.checkins.conftest import FAR, code_for, outbox
from tests.factories import (
    VENUE,
    bearer,
    make_branch,
    make_event,
    make_member,
    member_token,
)


def checkin(client, auth, event_id, token, where=VENUE, **extra):
    return client.post(f"/api/v1/events/{event_id}/checkins", headers=auth,
                       json={"token": token, "lat": where[0], "lng": where[1], **extra})


def count_checkins():
    return db.session.execute(select(func.count()).select_from(Checkin)).scalar_one()


def test_first_checkin_is_201_and_a_repeat_is_200_with_the_same_record(client, secretary, member, member_auth, event):
    token = code_for(client, secretary, event.id)
    first = checkin(client, member_auth, event.id, token, accuracy=15)
    assert first.status_code == 201
    record = first.get_json()["checkin"]
    assert record["member_id"] == member.id and record["event_id"] == event.id
    assert record["late"] is True and record["manual"] is False  # started 10 min ago, tolerance 5
    assert record["accuracy_m"] == 15 and record["distance_m"] < 1
    assert record["checked_in_at"].endswith("+08:00")
    again = checkin(client, member_auth, event.id, token)
    assert again.status_code == 200 and again.get_json()["checkin"] == record
    assert count_checkins() == 1


def test_checkin_writes_the_outbox_and_stamps_activity(client, secretary, member, member_auth, event):
    checkin(client, member_auth, event.id, code_for(client, secretary, event.id))
    (change,) = outbox("checkin.created")
    assert change.member_id == member.id and change.township_id == member.township_id
    assert set(change.data) == {"checkin_id", "event_id", "event_kind", "event_title", "event_starts_at",
                                "event_month", "branch_id", "checked_in_at", "late", "manual", "reason"}
    assert change.data["event_id"] == event.id and change.data["manual"] is False
    assert db.session.get(Member, member.id).last_activity_at is not None


def test_on_time_is_not_late(client, secretary, member_auth, branch):
    event = make_event(branch, starts_at=utcnow() + timedelta(minutes=10))
    resp = checkin(client, member_auth, event.id, code_for(client, secretary, event.id))
    assert resp.status_code == 201 and resp.get_json()["checkin"]["late"] is False


def test_token_expiring_between_scan_and_submit_is_refused(client, secretary, member_auth, event, monkeypatch):
    token = code_for(client, secretary, event.id)
    real = codes.clock()
    monkeypatch.setattr(codes, "clock", lambda: real + 61)
    resp = checkin(client, member_auth, event.id, token)
    assert resp.status_code == 422 and resp.get_json()["code"] == "checkin_token_invalid"
    assert count_checkins() == 0 and outbox() == []


def test_forged_and_other_event_tokens_are_refused(client, secretary, member_auth, branch, event):
    other = make_event(branch)
    other_token = code_for(client, secretary, other.id)
    head, exp, sig = code_for(client, secretary, event.id).split(".")
    for token in (other_token, f"{event.id}.{exp}.{other_token.split('.')[2]}", f"{head}.{exp}.{sig[::-1]}", "x" * 64):
        resp = checkin(client, member_auth, event.id, token)
        assert resp.status_code == 422 and resp.get_json()["code"] == "checkin_token_invalid", token
    assert count_checkins() == 0 and outbox() == []


def test_outside_the_fence_gives_the_distance(client, secretary, member_auth, event):
    resp = checkin(client, member_auth, event.id, code_for(client, secretary, event.id), where=FAR)
    body = resp.get_json()
    assert resp.status_code == 422 and body["code"] == "checkin_outside_area"
    assert 1080 <= body["distance_m"] <= 1150 and body["radius_m"] == 200
    assert count_checkins() == 0 and outbox() == []


def test_window_closed_before_grace_and_after_end(client, secretary, member_auth, branch):
    now = utcnow()
    early = make_event(branch, starts_at=now + timedelta(minutes=45), ends_at=now + timedelta(hours=2))
    late = make_event(branch, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=35))
    for event in (early, late):
        token, _ = codes.issue(event.id)
        resp = checkin(client, member_auth, event.id, token)
        assert resp.status_code == 422 and resp.get_json()["code"] == "checkin_window_closed"
        assert "opens_at" in resp.get_json()
    grace = make_event(branch, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=25))
    assert checkin(client, member_auth, grace.id, codes.issue(grace.id)[0]).status_code == 201


def test_member_of_another_branch_gets_404(client, secretary, event, ctx):
    stranger = bearer(member_token(make_member(make_branch())))
    resp = checkin(client, stranger, event.id, code_for(client, secretary, event.id))
    assert resp.status_code == 404
    assert checkin(client, stranger, 999999, "1.a.b").status_code == 404


@pytest.mark.parametrize("status", ["transferred", "returned"])
def test_a_member_who_left_the_branch_is_told_so(client, secretary, event, status):
    left = bearer(member_token(make_member(event.branch, status=status)))
    resp = checkin(client, left, event.id, code_for(client, secretary, event.id))
    assert resp.status_code == 409 and resp.get_json()["code"] == "member_left"
    assert "不能再在本支部签到" in resp.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 0


def test_committee_meeting_is_for_committee_members(client, secretary, branch, member_auth):
    event = make_event(branch, kind="committee")
    token = code_for(client, secretary, event.id)
    assert checkin(client, member_auth, event.id, token).status_code == 404
    committee = bearer(member_token(make_member(branch, is_committee=True)))
    assert checkin(client, committee, event.id, token).status_code == 201


def test_cancelled_event_is_422(client, secretary, member_auth, branch):
    event = make_event(branch)
    token = code_for(client, secretary, event.id)
    assert client.post(f"/api/v1/events/{event.id}/cancel", headers=secretary, json={"reason": "下雨"}).status_code == 200
    resp = checkin(client, member_auth, event.id, token)
    assert resp.status_code == 422 and resp.get_json()["code"] == "event_cancelled"


def test_absurd_or_malformed_positions_are_refused(client, secretary, member_auth, event):
    token = code_for(client, secretary, event.id)
    resp = checkin(client, member_auth, event.id, token, accuracy=3000)
    assert resp.status_code == 422 and "accuracy" in resp.get_json()["errors"]
    for bad in ({"accuracy": -1}, {"lat": 91}, {"lng": "东经"}, {"checked_in_at": "2026-01-01T00:00:00+08:00"}):
        body = {"token": token, "lat": VENUE[0], "lng": VENUE[1], **bad}
        resp = client.post(f"/api/v1/events/{event.id}/checkins", headers=member_auth, json=body)
        assert resp.status_code == 422 and resp.get_json()["code"] == "validation_error", bad
    assert client.post(f"/api/v1/events/{event.id}/checkins", headers=member_auth, data="nope",
                       content_type="application/json").status_code == 400
    assert count_checkins() == 0


def test_staff_and_unbound_tokens_cannot_check_in(client, secretary, event, ctx):
    token = code_for(client, secretary, event.id)
    assert checkin(client, secretary, event.id, token).status_code == 403
    assert checkin(client, bearer(member_token(None)), event.id, token).status_code == 403
    assert checkin(client, {}, event.id, token).status_code == 401


def test_rate_limited_per_member(client, member_auth, event, app):
    for _ in range(app.config["CHECKIN_RATE_MAX"]):
        assert checkin(client, member_auth, event.id, "1.a.b").status_code == 422
    resp = checkin(client, member_auth, event.id, "1.a.b")
    assert resp.status_code == 429 and resp.get_json()["code"] == "rate_limited"


def test_twenty_concurrent_taps_make_one_record(app, client, secretary, member_auth, event):
    event_id = event.id
    token = code_for(client, secretary, event_id)
    statuses, ids, barrier = [], [], threading.Barrier(20)

    def tap():
        tapper = app.test_client()
        barrier.wait()
        resp = checkin(tapper, member_auth, event_id, token)
        statuses.append(resp.status_code)
        ids.append((resp.get_json().get("checkin") or {}).get("id"))

    threads = [threading.Thread(target=tap) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 19 + [201]
    assert len(set(ids)) == 1 and ids[0] is not None
    assert count_checkins() == 1 and len(outbox("checkin.created")) == 1


def test_many_members_at_once_each_get_their_record(app, client, secretary, branch, event):
    event_id = event.id
    token = code_for(client, secretary, event_id)
    auths = [bearer(member_token(make_member(branch))) for _ in range(12)]
    statuses, barrier = [], threading.Barrier(len(auths))

    def tap(auth):
        tapper = app.test_client()
        barrier.wait()
        statuses.append(checkin(tapper, auth, event_id, token).status_code)

    threads = [threading.Thread(target=tap, args=(a,)) for a in auths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * len(auths)
    assert count_checkins() == len(auths) and len(outbox("checkin.created")) == len(auths)
