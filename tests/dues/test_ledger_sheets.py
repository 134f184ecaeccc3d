"""Ledger sheets a township office can file: money as numbers with two decimals, Excel dates, fitted widths,
a totals row, a title naming branch and year, cells as data (the dues ledger and the arrears list)."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from server.common.timeutil import local, utcnow
from server.extensions import db
from tests.dues.offline_helpers import record
from tests.factories import bearer, make_paying_member, months_ago


def _sheet(client, url, token):
    resp = client.get(url, headers=bearer(token))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return load_workbook(io.BytesIO(resp.data)).active


def test_the_dues_ledger_has_a_numeric_totals_row_dates_and_fitted_widths(client, branch, member, secretary):
    year = int(months_ago(0)[:4])
    second = make_paying_member(branch, name="=HYPERLINK(\"http://x\")")
    month = months_ago(0)
    record(client, secretary, second, [month])
    first_owed = client.get(f"/api/v1/members/{member.id}/dues", headers=bearer(secretary)).get_json()["owed"][0]
    record(client, secretary, member, [first_owed["month"]])
    ws = _sheet(client, f"/api/v1/branches/{branch.id}/dues/ledger?year={year}&format=xlsx", secretary)
    assert branch.name in ws.cell(1, 1).value and str(year) in ws.cell(1, 1).value
    assert ws.cell(3, 18).value == "最近缴费日期"
    rows = {ws.cell(r, 2).value: r for r in range(4, 6)}
    assert ws.cell(rows[second.name], 2).data_type == "s"  # a name that looks like a formula stays text
    month_col = 3 + int(month[5:])
    paid = ws.cell(rows[second.name], month_col)
    assert paid.value == 15 and paid.number_format == "0.00"
    last_paid = ws.cell(rows[second.name], 18)
    assert last_paid.is_date and last_paid.value.date() <= local(utcnow()).date()  # Beijing's day
    totals = 6
    assert ws.cell(totals, 1).value == "合计"
    year_total = ws.cell(totals, 16)
    expected = 15 + (15 if first_owed["month"].startswith(str(year)) else 0)
    assert float(year_total.value) == expected and year_total.number_format == "0.00"
    assert float(ws.cell(totals, month_col).value) >= 15
    assert ws.column_dimensions["B"].width >= 2 * len(second.name) * 0.5
    assert all(ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOPQR")
    # Printed on one A4 page width, landscape, with rows tall enough for the 14 pt type.
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$3"
    assert ws.cell(4, 2).font.sz == 14 and ws.row_dimensions[4].height >= 20


def test_the_arrears_list_as_a_sheet(client, branch, secretary):
    behind = make_paying_member(branch, joined_months_ago=8, name="欠缴者")
    behind.paid_through = months_ago(7)
    db.session.commit()
    body = client.get(f"/api/v1/branches/{branch.id}/dues/arrears", headers=bearer(secretary)).get_json()
    assert body["members"][0]["owed_fen"] == 1500 * 7 and body["township"]["id"] == branch.township_id
    ws = _sheet(client, f"/api/v1/branches/{branch.id}/dues/arrears?format=xlsx", secretary)
    assert branch.name in ws.cell(1, 1).value and months_ago(0)[:4] in ws.cell(1, 1).value
    assert [ws.cell(3, c).value for c in range(1, 7)][-1] == "应缴未缴（元）"
    assert ws.cell(4, 2).value == "欠缴者" and ws.cell(4, 5).value == 7
    assert float(ws.cell(4, 6).value) == 105 and ws.cell(4, 6).number_format == "0.00"
    assert ws.cell(5, 1).value == "合计" and float(ws.cell(5, 6).value) == 105
    assert ws.column_dimensions["D"].width >= 12
    assert ws.cell(4, 2).font.sz == 14 and ws.row_dimensions[4].height >= 20
    # The long title wraps inside the six columns, which fit one portrait A4 page width.
    assert ws.cell(1, 1).alignment.wrap_text and ws.row_dimensions[1].height >= 40
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert client.get(f"/api/v1/branches/{branch.id}/dues/arrears?format=pdf",
                      headers=bearer(secretary)).status_code == 422
