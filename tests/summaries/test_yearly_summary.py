"""The home village branch's yearly summary: figures from real check-ins, leave, reports, dues and evaluations."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.checkins.models import Checkin, LeaveRequest
from server.common.timeutil import local, utcnow
from server.core.audit import AuditEntry
from server.evaluations.models import Evaluation
from server.extensions import db
from server.members.models import Report
from tests.callers import assert_error_shape
from tests.factories import bearer, make_branch, make_event, make_member, make_township, staff_token
from tests.pdfs import pdf_text


@pytest.fixture
def village(ctx):
    now = utcnow()
    year = local(now).year
    mobile = make_branch()
    village = make_branch(mobile.township, kind="village", name="红星村党支部")
    zhang = make_member(mobile, village_branch=village, name="张长江", paid_through=f"{year}-09")
    li = make_member(mobile, village_branch=village, name="李黄河")
    elsewhere = make_member(mobile, name="外村人")
    # Three past meetings this year (all in the current Beijing year), one cancelled, one in the future.
    starts = [now - timedelta(hours=h) for h in (3, 2, 1)]
    if local(starts[0]).year != year:  # just after New Year: keep them inside the year
        starts = [now - timedelta(minutes=m) for m in (30, 20, 10)]
    events = [make_event(mobile, starts_at=s, ends_at=s + timedelta(minutes=5)) for s in starts]
    make_event(mobile, starts_at=starts[0], status="cancelled")
    make_event(mobile, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1))
    for event in events[:2]:
        db.session.add(Checkin(event_id=event.id, member_id=zhang.id, checked_in_at=event.starts_at))
    db.session.add(Checkin(event_id=events[0].id, member_id=elsewhere.id, checked_in_at=events[0].starts_at))
    db.session.add(LeaveRequest(event_id=events[2].id, member_id=zhang.id, reason="加班", status="approved"))
    db.session.add(LeaveRequest(event_id=events[1].id, member_id=li.id, reason="回老家", status="denied"))
    db.session.add(LeaveRequest(event_id=events[2].id, member_id=li.id, reason="生病", status="approved"))
    for month in (f"{year}-01", f"{year}-02", f"{year - 1}-12"):
        db.session.add(Report(member_id=zhang.id, month=month, city="武汉市", address="江汉区", employer="物流公司",
                              created_at=now))
    db.session.add(Evaluation(member_id=zhang.id, year=year, grade="优秀", recorded_on=date(year, 1, 1),
                              recorded_by="sj", recorded_at=now))
    db.session.add(Evaluation(member_id=li.id, year=year - 1, grade="合格", recorded_on=date(year - 1, 12, 1),
                              recorded_by="sj", recorded_at=now))
    db.session.commit()
    return {"village": village, "mobile": mobile, "year": year,
            "admin": bearer(staff_token("township_admin", mobile.township_id))}


def test_figures_per_member(client, village):
    resp = client.get(f"/api/v1/branches/{village['village'].id}/yearly-summary?year={village['year']}",
                      headers=village["admin"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    rows = {r["member"]["name"]: r for r in body["items"]}
    assert set(rows) == {"张长江", "李黄河"}
    zhang, li = rows["张长江"], rows["李黄河"]
    assert (zhang["reports"], zhang["meetings_expected"], zhang["meetings_attended"], zhang["meetings_on_leave"],
            zhang["meetings_missed"]) == (2, 3, 2, 1, 0)
    assert (li["reports"], li["meetings_expected"], li["meetings_attended"], li["meetings_on_leave"],
            li["meetings_missed"]) == (0, 3, 0, 1, 2)  # a denied leave is a miss
    assert zhang["paid_through"] == f"{village['year']}-09" and li["paid_through"] is None
    assert zhang["evaluation"]["grade"] == "优秀" and li["evaluation"] is None
    assert "*" in zhang["member"]["id_number_masked"]
    assert body["totals"] == {"reports": 2, "meetings_expected": 6, "meetings_attended": 2, "meetings_on_leave": 2,
                              "meetings_missed": 2, "evaluated": 1}
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "summary.yearly_read")).all() == ["summary.yearly_read"]


def test_xlsx_and_pdf_carry_the_same_figures(client, village):
    url = f"/api/v1/branches/{village['village'].id}/yearly-summary?year={village['year']}"
    xlsx = client.get(url + "&format=xlsx", headers=village["admin"])
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(BytesIO(xlsx.data)).active
    assert "红星村党支部" in ws["A1"].value and str(village["year"]) in ws["A1"].value
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["张长江"][3:] == ("在册", 2, 3, 2, 1, 0, f"{village['year']}年9月", "优秀")
    assert rows["李黄河"][4:] == (0, 3, 0, 1, 2, "无缴费记录", "未评议")
    assert "*" in rows["张长江"][1]
    assert rows["合计"][4:9] == (2, 6, 2, 2, 2)
    pdf = client.get(url + "&format=pdf", headers=village["admin"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data).replace("\n", "")  # narrow table cells wrap
    assert "红星村党支部" in text and "张长江" in text and "李黄河" in text
    assert f"{village['year']}年9月" in text and "优秀" in text and "未评议" in text


def test_scope_kind_and_bad_input(client, village):
    url = f"/api/v1/branches/{village['village'].id}/yearly-summary"
    other = bearer(staff_token("township_admin", make_township().id))
    assert_error_shape(client.get(url, headers=other), 404, "not_found")
    assert_error_shape(client.get(url, headers=bearer(staff_token("branch_secretary", village["mobile"].id))),
                       403, "forbidden")
    assert client.get(url, headers=bearer(staff_token("county_admin"))).status_code == 200
    assert_error_shape(client.get(f"/api/v1/branches/{village['mobile'].id}/yearly-summary",
                                  headers=village["admin"]), 422, "not_village_branch")
    for query in ("year=1999", f"year={village['year'] + 1}", "format=doc", "year=abc"):
        assert_error_shape(client.get(f"{url}?{query}", headers=village["admin"]), 422)
