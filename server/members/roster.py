"""Roster import: a township's 台账 as CSV or XLSX, validated whole, applied in one transaction."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select

from server.certificates.service import link_from_roster, roster_problems
from server.common import idcard, xlsx
from server.common.crypto import lookup_hash
from server.common.timeutil import utcnow
from server.common.xlsx_guard import check_xlsx_archive
from server.core import audit
from server.core.member_changes import record_member_upserted
from server.core.members import Member
from server.core.orgs import Branch, Township, default_county
from server.errors import Unprocessable
from server.extensions import db

HEADER = ("姓名", "身份证号", "手机号", "乡镇", "村党支部", "流动党员党支部", "外出时间", "流入地", "工作单位", "活动证编号")
_NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.\s]{2,32}$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOOKUP_CHUNK = 900  # stays under SQLite's bound-parameter limit
# Data rows one file may hold (docs/limits.md): a township's roster is thousands; a sheet of a million
# empty-looking rows is refused while it is read, before it is held in memory or validated.
MAX_ROSTER_ROWS = 20000


class RosterInvalid(Exception):
    """The file cannot be imported; `problems` lists every reason (in Chinese)."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class RosterRow:
    line: int
    name: str
    id_number: str
    phone: str | None
    township: str
    village_branch: str
    mobile_branch: str
    left_on: date | None
    destination: str | None
    employer: str | None
    certificate_no: str | None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    township_ids: list[int] = field(default_factory=list)
    branch_ids: list[int] = field(default_factory=list)
    new_townships: int = 0
    new_branches: int = 0


# ---- reading ----------------------------------------------------------------------------------

