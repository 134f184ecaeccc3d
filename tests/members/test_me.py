"""The member's own profile and report-ins."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from server.common.timeutil import month_bounds
from server.core.outbox import OutboxChange
from server.extensions import db
from server.members.models import Report
from server.members.service import add_report
from tests.factories import bearer, make_member, member_token, months_ago

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
    for n in range(3):  # one report-in a month: three months back, then this month
        add_report(mine, "襄阳市", "樊城区人民路 8 号", f"单位{n}", None, None,
                   month_bounds(months_ago(3 - n))[0] + timedelta(days=2))
    db.session.commit()
    client.post("/api/v1/me/reports", headers=bearer(token), json={**REPORT, "employer": "单位3"})
    client.post("/api/v1/me/reports", headers=bearer(member_token(other)), json=REPORT)
    page = client.get("/api/v1/me/reports?per_page=2", headers=bearer(token)).get_json()
    assert page["total"] == 4 and page["per_page"] == 2
    assert [r["employer"] for r in page["items"]] == ["单位3", "单位2"]
    second = client.get("/api/v1/me/reports?per_page=2&page=2", headers=bearer(token)).get_json()
    assert [r["employer"] for r in second["items"]] == ["单位1", "单位0"]
    assert client.get("/api/v1/me/reports?per_page=1000", headers=bearer(token)).status_code == 422


def test_a_second_report_in_the_same_month_updates_that_months_record(client, ctx):
    member = make_member()
    token = member_token(member)
    first = client.post("/api/v1/me/reports", headers=bearer(token), json=REPORT)
    assert first.status_code == 201 and first.get_json()["updated_at"] is None
    moved = {"city": "武汉市", "address": "武汉市洪山区珞喻路 100 号", "employer": "武汉光谷电子科技公司"}
    again = client.post("/api/v1/me/reports", headers=bearer(token), json=moved)
    assert again.status_code == 200
    body = again.get_json()
    assert body["id"] == first.get_json()["id"] and body["created_at"] == first.get_json()["created_at"]
    assert body["updated_at"] is not None and body["city"] == "武汉市"
    history = client.get("/api/v1/me/reports", headers=bearer(token)).get_json()
    assert history["total"] == 1 and history["items"][0]["employer"] == "武汉光谷电子科技公司"
    changes = db.session.execute(select(OutboxChange).order_by(OutboxChange.seq)).scalars().all()
    assert [c.type for c in changes] == ["report.created", "report.updated"]
    assert changes[1].data["report_id"] == body["id"] and changes[1].data["city"] == "武汉市"


def test_concurrent_report_ins_of_one_month_leave_one_record(app, client, ctx):
    member = make_member()
    token = member_token(member)
    statuses = []

    def report(n):
        with app.app_context():
            statuses.append(app.test_client().post("/api/v1/me/reports", headers=bearer(token),
                                                   json={**REPORT, "employer": f"单位{n}"}).status_code)

    threads = [threading.Thread(target=report, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert db.session.execute(select(func.count()).select_from(Report)).scalar_one() == 1


def test_unbound_account_gets_not_bound(client, ctx):
    token = member_token()
    for resp in (client.get("/api/v1/me", headers=bearer(token)),
                 client.post("/api/v1/me/reports", headers=bearer(token), json=REPORT)):
        assert resp.status_code == 403 and resp.get_json()["code"] == "not_bound"
