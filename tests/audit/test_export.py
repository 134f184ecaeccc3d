"""`GET /api/v1/audit?format=xlsx`: the filtered list as a sheet, masked, typed, bounded."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from server.common.timeutil import local, utcnow
from server.common.xlsx import XLSX_MIMETYPE
from tests.audit.conftest import AUDIT
from tests.callers import assert_error_shape
from tests.factories import make_audit_entry, make_id_number

ID_NUMBER = make_id_number()
PHONE = "13912345678"


def _sheet(client, caller, query=""):
    resp = client.get(f"{AUDIT}?format=xlsx{query}", headers=caller)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == XLSX_MIMETYPE
    return load_workbook(io.BytesIO(resp.data)).active


def _data_rows(ws):
    return [row for row in ws.iter_rows(min_row=4, values_only=True)]


def test_the_sheet_has_a_title_headings_and_typed_rows(client, county, towns):
    at = utcnow().replace(microsecond=0) - timedelta(hours=1)
    make_audit_entry("member.read", at=at, member=towns[0].member, detail={"page": 2})
    ws = _sheet(client, county, "&action=member.read")
    assert ws["A1"].value == "审计日志（全县）" and "筛选条件" in ws["A2"].value and "操作：member.read" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["时间", "操作人", "操作", "党员 id", "IP 地址", "详情"]
    [row] = _data_rows(ws)
    when, actor, action, member_id, ip, detail = row
    assert isinstance(when, datetime) and when == local(at).replace(tzinfo=None)
    assert ws["A4"].number_format == "yyyy-mm-dd hh:mm"
    assert (actor, action, member_id, ip) == ("cli", "member.read", towns[0].member.id, "203.0.113.7")
    assert isinstance(member_id, int) and detail == '{"page": 2}'
    assert ws.column_dimensions["F"].width >= len(detail)


def test_id_numbers_and_phones_are_masked_even_in_old_rows(client, county, towns):
    # Written straight to the table, as a row from before the masking rule would be.
    make_audit_entry("staff.login_failed", detail={"username": f"{ID_NUMBER} {PHONE}", "nested": [PHONE]})
    ws = _sheet(client, county, "&action=staff.login_failed")
    [row] = _data_rows(ws)
    assert ID_NUMBER not in row[5] and PHONE not in row[5]
    assert f"{ID_NUMBER[:4]}{'*' * 10}{ID_NUMBER[-4:]}" in row[5] and "139****5678" in row[5]
    body = client.get(f"{AUDIT}?action=staff.login_failed", headers=county).get_data(as_text=True)
    assert ID_NUMBER not in body and PHONE not in body


def test_text_that_looks_like_a_formula_stays_text(client, county, towns):
    make_audit_entry("leave.decided", detail={"note": '=HYPERLINK("http://evil","x")'})
    make_audit_entry("=cmd|' /C calc'!A0", detail=None)
    ws = _sheet(client, county)
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, str)]
    assert cells and all(c.data_type == "s" for c in cells)
    assert any(c.value == "=cmd|' /C calc'!A0" for c in cells)


def test_the_export_follows_the_callers_scope_and_filters(client, towns):
    mine, theirs = towns
    make_audit_entry("about.mine", member=mine.member)
    make_audit_entry("about.theirs", member=theirs.member)
    ws = _sheet(client, mine.admin)
    assert ws["A1"].value == f"审计日志（{mine.branch.township.name}）"
    actions = {row[2] for row in _data_rows(ws)}
    assert "about.mine" in actions and "about.theirs" not in actions


def test_an_export_past_the_cap_is_refused_with_a_reason(app, client, county, towns):
    app.config["AUDIT_EXPORT_MAX_ROWS"] = 3
    for _ in range(4):
        make_audit_entry("bulk.entry")
    body = assert_error_shape(client.get(f"{AUDIT}?format=xlsx&action=bulk.entry", headers=county), 422,
                              "export_too_large")
    assert "4" in body["message"] and "3" in body["message"]
    app.config["AUDIT_EXPORT_MAX_ROWS"] = 4
    assert len(_data_rows(_sheet(client, county, "&action=bulk.entry"))) == 4


def test_the_export_is_audited(client, county, towns):
    make_audit_entry("one.entry")
    _sheet(client, county, "&action=one.entry")
    [item] = client.get(f"{AUDIT}?action=audit.exported", headers=county).get_json()["items"]
    assert item["detail"] == {"filters": {"action": "one.entry"}, "rows": 1}


def test_the_filter_row_names_the_dates_used(client, county, towns):
    ws = _sheet(client, county, "&from=2026-11-01&to=2026-11-30")
    assert "起：2026-11-01" in ws["A2"].value and "止：2026-11-30" in ws["A2"].value