def read_file(path: str | Path) -> list[tuple[int, list]]:
    """The data rows of a CSV or XLSX roster as (row number, cells), after checking the header.

    An XLSX is measured first (server/common/xlsx_guard.py, as the dues-standard import does): past the
    inflated-size caps it is PayloadTooLarge (413), not a zip Unprocessable (422); past MAX_ROSTER_ROWS,
    in either format, Unprocessable `import_invalid`.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        check_xlsx_archive(raw)
        rows = _read_xlsx(raw)
    else:
        rows = _read_csv(raw)
    if not rows:
        raise RosterInvalid(["文件是空的：第 1 行应为表头 " + ",".join(HEADER)])
    header = [_text(c) or "" for c in rows[0][1]]
    while header and header[-1] == "":
        header.pop()
    if tuple(header) != HEADER:
        raise RosterInvalid([f"第 1 行表头不正确：应为 {','.join(HEADER)}，实际为 {','.join(header) or '（空）'}"])
    return [(n, cells) for n, cells in rows[1:] if any(_text(c) for c in cells)]


def _read_csv(raw: bytes) -> list[tuple[int, list]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Township offices save "CSV" from Excel in the Chinese Windows code page.
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                raise RosterInvalid(["无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV，或直接使用 XLSX"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    return _capped((reader.line_num, row) for row in reader)


def _read_xlsx(raw: bytes) -> list[tuple[int, list]]:
    try:
        book = xlsx.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise RosterInvalid(["无法读取 XLSX 文件：文件已损坏或不是 Excel 2007 及以后的格式"]) from None
    try:
        sheet = book.active
        return _capped((n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1))
    finally:
        book.close()


def _capped(rows: Iterable[tuple[int, list]]) -> list[tuple[int, list]]:
    """The first row and every non-blank row after it, refused past MAX_ROSTER_ROWS data rows."""
    kept = []
    for number, cells in rows:
        if kept and not any(_text(c) for c in cells):
            continue
        if len(kept) > MAX_ROSTER_ROWS:
            message = f"一次最多导入 {MAX_ROSTER_ROWS} 行，请拆分后再导入"
            raise Unprocessable(message, code="import_invalid", errors={"file": [message]})
        kept.append((number, cells))
    return kept


def _text(cell) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    value = str(cell).strip()
    return value or None


# ---- validating -------------------------------------------------------------------------------

def validate(rows: Iterable[tuple[int, list]]) -> list[RosterRow]:
    """Every row checked; RosterInvalid lists each bad row with its number and reason."""
    problems: list[str] = []
    parsed: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        cells = list(cells) + [None] * (len(HEADER) - len(cells))
        reasons: list[str] = []
        if len([c for c in cells[len(HEADER):] if _text(c)]):
            reasons.append(f"列数多于 {len(HEADER)} 列")
        name, id_raw, phone, township, village, mobile, left_raw, destination, employer, cert = (
            _text(c) for c in cells[:len(HEADER)])
        if not name:
            reasons.append("姓名为空")
        elif not _NAME_RE.match(name):
            reasons.append("姓名应为 2–32 个汉字或字母")
        id_number = idcard.normalize(id_raw or "")
        if not id_number:
            reasons.append("身份证号为空")
        elif isinstance(cells[1], (int, float)) and not isinstance(cells[1], bool):
            reasons.append("身份证号被 Excel 存成了数字，请将该列设为文本后重新填写")
        elif not idcard.is_valid(id_number):
            reasons.append(f"身份证号 {_masked(id_number)} 不正确（位数、出生日期或校验位有误）")
        elif id_number in seen:
            reasons.append(f"身份证号与第 {seen[id_number]} 行重复")
        else:
            seen[id_number] = line
        if phone and not _PHONE_RE.match(phone):
            reasons.append("手机号应为 11 位中国大陆手机号")
        for label, value, limit in (("乡镇", township, 64), ("村党支部", village, 128), ("流动党员党支部", mobile, 128)):
            if not value:
                reasons.append(f"{label}为空")
            elif len(value) > limit:
                reasons.append(f"{label}名称超过 {limit} 个字")
        left_on, reason = _date(cells[6], left_raw)
        if reason:
            reasons.append(reason)
        for label, value, limit in (("流入地", destination, 64), ("工作单位", employer, 128), ("活动证编号", cert, 64)):
            if value and len(value) > limit:
                reasons.append(f"{label}超过 {limit} 个字")
        if reasons:
            problems.append(f"第 {line} 行：" + "；".join(reasons))
            continue
        parsed.append(RosterRow(line, re.sub(r"\s+", "", name), id_number, phone, township, village, mobile,
                                left_on, destination, employer, cert))
    if problems:
        raise RosterInvalid(problems)
    return parsed


def _masked(id_number: str) -> str:
    return id_number[:4] + "…" + id_number[-4:] if len(id_number) > 8 else "…"


def _date(cell, text: str | None) -> tuple[date | None, str | None]:
    if cell is None or text is None:
        return None, None
    if isinstance(cell, datetime):
        return cell.date(), None
    if isinstance(cell, date):
        return cell, None
    if not _DATE_RE.match(text):
        return None, f"外出时间 {text} 格式不正确，应为 YYYY-MM-DD"
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None, f"外出时间 {text} 不是有效日期"
    if not date(1950, 1, 1) <= value <= date.today():
        return None, f"外出时间 {text} 不在合理范围内"
    return value, None


# ---- applying ---------------------------------------------------------------------------------

def import_roster(rows: list[RosterRow], source: str = "", progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create missing organisations and upsert members by ID number, all in one transaction.

    A certificate number held in the county's register by someone else (or twice in the file) makes the file
    RosterInvalid before anything is written; otherwise each number creates or links its register entry."""
    result = ImportResult()
    county_id = default_county().id
    problems = roster_problems(county_id, [(r.line, lookup_hash(r.id_number), r.certificate_no)
                                           for r in rows if r.certificate_no])
    if problems:
        db.session.rollback()
        raise RosterInvalid(problems)
    townships = _townships({r.township for r in rows}, result)
    branches = _branches(rows, townships, result)
    existing = _members_by_hash([lookup_hash(r.id_number) for r in rows])
    now = utcnow()
    changed: list[Member] = []
    moved_from: dict[Member, int] = {}
    for row in rows:
        township = townships[row.township]
        village = branches[(township.id, "village", row.village_branch)]
        mobile = branches[(township.id, "mobile", row.mobile_branch)]
        id_hash = lookup_hash(row.id_number)
        member = existing.get(id_hash)
        values = {
            "name": row.name, "township_id": township.id, "village_branch_id": village.id, "mobile_branch_id": mobile.id,
            "left_on": row.left_on, "destination": row.destination, "employer": row.employer,
            "certificate_no": row.certificate_no,
        }
        if row.phone or member is None:
            # An empty phone cell keeps the number the member confirmed through WeChat.
            values.update(phone=row.phone, phone_hash=lookup_hash(row.phone) if row.phone else None)
        if member is None:
            member = Member(id_number=row.id_number, id_number_hash=id_hash, status="active", is_committee=False,
                            created_at=now, updated_at=now, **values)
            db.session.add(member)
            existing[id_hash] = member
            result.created += 1
        elif any(getattr(member, k) != v for k, v in values.items()):
            if member.township_id != township.id:
                moved_from[member] = member.township_id
            for k, v in values.items():
                setattr(member, k, v)
            member.updated_at = now
            result.updated += 1
        else:
            result.unchanged += 1
            member = None
        if member is not None:
            member.township, member.village_branch, member.mobile_branch = township, village, mobile
            changed.append(member)
        if progress:
            progress(1)
    db.session.flush()
    for row in rows:
        if row.certificate_no:
            # The register entry of the roster's number (created, or renumbered when the file says so).
            link_from_roster(existing[lookup_hash(row.id_number)], county_id, row.certificate_no)
    for member in changed:
        if member in moved_from:
            # The township the member left must hear of the move too, or its ledger keeps them for ever.
            record_member_upserted(member, at=now, flush=False, township_id=moved_from[member])
        record_member_upserted(member, at=now, flush=False)
    db.session.flush()
    result.township_ids = sorted({t.id for t in townships.values()})
    result.branch_ids = sorted({b.id for b in branches.values()})
    audit.record("roster.imported", "roster", None, {
        "source": Path(source).name if source else None, "rows": len(rows), "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged,
        "township_ids": result.township_ids, "branch_ids": result.branch_ids,
    }, actor=("cli", None))
    db.session.commit()
    return result


