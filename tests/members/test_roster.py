"""`flask --app server roster import`: CSV and XLSX, all-or-nothing, idempotent."""
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.core.audit import AuditEntry
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.factories import make_id_number

HEADER = "姓名,身份证号,手机号,乡镇,村党支部,流动党员党支部,外出时间,流入地,工作单位,活动证编号"


def _rows(n=3):
    return [
        ["张建国", make_id_number(), "13912340001", "金山镇", "金山村党支部", "金山镇流动党员党支部",
         "2023-03-01", "十堰市", "东风汽车零部件厂", "JS-2023-001"],
        ["李秀英", make_id_number(), "13912340002", "金山镇", "桃树湾村党支部", "金山镇流动党员党支部",
         "2022-10-15", "襄阳市", "襄阳万达广场", "JS-2022-014"],
        ["王大海", make_id_number(), "", "西斗铺镇", "青龙村党支部", "西斗铺镇流动党员党支部",
         "", "武汉市", "", ""],
    ][:n]


def _csv(tmp_path, rows, encoding="utf-8", header=HEADER, name="roster.csv"):
    path = tmp_path / name
    path.write_bytes(("\r\n".join([header] + [",".join(r) for r in rows]) + "\r\n").encode(encoding))
    return path


def _count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _state():
    return {m.__tablename__: _count(m) for m in (Township, Branch, Member, OutboxChange, AuditEntry)}


def test_valid_csv_creates_organisations_and_members(runner, ctx, tmp_path):
    rows = _rows()
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows))])
    assert result.exit_code == 0, result.output
    assert "新建 3 人，更新 0 人，未变 0 人" in result.output
    assert _count(Township) == 2 and _count(Branch) == 5
    for t in db.session.execute(select(Township)).scalars():
        assert str(t.id) in result.output
    zhang = db.session.execute(select(Member).filter_by(name="张建国")).scalar_one()
    assert zhang.id_number == rows[0][1] and zhang.phone == "13912340001"
    assert zhang.village_branch.name == "金山村党支部" and zhang.mobile_branch.kind == "mobile"
    assert zhang.left_on.isoformat() == "2023-03-01" and zhang.certificate_no == "JS-2023-001"
    wang = db.session.execute(select(Member).filter_by(name="王大海")).scalar_one()
    assert wang.phone is None and wang.left_on is None and wang.employer is None
    changes = db.session.execute(select(OutboxChange).order_by(OutboxChange.id)).scalars().all()
    upserts = [c for c in changes if c.type == "member.upserted"]
    assert len(upserts) == 3 and all(c.data["id_number_masked"].count("*") == 10 for c in upserts)
    # The two certificate numbers also reach the township as register entries (docs/changes.md).
    assert sorted((c.type, c.data["action"], c.data["number"]) for c in changes if c not in upserts) == [
        ("certificate.recorded", "issued", "JS-2022-014"), ("certificate.recorded", "issued", "JS-2023-001")]
    assert sorted(db.session.execute(select(AuditEntry.action)).scalars().all()) == [
        "certificate.issued", "certificate.issued", "roster.imported"]  # two rows carry a certificate number


def test_reimport_updates_changed_rows_and_never_duplicates(runner, ctx, tmp_path):
    rows = _rows()
    runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows))])
    again = runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows))])
    assert "新建 0 人，更新 0 人，未变 3 人" in again.output
    assert _count(OutboxChange) == 5  # three members and two certificates, none of them again
    rows[1][8] = "襄阳东风康明斯"
    rows[1][1] = rows[1][1].lower()
    changed = runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows))])
    assert "新建 0 人，更新 1 人，未变 2 人" in changed.output, changed.output
    assert _count(Member) == 3 and _count(OutboxChange) == 6
    last = db.session.execute(select(OutboxChange).order_by(OutboxChange.id.desc())).scalars().first()
    assert last.data["employer"] == "襄阳东风康明斯"


def test_bad_rows_import_nothing_and_each_is_listed(runner, ctx, tmp_path):
    runner.invoke(args=["roster", "import", str(_csv(tmp_path, _rows(1), name="first.csv"))])
    before = _state()
    rows = _rows()
    good_id = rows[0][1]
    bad_check = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    rows += [
        ["", make_id_number(), "13912340003", "金山镇", "金山村党支部", "金山镇流动党员党支部", "", "", "", ""],
        ["赵六", bad_check, "13912340004", "金山镇", "金山村党支部", "金山镇流动党员党支部", "", "", "", ""],
        ["钱七", make_id_number(), "1391234", "金山镇", "金山村党支部", "金山镇流动党员党支部", "2023/01/01", "", "", ""],
        ["孙八", good_id, "13912340005", "金山镇", "金山村党支部", "", "", "", "", ""],
    ]
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows))])
    assert result.exit_code != 0
    out = result.output
    assert "第 5 行：姓名为空" in out
    assert "第 6 行" in out and "校验位" in out
    assert "第 7 行" in out and "手机号" in out and "外出时间" in out
    assert "第 8 行" in out and "与第 2 行重复" in out and "流动党员党支部为空" in out
    assert "未导入任何数据" in out
    db.session.expire_all()
    assert _state() == before


def test_gbk_csv_and_bom_csv(runner, ctx, tmp_path):
    rows = _rows(2)
    gbk = runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows, encoding="gbk", name="gbk.csv"))])
    assert gbk.exit_code == 0, gbk.output
    assert db.session.execute(select(Township.name)).scalars().all() == ["金山镇"]
    bom = runner.invoke(args=["roster", "import", str(_csv(tmp_path, rows[:1], encoding="utf-8-sig", name="b.csv"))])
    assert bom.exit_code == 0, bom.output
    assert "未变 1 人" in bom.output


def test_wrong_header_is_refused(runner, ctx, tmp_path):
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, _rows(), header="姓名,身份证,手机"))])
    assert result.exit_code != 0 and "第 1 行表头不正确" in result.output
    assert _count(Member) == 0


def test_valid_xlsx_with_excel_dates_and_numbers(runner, ctx, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    rows = _rows()
    for row in rows:
        cells = list(row)
        cells[2] = int(cells[2]) if cells[2] else None
        cells[6] = datetime.fromisoformat(cells[6]) if cells[6] else None
        sheet.append(cells)
    sheet.append([None] * 10)
    path = tmp_path / "roster.xlsx"
    book.save(path)
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新建 3 人" in result.output
    zhang = db.session.execute(select(Member).filter_by(name="张建国")).scalar_one()
    assert zhang.phone == "13912340001" and zhang.left_on.isoformat() == "2023-03-01"


def test_xlsx_id_number_saved_as_a_number_is_explained(runner, ctx, tmp_path):
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["张建国", 420321198507153413, None, "金山镇", "金山村党支部", "金山镇流动党员党支部"])
    path = tmp_path / "n.xlsx"
    book.save(path)
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code != 0 and "文本" in result.output


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage\x00\x81"])
def test_empty_or_unreadable_files(runner, ctx, tmp_path, content):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code != 0
    assert _count(Member) == 0
