"""The county, township and branch summaries as xlsx: title row, real numbers and dates, full lists, scope."""
import io
from datetime import datetime, timezone

from openpyxl import load_workbook
from sqlalchemy import select

from server.core.audit import AuditEntry
from server.dashboard.models import LostContactFlag
from server.dashboard.tasks import apply_outbox
from server.extensions import db
from tests.dashboard.conftest import checkin, paid, report
from tests.factories import bearer, make_branch, make_member, make_township, member_token, staff_token

M = "2026-06"
OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _workbook(client, url, headers):
    apply_outbox()
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(resp.data))


def _rows(ws, first=4):
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def _seed():
    town = make_township("金山镇")
    branch = make_branch(town, name="金山镇流动党员党支部")
    second = make_branch(town, name="金山镇第二流动党员党支部")
    a = make_member(branch, name="张建国", paid_through=M, created_at=OLD)
    owing = make_member(branch, name="=HYPERLINK(\"http://x\")", paid_through="2025-10", created_at=OLD)
    quiet = make_member(second, name="刘志强", paid_through=M, created_at=OLD,
                        last_activity_at=datetime(2025, 11, 3, 2, 30, tzinfo=timezone.utc))
    db.session.add(LostContactFlag(member_id=quiet.id, township_id=town.id, branch_id=second.id,
                                   last_seen_at=quiet.last_activity_at))
    db.session.commit()
    checkin(a, M), report(a, M), paid(a, M, 1250), report(a, "2026-04")
    return town, branch, a, owing, quiet


def test_county_export_has_summary_series_and_full_lists(client, ctx, county_headers):
    town, branch, a, owing, quiet = _seed()
    wb = _workbook(client, f"/api/v1/dashboard/county/export?month={M}", county_headers)
    assert wb.sheetnames == ["汇总", "近12个月", "欠缴满6个月", "失联党员"]
    summary = wb["汇总"]
    assert summary["A1"].value == "全县 2026年6月 看板汇总"
    assert "A1:N1" in [str(r) for r in summary.merged_cells.ranges]
    assert summary["A3"].value == "乡镇" and summary["K3"].value == "本月党费（元）"
    town_row, total_row = _rows(summary)
    assert town_row[:4] == ["金山镇", 3, 3, 1] and total_row[0] == "合计"
    assert summary["E4"].value == round(1 / 3, 4) and summary["E4"].number_format == "0.0%"
    assert summary["K4"].value == 12.5 and summary["K4"].number_format == "0.00"
    assert summary.column_dimensions["A"].width >= 8

    series = wb["近12个月"]
    months = {r[0]: r for r in _rows(series)}
    assert len(months) == 12 and all(isinstance(m, datetime) for m in months)
    assert series["A4"].number_format == 'yyyy"年"m"月"'
    assert months[datetime(2026, 5, 1)][1:7] == [None] * 6 and "无" in months[datetime(2026, 5, 1)][7]
    assert months[datetime(2026, 4, 1)][1] == 1 and months[datetime(2026, 6, 1)][6] == 12.5

    arrears = wb["欠缴满6个月"]
    assert arrears["A1"].value.startswith("全县 欠缴党费满6个月名单")
    (row,) = _rows(arrears)
    assert row[1] == owing.name and row[2:4] == ["金山镇", "金山镇流动党员党支部"]
    assert row[4] == owing.phone_masked and row[5] == datetime(2025, 10, 1) and row[6] == 8
    assert arrears.cell(4, 2).data_type == "s"  # the name that looks like a formula stays text

    (lost,) = _rows(wb["失联党员"])
    assert lost[1] == "刘志强" and lost[5] == "待支部书记确认"
    assert lost[6] == datetime(2025, 11, 3, 10, 30)  # Beijing time, a real date
    assert wb["失联党员"].cell(4, 7).number_format == "yyyy-mm-dd hh:mm"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.county_exported")).one()
    assert entry.detail["members"] == sorted([owing.id, quiet.id])


def test_township_and_branch_exports_follow_scope(client, ctx):
    town, branch, a, owing, quiet = _seed()
    town_admin = bearer(staff_token("township_admin", town.id))
    wb = _workbook(client, f"/api/v1/dashboard/townships/{town.id}/export?month={M}", town_admin)
    assert wb["汇总"]["A1"].value == "金山镇 2026年6月 看板汇总"
    assert [r[0] for r in _rows(wb["汇总"])] == ["金山镇流动党员党支部", "金山镇第二流动党员党支部", "合计"]

    secretary = bearer(staff_token("branch_secretary", branch.id))
    wb = _workbook(client, f"/api/v1/dashboard/branches/{branch.id}/export?month={M}", secretary)
    assert [r[:3] for r in _rows(wb["汇总"])] == [["金山镇流动党员党支部", 2, 2]]  # one unit, no total row
    assert [r[1] for r in _rows(wb["欠缴满6个月"])] == [owing.name]
    assert _rows(wb["失联党员"]) == [[None, "无", None, None, None, None, None, None]]

    for url, headers, status in (
            (f"/api/v1/dashboard/branches/{quiet.mobile_branch_id}/export", secretary, 404),
            (f"/api/v1/dashboard/townships/{town.id}/export", secretary, 403),
            ("/api/v1/dashboard/county/export", town_admin, 403),
            ("/api/v1/dashboard/county/export", bearer(member_token(a)), 403),
            (f"/api/v1/dashboard/townships/{make_township().id}/export", town_admin, 404),
            ("/api/v1/dashboard/county/export?month=June", bearer(staff_token()), 422)):
        resp = client.get(url, headers=headers)
        assert resp.status_code == status, (url, resp.status_code)
        assert resp.get_json()["message"]
