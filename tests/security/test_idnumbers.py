"""Unicode tricks in ID numbers: full-width digits (a Chinese IME in full-width mode) are the same number."""
from sqlalchemy import func, select

from server.core.members import Member
from server.extensions import db
from tests.factories import bearer, make_id_number, make_member, member_token

HEADER = "姓名,身份证号,手机号,乡镇,村党支部,流动党员党支部,外出时间,流入地,工作单位,活动证编号"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _csv(tmp_path, rows, name):
    path = tmp_path / name
    path.write_text("\r\n".join([HEADER] + [",".join(r) for r in rows]) + "\r\n", encoding="utf-8")
    return path


def test_full_width_id_number_in_a_roster_is_the_same_member_stored_as_ascii(runner, ctx, tmp_path):
    id_number = make_id_number()
    row = ["张建国", id_number, "13912340001", "金山镇", "金山村党支部", "金山镇流动党员党支部", "", "", "", ""]
    assert runner.invoke(args=["roster", "import", str(_csv(tmp_path, [row], "a.csv"))]).exit_code == 0
    # 17 full-width digits and an ASCII check digit pass a Unicode `\d` shape and check-digit test.
    wide = [row[0], id_number[:17].translate(FULL_WIDTH) + id_number[17], *row[2:]]
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, [wide], "b.csv"))])
    assert result.exit_code == 0, result.output
    members = db.session.execute(select(Member)).scalars().all()
    assert len(members) == 1, "a full-width copy of an ID number created a second member"
    assert members[0].id_number == id_number


def test_full_width_only_roster_stores_the_ascii_number(runner, ctx, tmp_path):
    id_number = make_id_number()
    wide = ["李秀英", id_number.translate(FULL_WIDTH), "", "金山镇", "金山村党支部", "金山镇流动党员党支部", "", "", "", ""]
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, [wide], "c.csv"))])
    assert result.exit_code == 0, result.output
    member = db.session.execute(select(Member)).scalar_one()
    assert member.id_number == id_number and member.id_number_masked.isascii()


def test_bind_with_full_width_digits_finds_the_roster_member(client, ctx):
    member = make_member(name="陈志强")
    token = member_token()
    resp = client.post("/api/v1/auth/bind", headers=bearer(token),
                       json={"name": "陈志强", "id_number": member.id_number.translate(FULL_WIDTH)})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["member"]["id"] == member.id
    assert db.session.execute(select(func.count()).select_from(Member)).scalar_one() == 1
