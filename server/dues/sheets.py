"""XLSX in and out: bulk dues standards for a branch, and the printable 党费收缴台账."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.common import idcard, xlsx
from server.common.crypto import lookup_hash
from server.common.timeutil import current_month, local, utcnow
from server.common.xlsx import (
    DATE_FORMAT,
    MONEY_FORMAT,
    fit_columns,
    money_cell,
    print_on_a4,
    workbook_bytes,
    yuan,
)
from server.common.xlsx_guard import check_xlsx_archive
from server.core.accounts import actor_name
from server.core.members import Member
from server.core.orgs import Branch
from server.core.scope import require_branch
from server.core.tokens import Principal
from server.dues import rules
from server.dues.service import add_standard
from server.errors import Conflict, Unprocessable
from server.extensions import db

IMPORT_HEADER = ("姓名", "身份证号", "年度", "类别", "计算基数（元）", "月缴纳额（元）", "原因")
CATEGORY_NAMES = {
    "在职": "salaried", "工资收入": "salaried", "年薪制": "salaried", "个体": "salaried", "salaried": "salaried",
    "离退休": "retired", "退休": "retired", "retired": "retired",
    "农民": "farmer", "farmer": "farmer",
    "学生": "student", "student": "student",
    "下岗失业": "unemployed", "失业": "unemployed", "低保": "unemployed", "unemployed": "unemployed",
    "生活困难": "hardship", "困难": "hardship", "hardship": "hardship",
}
MAX_IMPORT_ROWS = 2000


def _yuan_to_fen(value) -> int | None:
    """A yuan amount from a cell (number or text) as integer fen; at most two decimals."""
    if value is None or str(value).strip() == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("金额应为数字（元）") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额应为不小于 0、最多两位小数的元数")
    return int(amount * 100)


def _rows(file_bytes: bytes):
    check_xlsx_archive(file_bytes)
    try:
        sheet = xlsx.load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True).worksheets[0]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as err:
        raise Unprocessable("无法读取该文件，请上传 Excel（.xlsx）文件", code="import_invalid",
                            errors={"file": ["不是有效的 .xlsx 文件"]}) from err
    return sheet.iter_rows(values_only=True)


def import_standards(principal: Principal, branch_id: int, file_bytes: bytes) -> list:
    """Set many standards for one branch from an XLSX sheet: all rows or none, every bad row named in Chinese."""
    branch = require_branch(principal, db.session.get(Branch, branch_id))
    rows = _rows(file_bytes)
    header = next(rows, None)
    if header is None or tuple(str(h or "").strip() for h in header[:len(IMPORT_HEADER)]) != IMPORT_HEADER:
        message = "表头应为：" + "，".join(IMPORT_HEADER)
        raise Unprocessable(message, code="import_invalid", errors={"file": [message]})
    members = {m.id_number_hash: m for m in db.session.scalars(select(Member).where(Member.mobile_branch_id == branch.id))}
    errors: dict[str, list[str]] = {}
    parsed, seen = [], set()
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise Unprocessable(f"一次最多导入 {MAX_IMPORT_ROWS} 行", code="import_invalid",
                                errors={"file": [f"一次最多导入 {MAX_IMPORT_ROWS} 行"]})
        cells = [c for c in (row or ())] + [None] * len(IMPORT_HEADER)
        if all(c is None or str(c).strip() == "" for c in cells[:len(IMPORT_HEADER)]):
            continue
        name, id_number, year, category, base, monthly, reason = cells[:len(IMPORT_HEADER)]
        problems = []
        member = members.get(lookup_hash(idcard.normalize(str(id_number or "")))) if id_number else None
        if member is None or member.name != str(name or "").strip():
            problems.append("本支部没有该姓名和身份证号的党员")
        try:
            year = int(str(year).strip())
            if not 2000 <= year <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("年度应为四位数年份")
            year = None
        code = CATEGORY_NAMES.get(str(category or "").strip())
        if code is None:
            problems.append("类别应为：在职、离退休、农民、学生、下岗失业、生活困难之一")
        try:
            base_fen, monthly_fen = _yuan_to_fen(base), _yuan_to_fen(monthly)
        except ValueError as err:
            problems.append(str(err))
            base_fen = monthly_fen = None
        if code in ("student", "unemployed"):
            monthly_fen = None
        if code and not problems:
            try:
                rules.compute(code, income_base_fen=base_fen, monthly_fen=monthly_fen, reason=reason)
            except rules.RuleError as err:
                problems.append(err.message)
        if member is not None and year is not None:
            if (member.id, year) in seen:
                problems.append("同一党员同一年度在表中重复")
            seen.add((member.id, year))
        if problems:
            errors[f"第{number}行"] = problems
        else:
            parsed.append((member, year, code, base_fen, monthly_fen, str(reason).strip() if reason else None))
    if errors:
        raise Unprocessable(f"有 {len(errors)} 行不正确，未导入任何数据", code="import_invalid", errors=errors)
    if not parsed:
        raise Unprocessable("文件中没有数据行", code="import_invalid", errors={"file": ["文件中没有数据行"]})
    approve = principal.staff_role in ("township_admin", "county_admin")
    by = actor_name(principal)
    try:
        standards = [add_standard(member, year=year, category=code, income_base_fen=base_fen, monthly_fen=monthly_fen,
                                  reason=reason, set_by=by, approve=approve)
                     for member, year, code, base_fen, monthly_fen, reason in parsed]
        db.session.commit()
    except IntegrityError as err:
        db.session.rollback()
        raise Conflict("党费标准正在被同时修改，请稍后重试", code="standard_conflict") from err
    return standards


# ---- the printable ledger ---------------------------------------------------------------------------

def _yuan(fen: int | None) -> str:
    return "" if fen is None else f"{Decimal(fen) / 100:.2f}"


def _money(fen: int | None):
    """A ledger cell's amount: a yuan number (shown with two decimals), or the text as is."""
    return yuan(fen) if isinstance(fen, int) else fen


