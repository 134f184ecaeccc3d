"""The printable meeting-record sheet (会议记录签到表) of one event, as XLSX."""
from __future__ import annotations

from server.common import xlsx
from server.common.timeutil import local
from server.common.xlsx import workbook_bytes

_FONT = "宋体"


def _when(dt) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def attendance_xlsx(result) -> bytes:
    """The sheet for a attendance.Attendance: meeting facts, counts, present, on leave and absent lists."""
    event = result.event
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = "会议记录"
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 30
    body, bold = xlsx.Font(name=_FONT, size=14), xlsx.Font(name=_FONT, size=14, bold=True)
    wrap = xlsx.Alignment(wrap_text=True, vertical="center")
    thin = xlsx.Side(style="thin")
    box = xlsx.Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.append([f"{event.branch.name}{event.kind_label}会议记录"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    ws["A1"].font = xlsx.Font(name=_FONT, size=20, bold=True)
    ws["A1"].alignment = xlsx.Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36

    facts = [
        ("会议类型", event.kind_label),
        ("会议名称", event.title),
        ("会议时间", f"{_when(event.starts_at)} 至 {_when(event.ends_at)}"),
        ("会议地点", event.place_name or ""),
        ("主持人", event.chair or ""),
        ("记录人", event.recorder or ""),
        ("会议议题", event.topic or ""),
        ("应到人数", result.expected_count),
        ("实到人数", len(result.present)),
        ("请假人数", len(result.on_leave)),
        ("缺席人数", len(result.absent)),
    ]
    if event.cancelled:
        facts.insert(0, ("状态", f"已取消（{event.cancel_reason or ''}）"))
    for label, value in facts:
        ws.append([label, None, value])
        row = ws.max_row
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
        ws.cell(row, 1).font, ws.cell(row, 3).font = bold, body
        ws.cell(row, 3).alignment = wrap

    def section(title, headings, rows):
        ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = xlsx.Font(name=_FONT, size=16, bold=True)
        ws.append(headings)
        for col in range(1, len(headings) + 1):
            cell = ws.cell(ws.max_row, col)
            cell.font, cell.border = bold, box
        for i, values in enumerate(rows, 1):
            ws.append([i, *values])
            for col in range(1, len(headings) + 1):
                cell = ws.cell(ws.max_row, col)
                cell.font, cell.border, cell.alignment = body, box, wrap
        if not rows:
            ws.append(["", "无"])
            ws.cell(ws.max_row, 2).font = body

    section("出席人员", ["序号", "姓名", "签到时间", "备注"], [
        (r["member"].name, _when(r["checked_in_at"]),
         "补签：" + (r["manual_reason"] or "") if r["manual"] else ("迟到" if r["late"] else ""))
        for r in result.present
    ])
    section("请假人员", ["序号", "姓名", "请假事由", ""], [
        (r["member"].name, r["leave_reason"] or "", "") for r in result.on_leave
    ])
    section("缺席人员", ["序号", "姓名", "缺席原因", ""], [
        (r["member"].name, _absence_reason(r), "") for r in result.absent
    ])
    ws.append([])
    ws.append(["主持人签字：", None, "记录人签字："])
    ws.cell(ws.max_row, 1).font = ws.cell(ws.max_row, 3).font = bold

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return workbook_bytes(wb)


def _absence_reason(row) -> str:
    if row["leave_status"] == "denied":
        return f"请假未获批准（{row['leave_reason']}）"
    if row["leave_status"] == "pending":
        return f"请假待审批（{row['leave_reason']}）"
    return "未请假"
