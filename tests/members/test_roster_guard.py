"""The roster import measures an XLSX before openpyxl opens it, as the dues-standard import does (issue 9)."""
from __future__ import annotations

import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.core.members import Member
from server.errors import PayloadTooLarge, Unprocessable
from server.extensions import db
from server.members import roster
from tests.factories import make_id_number, make_xlsx_bomb


def _members():
    return db.session.scalar(select(func.count()).select_from(Member))


def test_a_decompression_bomb_is_refused_before_it_is_read(runner, ctx, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(make_xlsx_bomb(80))
    assert path.stat().st_size < 200 * 1024
    with pytest.raises(PayloadTooLarge) as refused:
        roster.read_file(path)
    assert refused.value.status == 413 and "解压后过大" in refused.value.errors["file"][0]
    started = time.monotonic()
    result = runner.invoke(args=["roster", "import", str(path)])
    assert time.monotonic() - started < 2
    assert result.exit_code == 1 and "导入失败，未导入任何数据" in result.output and "解压后过大" in result.output
    assert _members() == 0


def test_a_bomb_without_the_xlsx_name_is_still_measured(runner, ctx, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(make_xlsx_bomb(80))
    with pytest.raises(PayloadTooLarge):
        roster.read_file(path)


def test_a_file_named_xlsx_that_is_no_zip_is_422(runner, ctx, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes("姓名,身份证号\n".encode())
    with pytest.raises(Unprocessable) as refused:
        roster.read_file(path)
    assert refused.value.status == 422 and refused.value.code == "import_invalid"
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1 and "请上传 Excel" in result.output and _members() == 0


def _sheet(tmp_path, rows: int, blank_between: int = 0):
    book = Workbook()
    sheet = book.active
    sheet.append(roster.HEADER)
    for n in range(rows):
        sheet.append([f"张{'一二三四五六七八九十'[n % 10]}国", make_id_number(), None, "金山镇", "金山村党支部",
                      "金山镇流动党员党支部", None, None, None, None])
        for _ in range(blank_between):
            sheet.append([None] * 10)
    path = tmp_path / "rows.xlsx"
    book.save(path)
    return path


def test_more_rows_than_the_cap_are_refused_while_reading(runner, ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROSTER_ROWS", 3)
    with pytest.raises(Unprocessable) as refused:
        roster.read_file(_sheet(tmp_path, 4))
    assert refused.value.status == 422 and "一次最多导入 3 行" in refused.value.message
    result = runner.invoke(args=["roster", "import", str(_sheet(tmp_path, 4))])
    assert result.exit_code == 1 and "一次最多导入 3 行" in result.output and _members() == 0


def test_blank_rows_do_not_count_against_the_cap(runner, ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROSTER_ROWS", 3)
    result = runner.invoke(args=["roster", "import", str(_sheet(tmp_path, 3, blank_between=2))])
    assert result.exit_code == 0, result.output
    assert _members() == 3