def _last_paid(cells: dict[str, dict], months: list[str]):
    """The Beijing-time day of the member's latest payment in the year, as a date cell (None without one)."""
    paid = [cells[m]["paid_at"] for m in months if cells.get(m, {}).get("paid_at")]
    return local(datetime.fromisoformat(max(paid))).date() if paid else None


def ledger_xlsx(ledger: dict) -> bytes:
    """The branch's 党费收缴台账 for a year: A4 landscape, large type, one row per member, a totals row of numbers,
    the latest payment as an Excel date, columns fitted to their contents."""
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = f"{ledger['year']}年党费台账"
    months = [f"{ledger['year']:04d}-{m:02d}" for m in range(1, 13)]
    today = current_month()
    big, bold = xlsx.Font(name="宋体", size=14), xlsx.Font(name="宋体", size=14, bold=True)
    thin = xlsx.Side(style="thin")
    border = xlsx.Border(left=thin, right=thin, top=thin, bottom=thin)
    center = xlsx.Alignment(horizontal="center", vertical="center", wrap_text=True)
    headings = ["序号", "姓名", "月缴纳额（元）", *[f"{int(m[5:])}月" for m in months], "本年实缴（元）", "缴至月份",
                "最近缴费日期"]
    width = len(headings)
    money_cols = range(3, 17)  # the standard, the twelve months and the year's total

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, f"{ledger['branch']['name']} {ledger['year']}年度党费收缴台账").font = xlsx.Font(name="宋体", size=20, bold=True)
    ws.cell(1, 1).alignment = center
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1, f"所属乡镇：{ledger['township']['name']}    打印时间：{local(utcnow()):%Y年%m月%d日 %H:%M}    "
                  "单位：元；“未缴”为应缴未缴，“已缴”为本系统启用前已缴").font = big
    for col, heading in enumerate(headings, start=1):
        cell = ws.cell(3, col, heading)
        cell.font, cell.alignment, cell.border = bold, center, border

    by_member: dict[int, dict[str, dict]] = {}
    for row in ledger["rows"]:
        by_member.setdefault(row["member_id"], {})[row["month"]] = row
    sums = {col: 0 for col in money_cols}
    r = 4
    for index, member in enumerate(ledger["members"], start=1):
        cells = by_member.get(member["member_id"], {})
        standards = [cells[m]["standard_fen"] for m in months if cells.get(m, {}).get("standard_fen") is not None]
        values = [index, member["name"], standards[-1] if standards else "未定"]
        for m in months:
            cell = cells.get(m, {})
            if cell.get("paid_fen"):
                values.append(cell["paid_fen"])
            elif cell.get("standard_fen") and member["paid_through"] and m <= member["paid_through"]:
                values.append("已缴")  # settled before this system (the roster's paid-through month)
            elif cell.get("standard_fen") and m <= today:
                values.append("未缴")
            else:
                values.append("")
        values += [sum(cells[m]["paid_fen"] for m in months if m in cells), member["paid_through"] or "—",
                   _last_paid(cells, months)]
        for col, value in enumerate(values, start=1):
            is_money = col in money_cols and isinstance(value, int)
            c = ws.cell(r, col, _money(value) if is_money else value)
            c.font, c.alignment, c.border = big, center, border
            if is_money:
                c.number_format = MONEY_FORMAT
                if col > 3:
                    sums[col] += value
            elif col == width and value is not None:
                c.number_format = DATE_FORMAT
        r += 1
    ws.cell(r, 1, "合计")
    ws.cell(r, 2, f"{len(ledger['members'])} 人")
    for col in range(1, width + 1):
        c = ws.cell(r, col)
        if col in sums and col > 3:
            c.value, c.number_format = yuan(sums[col]), MONEY_FORMAT
        c.font, c.alignment, c.border = bold, center, border
    r += 1
    for label, totals in (("本支部合计", ledger["totals"]["branch"]), ("全乡镇合计", ledger["totals"]["township"])):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        c = ws.cell(r, 1, f"{label}：党员 {totals['members']} 人，应缴 {_yuan(totals['due_fen'])} 元，"
                          f"实缴 {_yuan(totals['paid_fen'])} 元，特殊党费 {_yuan(totals['special_fen'])} 元")
        c.font, c.border = bold, border
        r += 1
    r += 1
    ws.cell(r, 1, "支部书记（签字）：                    收缴人（签字）：                    日期：").font = big
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)

    # Widths from the contents at 14 pt (a little wider than fit_columns' 11 pt estimate).
    fit_columns(ws, first_row=3, minimum=7, maximum=30, scale=1.25)
    # Heights for 14 pt type (LibreOffice and WPS keep the 15 pt default otherwise and the lines overlap).
    for row in range(2, r + 1):
        ws.row_dimensions[row].height = 24
    ws.row_dimensions[1].height = 34
    ws.row_dimensions[3].height = 36
    print_on_a4(ws, landscape=True, title_rows="1:3")
    ws.freeze_panes = "C4"
    return workbook_bytes(wb)


