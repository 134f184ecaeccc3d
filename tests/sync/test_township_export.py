"""The township office's workbook: typed cells (Excel dates, money in yuan with two decimals), title and totals
rows, fitted columns, and a summary sheet with each month's digest and whether it matched the service."""
import sqlite3
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from server.common.timeutil import current_month, month_add
from server.members.service import change_status
from tests.factories import make_branch, make_key, make_member, make_township
from tests.sync.synchelpers import (
    checkin,
    evaluation,
    offline_paid,
    offline_reversed,
    paid,
    refunded,
    report,
    upsert,
)
from township_sync import cli

SHEETS = ["核对汇总", "党员名册", "状态变动", "报到记录", "签到记录", "党费缴纳", "民主评议", "活动证"]


@pytest.fixture
def exported(live_server, ctx, tmp_path):
    """金山镇 pulled and verified for this month, with last month's payment never verified; then exported."""
    township = make_township("金山镇")
    branch = make_branch(township)
    members = [make_member(branch, name=name, left_on=date(2023, 3, 1)) for name in ("张建国", "李红梅", "王德胜")]
    for m in members:
        upsert(m), report(m), checkin(m)
    first = paid(members[0], 3000)
    refunded(members[0], first, 3000)
    order = paid(members[1], 1550)
    paid(members[1], 2000, paid_month=month_add(current_month(), -1))
    offline_paid(members[2], 5, 1234, method="cash")
    offline_paid(members[2], 6, 1000)
    offline_reversed(members[2], 6, 1000)
    change_status(members[2].id, "returned", "返乡务农", "staff:1")
    evaluation(members[0], 2025, "优秀", "=HYPERLINK(\"http://evil.example\",\"看\")")
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "台账.xlsx"
    key = make_key(township)
    assert cli.main(["pull", "--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", str(ledger)]) == 0
    assert cli.main(["export", "--db", str(ledger), "--out", str(out)]) == 0
    return load_workbook(out), members, order, ledger, out


def rows_of(sheet):
    """(title, headings, data rows, totals row)."""
    rows = list(sheet.iter_rows())
    return rows[0][0].value, [c.value for c in rows[1]], rows[2:-1], rows[-1]


def test_sheets_have_a_title_headings_and_totals(exported):
    book, members, *_ = exported
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        title, headings, _, _ = rows_of(sheet)
        assert title.startswith("金山镇流动党员台账 · ") and "导出于" in title
        assert all(headings)
        assert sheet.freeze_panes == "A3"
        # Each sheet prints one A4 page wide, landscape, with its title and headings on every page.
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$2"
    title, _, payments, _ = rows_of(book["党费缴纳"])
    years = sorted({str(row[10].value)[:4] for row in payments if row[10].value})
    assert f"{years[0]}年" in title  # the title names the years the payments fall in
    _, headings, data, totals = rows_of(book["党员名册"])
    assert headings[:2] == ["党员编号", "姓名"] and len(data) == 3 and totals[0].value == "合计 3 人"
    assert "已返乡" in [row[7].value for row in data]


def test_money_is_yuan_with_two_decimals_and_totals_net_out(exported):
    book, members, order, *_ = exported
    _, headings, data, totals = rows_of(book["党费缴纳"])
    money = headings.index("金额（元）")
    cells = [row[money] for row in data]
    assert all(isinstance(c.value, (int, float)) and c.number_format == "0.00" for c in cells)
    by_number = {row[1].value: row for row in data if row[0].value == "缴费"}
    assert by_number[order][money].value == pytest.approx(15.50)
    assert by_number["SJ00000005"][headings.index("渠道")].value == "线下缴纳"
    assert by_number["SJ00000005"][headings.index("缴纳方式")].value == "现金"
    assert sorted(row[0].value for row in data).count("冲销") == 1 and [r[0].value for r in data].count("退款") == 1
    assert totals[0].value == f"合计 {len(data)} 笔"
    assert totals[money].value == pytest.approx(15.50 + 20.00 + 12.34) and totals[money].number_format == "0.00"


def test_dates_and_instants_are_excel_dates(exported):
    book, members, *_ = exported
    _, headings, data, _ = rows_of(book["签到记录"])
    at = data[0][headings.index("签到时间")]
    assert isinstance(at.value, datetime) and at.number_format == "yyyy-mm-dd hh:mm" and at.is_date
    _, headings, data, _ = rows_of(book["党员名册"])
    left = data[0][headings.index("外出时间")]
    assert left.value == datetime(2023, 3, 1) and left.number_format == "yyyy-mm-dd"
    _, headings, data, _ = rows_of(book["党费缴纳"])
    assert all(isinstance(row[headings.index("时间")].value, datetime) for row in data)
    _, headings, data, _ = rows_of(book["民主评议"])
    assert isinstance(data[0][headings.index("评定日期")].value, datetime)


def test_reported_instants_are_beijing_time(exported):
    book, _, _, ledger, _ = exported
    stored = sqlite3.connect(ledger).execute("SELECT reported_at FROM reports ORDER BY report_id").fetchone()[0]
    _, headings, data, _ = rows_of(book["报到记录"])
    shown = data[0][headings.index("报到时间")].value
    assert stored.endswith("+08:00") and shown == datetime.fromisoformat(stored[:19])


def test_columns_fit_their_longest_entry(exported):
    book, _, order, *_ = exported
    sheet = book["党费缴纳"]
    assert sheet.column_dimensions["B"].width >= len(order)
    assert sheet.column_dimensions["A"].width < 20


def test_member_text_stays_text(exported):
    book, *_ = exported
    _, _, data, _ = rows_of(book["民主评议"])
    note = data[0][4]
    assert note.data_type == "s" and note.value.startswith("=HYPERLINK")


def test_the_summary_shows_each_month_and_whether_it_matched(exported, live_server):
    book, members, _, ledger, out = exported
    _, headings, data, totals = rows_of(book["核对汇总"])
    assert headings[:6] == ["月份", "党员人数", "签到次数", "党费实缴（元）", "本地校验值", "与服务器核对"]
    months = {row[0].value: row for row in data}
    assert set(months) == {current_month(), month_add(current_month(), -1)}
    now = months[current_month()]
    assert now[5].value == "核对一致" and isinstance(now[6].value, datetime)
    assert (now[1].value, now[2].value, now[3].value) == (3, 3, pytest.approx(27.84))
    assert now[3].number_format == "0.00" and now[4].value == now[7].value
    assert months[month_add(current_month(), -1)][5].value == "未核对"
    assert totals[0].value == "合计" and totals[3].value == pytest.approx(47.84)

    # The ledger changed after the verify: the summary no longer claims it matched.
    with sqlite3.connect(ledger) as conn:
        conn.execute("DELETE FROM checkins WHERE member_id = ?", (members[0].id,))
    assert cli.main(["export", "--db", str(ledger), "--out", str(out)]) == 0
    _, _, data, _ = rows_of(load_workbook(out)["核对汇总"])
    assert {row[0].value: row[5].value for row in data}[current_month()] == "台账已变化，请重新核对"
