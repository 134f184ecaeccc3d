"""The dashboard summaries as xlsx (server/common/xlsx.py conventions): a title row, numbers and real Excel
dates (rates as percentages, money as yuan with two decimals), fitted columns, every cell stored as data."""
from __future__ import annotations

from datetime import date

from server.common import xlsx
from server.common.timeutil import local, utcnow
from server.common.xlsx import fit_columns, money_cell, when_cell, workbook_bytes

FONT = "宋体"
RATE_FORMAT = "0.0%"
MONTH_FORMAT = 'yyyy"年"m"月"'
_UNIT_COLUMNS = ("党员（正常）", "名册合计", "已报到", "报到率", "签到人数", "签到率", "签到人次", "已缴党费人数",
                 "缴费率", "本月党费（元）", "欠缴满6个月", "失联", "待确认失联")


def month_label(month: str) -> str:
    """2026-11 → 2026年11月."""
    return f"{int(month[:4])}年{int(month[5:])}月"


def _month_date(month: str | None) -> date | None:
    return date(int(month[:4]), int(month[5:]), 1) if month else None


def _sheet(wb: xlsx.Workbook, title: str, heading: str, columns: list[str], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.cell(1, 1, heading).font = xlsx.Font(name=FONT, size=18, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(2, len(columns)))
    ws.cell(1, 1).alignment = xlsx.Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    ws.cell(2, 1, f"导出时间：{local(utcnow()):%Y年%m月%d日 %H:%M}（北京时间）").font = xlsx.Font(name=FONT, size=12)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(2, len(columns)))
    for col, name in enumerate(columns, 1):
        ws.cell(3, col, name).font = xlsx.Font(name=FONT, size=12, bold=True)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return ws


def _rate(ws, row: int, col: int, value):
    cell = ws.cell(row, col, value)
    cell.number_format = RATE_FORMAT


def _unit_row(ws, row: int, name: str, f: dict) -> None:
    ws.cell(row, 1, name)
    values = [f["members"], sum(f["members_by_status"].values()), f["reported"], f["report_rate"],
              f["checkin_members"], f["checkin_rate"], f["checkins"], f["dues_paid_members"], f["dues_paid_rate"],
              None, f["arrears_6m"], f["lost_contact"], f["lost_contact_flagged"]]
    for col, value in enumerate(values, 2):
        if col in (5, 7, 10):
            _rate(ws, row, col, value)
        elif col == 11:
            money_cell(ws, row, col, f["paid_fen"])
        else:
            ws.cell(row, col, value)


def _summary(wb, heading: str, unit_label: str, units: list[dict], totals: dict | None) -> None:
    ws = _sheet(wb, "汇总", heading, [unit_label, *_UNIT_COLUMNS], first=True)
    row = 4
    for unit in units:
        _unit_row(ws, row, unit["name"], unit)
        row += 1
    if totals is not None:
        _unit_row(ws, row, "合计", totals)
        for col in range(1, len(_UNIT_COLUMNS) + 2):
            ws.cell(row, col).font = xlsx.Font(bold=True)
    fit_columns(ws, first_row=3)


def _series(wb, heading: str, points: list[dict]) -> None:
    ws = _sheet(wb, "近12个月", heading, ["月份", "已报到", "报到率", "签到人数", "签到率", "签到人次",
                                      "党费（元）", "备注"])
    for row, p in enumerate(points, 4):
        ws.cell(row, 1, _month_date(p["month"])).number_format = MONTH_FORMAT
        if not p["has_data"]:
            ws.cell(row, 8, "本月无报到、签到或缴费数据")
            continue
        ws.cell(row, 2, p["reported"])
        _rate(ws, row, 3, p["report_rate"])
        ws.cell(row, 4, p["checkin_members"])
        _rate(ws, row, 5, p["checkin_rate"])
        ws.cell(row, 6, p["checkins"])
        money_cell(ws, row, 7, p["paid_fen"])
    fit_columns(ws, first_row=3)


def _person_cells(ws, row: int, i: int, m: dict) -> None:
    for col, value in enumerate((i, m["name"], m["township"]["name"], m["mobile_branch"]["name"],
                                 m["phone_masked"]), 1):
        ws.cell(row, col, value)


def _arrears(wb, heading: str, arrears: dict) -> None:
    ws = _sheet(wb, "欠缴满6个月", heading, ["序号", "姓名", "乡镇", "支部", "手机（脱敏）", "党费缴至",
                                         "欠缴月数"])
    for i, m in enumerate(arrears["items"], 1):
        _person_cells(ws, i + 3, i, m)
        if m["paid_through"]:
            ws.cell(i + 3, 6, _month_date(m["paid_through"])).number_format = MONTH_FORMAT
        else:
            ws.cell(i + 3, 6, "从未缴纳")
        ws.cell(i + 3, 7, m["months_owed"])
    if not arrears["items"]:
        ws.cell(4, 2, "无")
    fit_columns(ws, first_row=3)


def _lost(wb, heading: str, lost: dict, flagged: dict) -> None:
    ws = _sheet(wb, "失联党员", heading, ["序号", "姓名", "乡镇", "支部", "手机（脱敏）", "情况",
                                      "最后活动", "标记时间"])
    rows = [(m, "已确认失联", m["last_activity_at"], None) for m in lost["items"]] + [
        (m, "待支部书记确认", m["last_seen_at"], m["flagged_at"]) for m in flagged["items"]]
    for i, (m, note, seen, flagged_at) in enumerate(rows, 1):
        _person_cells(ws, i + 3, i, m)
        ws.cell(i + 3, 6, note)
        when_cell(ws, i + 3, 7, seen)
        when_cell(ws, i + 3, 8, flagged_at)
    if not rows:
        ws.cell(4, 2, "无")
    fit_columns(ws, first_row=3)


def board_xlsx(name: str, unit_label: str, units: list[dict], board: dict, with_total: bool = True) -> bytes:
    """A board (county, township or branch) as a workbook: summary (one row per unit, then the total unless
    `with_total` is false), the 12-month series, the arrears and the lost-contact sheets."""
    wb = xlsx.Workbook()
    month = month_label(board["month"])
    _summary(wb, f"{name} {month} 看板汇总", unit_label, units, board["totals"] if with_total else None)
    _series(wb, f"{name} 截至{month}的近12个月趋势", board["series"])
    _arrears(wb, f"{name} 欠缴党费满6个月名单（{month}）", board["arrears"])
    _lost(wb, f"{name} 失联党员名单", board["lost_contact"], board["flagged"])
    return workbook_bytes(wb)