def arrears_xlsx(arrears: dict) -> bytes:
    """The branch's list of members 6+ months in arrears: title, typed cells, a totals row, fitted columns."""
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = "欠缴名单"
    month = arrears["month"]
    ws.cell(1, 1, f"{arrears['branch']['name']} {month[:4]}年{int(month[5:])}月 连续6个月以上未缴党费党员名单")
    ws.cell(1, 1).font = xlsx.Font(name="宋体", size=16, bold=True)
    # The title is longer than the six columns are wide: it wraps inside them instead of running off the page.
    ws.cell(1, 1).alignment = xlsx.Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.cell(2, 1, f"所属乡镇：{arrears['township']['name']}    打印时间：{local(utcnow()):%Y年%m月%d日 %H:%M}"
                  "    （仅作提示，不改变党员状态）")
    ws.cell(2, 1).alignment = xlsx.Alignment(wrap_text=True, vertical="center")
    ws.cell(2, 1).font = xlsx.Font(name="宋体", size=12)
    headings = ["序号", "姓名", "缴至月份", "未缴起始月份", "未缴月数", "应缴未缴（元）"]
    for col, heading in enumerate(headings, start=1):
        ws.cell(3, col, heading).font = xlsx.Font(name="宋体", size=14, bold=True)
    r = 4
    for index, member in enumerate(arrears["members"], start=1):
        for col, value in enumerate((index, member["name"], member["paid_through"] or "从未缴纳",
                                     member["unpaid_since"], member["months_unpaid"]), start=1):
            cell = ws.cell(r, col, value)
            cell.font = xlsx.Font(name="宋体", size=14)
            cell.alignment = xlsx.Alignment(horizontal="center" if col == 1 else None)
        money_cell(ws, r, 6, member["owed_fen"]).font = xlsx.Font(name="宋体", size=14)
        r += 1
    ws.cell(r, 1, "合计")
    ws.cell(r, 2, f"{len(arrears['members'])} 人")
    ws.cell(r, 5, sum(m["months_unpaid"] for m in arrears["members"]))
    money_cell(ws, r, 6, sum(m["owed_fen"] for m in arrears["members"]))
    for col in range(1, 7):
        ws.cell(r, col).font = xlsx.Font(name="宋体", size=14, bold=True)
    for row in (1, 2):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(headings))
    fit_columns(ws, first_row=3, scale=1.25)
    ws.row_dimensions[1].height, ws.row_dimensions[2].height = 44, 34
    for row in range(3, r + 1):
        ws.row_dimensions[row].height = 24
    print_on_a4(ws, landscape=False, title_rows="1:3")
    ws.freeze_panes = "A4"
    return workbook_bytes(wb)
