"""The printable meeting record (会议记录) of one event, as PDF and as XLSX, from `service.minutes_of`."""
from __future__ import annotations

from server.common import pdf, xlsx
from server.common.timeutil import local
from server.common.xlsx import fit_columns, workbook_bytes
from server.minutes.storage import photo_store

_FONT = "宋体"
_STATUS = {"open": "未锁定（可修改）", "locked": "已锁定"}


def _when(dt) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def title_of(record: dict) -> str:
    """The record's title: branch, kind of meeting, 会议记录."""
    event = record["event"]
    return f"{event.branch.name}{event.kind_label}会议记录"


def _facts(record: dict) -> list[tuple[str, str]]:
    event = record["event"]
    absent = [r for r in record["absentees"] if r["kind"] == "absent"]
    locked = f"（{record['locked_by']} {_when(record['locked_at'])}）" if record["status"] == "locked" else ""
    return [
        ("会议名称", event.title), ("会议类型", event.kind_label),
        ("会议时间", f"{_when(event.starts_at)} 至 {_when(event.ends_at)}"), ("会议地点", event.place_name or ""),
        ("主持人", record["chair"] or ""), ("记录人", record["recorder"] or ""), ("会议议题", record["topic"] or ""),
        ("应到人数", str(record["expected_count"])), ("实到人数", str(len(record["attendees"]))),
        ("请假人数", str(len(record["absentees"]) - len(absent))), ("缺席人数", str(len(absent))),
        ("记录状态", _STATUS[record["status"]] + locked),
    ]


def _people(record: dict) -> list[list[str]]:
    rows = [[r["name"], "出席", _when(r["checked_in_at"]) + (f"（{r['note']}）" if r["note"] else "")]
            for r in record["attendees"]]
    rows += [[r["name"], "请假" if r["kind"] == "on_leave" else "缺席", r["reason"]] for r in record["absentees"]]
    return rows


def _pictures(record: dict) -> list[tuple[bytes, int, int, str]]:
    """The phone copies of the photos, from whichever store keeps them (a store that is down: 503, no PDF)."""
    store = photo_store()
    pictures = []
    for i, photo in enumerate(record["photos"], 1):
        data = store.get(photo.phone_key)
        if data is not None:
            pictures.append((data, photo.phone_width, photo.phone_height, f"照片 {i}：{photo.file_name}"))
    return pictures


def minutes_pdf(record: dict) -> bytes:
    """The meeting record as a PDF: facts, content, decisions, everyone with their attendance, then the photos."""
    photos = "；".join(f"{i}. {p.file_name}" for i, p in enumerate(record["photos"], 1)) or "无"
    page = pdf.Page(
        title=title_of(record),
        fields=[*_facts(record), ("会议内容", record["content"] or "（未填写）"),
                ("会议决定", record["decisions"] or "（未填写）"), (f"会议照片（{len(record['photos'])} 张）", photos)],
        table=(["姓名", "出勤", "签到时间 / 原因"], _people(record)),
        closing=["主持人签字：__________", "记录人签字：__________"],
        images=_pictures(record),
    )
    return pdf.render([page], title=title_of(record))


def minutes_xlsx(record: dict) -> bytes:
    """The meeting record as a workbook: one sheet with facts, content, decisions, attendance and photos."""
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = "会议记录"
    body, bold = xlsx.Font(name=_FONT, size=14), xlsx.Font(name=_FONT, size=14, bold=True)
    wrap = xlsx.Alignment(wrap_text=True, vertical="top")
    ws.append([title_of(record)])
    ws["A1"].font = xlsx.Font(name=_FONT, size=20, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)

    def line(label, value):
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font, ws.cell(ws.max_row, 2).font = bold, body
        ws.cell(ws.max_row, 2).alignment = wrap

    for label, value in _facts(record):
        line(label, value)
    line("会议内容", record["content"] or "")
    line("会议决定", record["decisions"] or "")
    ws.append([])
    ws.append(["姓名", "出勤", "签到时间 / 原因"])
    for col in (1, 2, 3):
        ws.cell(ws.max_row, col).font = bold
    for row in _people(record):
        ws.append(row)
    ws.append([])
    ws.append(["会议照片", f"{len(record['photos'])} 张"])
    ws.cell(ws.max_row, 1).font = bold
    for i, photo in enumerate(record["photos"], 1):
        ws.append([i, photo.file_name, f"{photo.width}×{photo.height}"])
    fit_columns(ws, first_row=2)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook_bytes(wb)
