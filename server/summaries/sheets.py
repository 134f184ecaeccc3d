"""The yearly summary as a printable sheet per village branch: XLSX (server/common/xlsx.py) and PDF (pdf.py)."""
from __future__ import annotations

from server.common import xlsx
from server.common.crypto import mask_id_number
from server.common.pdf import Page, render
from server.common.timeutil import local
from server.common.xlsx import fit_columns, workbook_bytes
from server.summaries.service import STATUS_NAMES

HEADER = ("姓名", "身份证号", "流动党员党支部", "状态", "报到（月）", "应参会", "参会", "请假", "缺席", "党费交至",
          "民主评议")


def _month(value: str | None) -> str:
    return f"{value[:4]}年{int(value[5:7])}月" if value else "无缴费记录"


def _row(item: dict) -> list:
    evaluation = item["evaluation"]
    return [item["member"].name, mask_id_number(item["member"].id_number), item["mobile_branch"].name,
            STATUS_NAMES.get(item["status"], item["status"]), item["reports"], item["meetings_expected"],
            item["meetings_attended"], item["meetings_on_leave"], item["meetings_missed"],
            _month(item["paid_through"]), evaluation.grade if evaluation else "未评议"]


def _title(data: dict) -> str:
    return f"{data['township'].name}{data['branch'].name}流动党员{data['year']}年度情况"


def summary_xlsx(data: dict) -> bytes:
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = f"{data['year']}年度"
    ws.cell(1, 1, _title(data)).font = xlsx.Font(size=16, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.cell(2, 1, f"制表时间：{local(data['made_at']):%Y-%m-%d %H:%M}（北京时间）")
    for col, label in enumerate(HEADER, 1):
        cell = ws.cell(3, col, label)
        cell.font = xlsx.Font(size=12, bold=True)
        cell.alignment = xlsx.Alignment(horizontal="center")
    row = 4
    for item in data["items"]:
        for col, value in enumerate(_row(item), 1):
            ws.cell(row, col, value).font = xlsx.Font(size=12)
        row += 1
    totals = data["totals"]
    for col, value in ((1, "合计"), (5, totals["reports"]), (6, totals["meetings_expected"]),
                       (7, totals["meetings_attended"]), (8, totals["meetings_on_leave"]),
                       (9, totals["meetings_missed"]), (11, f"已评议 {totals['evaluated']} 人")):
        ws.cell(row, col, value).font = xlsx.Font(size=12, bold=True)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    fit_columns(ws, first_row=3)
    return workbook_bytes(wb)


def summary_pdf(data: dict) -> bytes:
    totals = data["totals"]
    rows = [_row(item) for item in data["items"]]
    rows.append(["合计", "", "", "", totals["reports"], totals["meetings_expected"], totals["meetings_attended"],
                 totals["meetings_on_leave"], totals["meetings_missed"], "", f"已评议{totals['evaluated']}人"])
    # The PDF leaves out the ID number and the mobile branch so eleven columns fit an A4 page in large type.
    keep = (0, 3, 4, 5, 6, 7, 8, 9, 10)
    page = Page(
        title=_title(data),
        paragraphs=[f"共 {len(data['items'])} 名流动党员。应参会为所在流动党员党支部已召开的会议和活动；"
                    "经批准的请假单列，不计为缺席。"],
        table=([HEADER[i] for i in keep], [[str(row[i]) for i in keep] for row in rows]),
        # 姓名 状态 报到（月） 应参会 参会 请假 缺席 党费交至 民主评议: the dates and the grade need the room.
        column_weights=[1.3, 1.0, 1.3, 1.1, 0.9, 0.9, 0.9, 1.7, 1.5],
        closing=[f"中共{data['township'].name}{data['branch'].name}",
                 f"{local(data['made_at']):%Y年%m月%d日}"],
    )
    return render([page], title=_title(data))