def _townships(names: set[str], result: ImportResult) -> dict[str, Township]:
    """The named townships of the deployment's county, created where missing."""
    county = default_county()
    found = {t.name: t for t in db.session.execute(
        select(Township).where(Township.county_id == county.id, Township.name.in_(names))).scalars()}
    for name in sorted(names - found.keys()):
        found[name] = Township(county_id=county.id, name=name, created_at=utcnow())
        db.session.add(found[name])
        result.new_townships += 1
    db.session.flush()
    return found


def _branches(rows: list[RosterRow], townships: dict[str, Township], result: ImportResult) -> dict[tuple, Branch]:
    wanted = set()
    for r in rows:
        tid = townships[r.township].id
        wanted.add((tid, "village", r.village_branch))
        wanted.add((tid, "mobile", r.mobile_branch))
    township_ids = {t.id for t in townships.values()}
    found = {(b.township_id, b.kind, b.name): b for b in db.session.execute(
        select(Branch).where(Branch.township_id.in_(township_ids))).scalars()}
    for key in sorted(wanted - found.keys()):
        found[key] = Branch(township_id=key[0], kind=key[1], name=key[2], created_at=utcnow())
        db.session.add(found[key])
        result.new_branches += 1
    db.session.flush()
    return {key: found[key] for key in wanted}


def _members_by_hash(hashes: list[str]) -> dict[str, Member]:
    members: dict[str, Member] = {}
    for start in range(0, len(hashes), _LOOKUP_CHUNK):
        chunk = hashes[start:start + _LOOKUP_CHUNK]
        for member in db.session.execute(select(Member).where(Member.id_number_hash.in_(chunk))).scalars():
            members[member.id_number_hash] = member
    return members
