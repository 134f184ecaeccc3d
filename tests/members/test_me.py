"""The member's own profile and report-ins."""
from sqlalchemy import func, select

from server.core.outbox import OutboxChange
from server.extensions import db
from server.members.models import Report
from tests.factories import bearer, make_member, member_token

REPORT = {"city": "襄阳市", "address": "樊城区人民路 8 号", "employer": "襄阳汽车轴承厂"}


def test_me_masks_id_number_and_phone(client, ctx):
    member = make_member(name="赵敏", phone="13912345678")
    body = client.get("/api/v1/me", headers=bearer(member_token(member))).get_json()
    masked = body["member"]
    assert masked["phone_masked"] == "139****5678"
    assert masked["id_number_masked"] == member.id_number[:4] + "*" * 10 + member.id_number[-4:]
    assert member.id_number not in str(body) and "13912345678" not in str(body)
    assert set(masked) == {"id", "name", "id_number_masked", "phone_masked", "township", "branch",
                           "mobile_branch", "status", "paid_through"}


def test_report_sets_month_and_time_on_the_server(client, ctx):
    member = make_member()
    resp = client.post("/api/v1/me/reports", headers=bearer(member_token(member)), json=REPORT)
    assert resp.status_code == 201
    report = resp.get_json()
    from server.common.timeutil import current_month

    assert report["month"] == current_month() and report["lat"] is None


def test_client_cannot_set_month_or_time(client, ctx):
    token = member_token(make_member())
    for extra in ({"month": "2020-01"}, {"created_at": "2020-01-01T00:00:00+08:00"}, {"member_id": 1}):
        resp = client.post("/api/v1/me/reports", headers=bearer(token), json={**REPORT, **extra})
        assert resp.status_code == 422
        assert list(resp.get_json()["errors"]) == list(extra)


def test_bad_reports_are_422_and_change_nothing(client, ctx):
    member = make_member()
    token = member_token(member)
    for body in (
        {**REPORT, "city": ""}, {**REPORT, "city": "  "}, {**REPORT, "address": "路" * 256},
        {**REPORT, "lat": 91, "lng": 110}, {**REPORT, "lat": 30, "lng": -181}, {**REPORT, "lat": 30},
        {**REPORT, "lat": "north", "lng": 1}, {k: v for k, v in REPORT.items() if k != "employer"},
        {**REPORT, "employer": 5},
    ):
        resp = client.post("/api/v1/me/reports", headers=bearer(token), json=body)
        assert resp.status_code == 422, body
    assert client.post("/api/v1/me/reports", headers=bearer(token), data="[",
                       content_type="application/json").status_code == 400
    assert db.session.execute(select(func.count()).select_from(Report)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(OutboxChange)).scalar_one() == 0
    db.session.refresh(member)
    assert member.last_activity_at is None


def test_report_history_is_paged_newest_first_and_only_mine(client, ctx):
    mine, other = make_member(), make_member()
    token = member_token(mine)
    for n in range(3):
        client.post("/api/v1/me/reports", headers=bearer(token), json={**REPORT, "employer": f"单位{n}"})
    client.post("/api/v1/me/reports", headers=bearer(member_token(other)), json=REPORT)
    page = client.get("/api/v1/me/reports?per_page=2", headers=bearer(token)).get_json()
    assert page["total"] == 3 and page["per_page"] == 2
    assert [r["employer"] for r in page["items"]] == ["单位2", "单位1"]
    second = client.get("/api/v1/me/reports?per_page=2&page=2", headers=bearer(token)).get_json()
    assert [r["employer"] for r in second["items"]] == ["单位0"]
    assert client.get("/api/v1/me/reports?per_page=1000", headers=bearer(token)).status_code == 422


def test_unbound_account_gets_not_bound(client, ctx):
    token = member_token()
    for resp in (client.get("/api/v1/me", headers=bearer(token)),
                 client.post("/api/v1/me/reports", headers=bearer(token), json=REPORT)):
        assert resp.status_code == 403 and resp.get_json()["code"] == "not_bound"
