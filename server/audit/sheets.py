"""The audit trail as XLSX (server/common/xlsx.py conventions): a title row, Excel datetimes in
Asia/Shanghai, fitted columns, every cell data (a detail typed as "=…" never becomes a formula)."""
from __future__ import annotations

import json

from server.common import xlsx
from server.common.timeutil import local, utcnow
from server.common.xlsx import fit_columns, when_cell, workbook_bytes

HEADINGS = ("时间", "操作人", "操作", "党员 id", "IP 地址", "详情")
_FILTER_NAMES = {"actor": "操作人", "member_id": "党员", "action": "操作", "from": "起", "to": "止"}


def audit_xlsx(export) -> bytes:
    """One sheet: title, the filters used, a heading row, then one row per entry, newest first."""
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = "审计日志"
    ws.cell(1, 1, f"审计日志（{export.scope_name}）").font = xlsx.Font(size=16, bold=True)
    shown = "；".join(f"{_FILTER_NAMES.get(k, k)}：{v}" for k, v in export.filters.items()) or "无"
    ws.cell(2, 1, f"筛选条件：{shown}    共 {len(export.entries)} 条    导出时间：{local(utcnow()):%Y-%m-%d %H:%M}")
    for col, heading in enumerate(HEADINGS, start=1):
        ws.cell(3, col, heading).font = xlsx.Font(bold=True)
    for row, entry in enumerate(export.entries, start=4):
        when_cell(ws, row, 1, entry["at"])
        ws.cell(row, 2, entry["actor"])
        ws.cell(row, 3, entry["action"])
        ws.cell(row, 4, entry["member_id"])
        ws.cell(row, 5, entry["ip"])
        detail = entry["detail"]
        ws.cell(row, 6, json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None)
    ws.freeze_panes = "A4"
    fit_columns(ws, first_row=3, maximum=80)
    return workbook_bytes(wb)
