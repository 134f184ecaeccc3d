"""Setting, versioning, approving and importing dues standards."""
import io

from openpyxl import Workbook
from sqlalchemy import select

from server.common.timeutil import current_month
from server.core.outbox import OutboxChange
from server.dues.models import DuesStandard
from server.extensions import db
from tests.factories import bearer, make_branch, make_member, member_token, staff_token

YEAR = int(current_month()[:4])


def put(client, token, member_id, **body):
    return client.put(f"/api/v1/members/{member_id}/dues-standard", json={"year": YEAR, **body}, headers=bearer(token))


def test_secretary_sets_a_salaried_standard_by_the_whole_base(client, branch, secretary):
    m = make_member(branch)
    resp = put(client, secretary, m.id, category="salaried", income_base_fen=300001)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["monthly_fen"], body["rate"], body["category"], body["year"]) == (3000, "0.01", "salaried", YEAR)
    assert body["approved"] is True
    change = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "standard.set")).one()
    assert change.member_id == m.id
    assert change.data["monthly_fen"] == 3000 and change.data["rate"] == "0.01" and change.data["approved"] is True
    assert change.data["set_by"].startswith("staff")


def test_setting_again_adds_a_version_and_keeps_history(client, branch, secretary):
    m = make_member(branch)
    put(client, secretary, m.id, category="salaried", income_base_fen=500000)
    put(client, secretary, m.id, category="retired", income_base_fen=500001)
    history = client.get(f"/api/v1/members/{m.id}/dues-standards", headers=bearer(secretary)).get_json()
    assert [(h["version"], h["category"], h["monthly_fen"]) for h in history] == [(2, "retired", 5000), (1, "salaried", 5000)]
    assert all(h["set_by"] and h["set_at"] and h["income_base_fen"] for h in history)


def test_farmer_range_and_student_amount(client, branch, secretary):
    m = make_member(branch)
    bad = put(client, secretary, m.id, category="farmer", monthly_fen=101)
    assert bad.status_code == 422 and "monthly_fen" in bad.get_json()["errors"]
    assert put(client, secretary, m.id, category="farmer", monthly_fen=50).get_json()["monthly_fen"] == 50
    assert put(client, secretary, m.id, category="student").get_json()["monthly_fen"] == 20
    assert put(client, secretary, m.id, category="salaried").status_code == 422


def test_hardship_waits_for_the_township_and_the_previous_standard_applies(client, branch, secretary, township_admin):
    m = make_member(branch)
    token = member_token(m)
    put(client, secretary, m.id, category="salaried", income_base_fen=300000)
    assert put(client, secretary, m.id, category="hardship", monthly_fen=0).status_code == 422  # no reason
    pending = put(client, secretary, m.id, category="hardship", monthly_fen=0, reason="家人重病，收入中断").get_json()
    assert pending["approved"] is False
    me = client.get("/api/v1/me/dues", headers=bearer(token)).get_json()
    assert me["monthly_fen"] == 1500 and me["standard_pending"] is True
    assert client.post(f"/api/v1/dues/standards/{pending['id']}/approve", headers=bearer(secretary)).status_code == 403
    approved = client.post(f"/api/v1/dues/standards/{pending['id']}/approve", headers=bearer(township_admin))
    assert approved.status_code == 200 and approved.get_json()["approved"] is True
    me = client.get("/api/v1/me/dues", headers=bearer(token)).get_json()
    assert me["monthly_fen"] == 0 and me["owed"] == [] and me["standard_pending"] is False
    again = client.post(f"/api/v1/dues/standards/{pending['id']}/approve", headers=bearer(township_admin))
    assert again.status_code == 409
    changes = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "standard.set")
                                 .order_by(OutboxChange.id)).all()
    assert [c.data["approved"] for c in changes] == [True, False, True]


def test_hardship_without_earlier_standard_leaves_the_amount_pending(client, branch, secretary):
    m = make_member(branch)
    put(client, secretary, m.id, category="hardship", monthly_fen=10, reason="低收入")
    me = client.get("/api/v1/me/dues", headers=bearer(member_token(m))).get_json()
    assert me["monthly_fen"] is None and me["owed"] == []


def test_scope_and_roles(client, branch, secretary):
    other = make_member(make_branch())
    assert put(client, secretary, other.id, category="student").status_code == 404
    m = make_member(branch)
    assert put(client, member_token(m), m.id, category="student").status_code == 403
    assert client.post("/api/v1/dues/standards/999999/approve",
                       headers=bearer(staff_token("township_admin", branch.township_id))).status_code == 404
    assert put(client, secretary, m.id, category="astronaut").status_code == 422


def _xlsx(rows, header=("姓名", "身份证号", "年度", "类别", "计算基数（元）", "月缴纳额（元）", "原因")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _upload(client, token, branch_id, data):
    return client.post(f"/api/v1/branches/{branch_id}/dues-standards/import",
                       data={"file": (data, "standards.xlsx")}, headers=bearer(token),
                       content_type="multipart/form-data")


def test_import_from_xlsx_sets_every_row(client, branch, secretary):
    a, b = make_member(branch, name="张三"), make_member(branch, name="李四")
    resp = _upload(client, secretary, branch.id, _xlsx([
        ("张三", a.id_number, YEAR, "在职", 3000.01, None, None),
        ("李四", b.id_number, YEAR, "农民", None, "0.5", None),
    ]))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["imported"] == 2
    amounts = {s.member_id: s.monthly_fen for s in db.session.scalars(select(DuesStandard))}
    assert amounts == {a.id: 3000, b.id: 50}


def test_import_with_a_bad_row_imports_nothing_and_names_every_bad_row(client, branch, secretary):
    a = make_member(branch, name="张三")
    outsider = make_member(make_branch(), name="王五")
    resp = _upload(client, secretary, branch.id, _xlsx([
        ("张三", a.id_number, YEAR, "在职", 3000, None, None),
        ("王五", outsider.id_number, YEAR, "在职", 3000, None, None),
        ("张三", a.id_number, "明年", "宇航员", "abc", None, None),
    ]))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "import_invalid"
    assert set(body["errors"]) == {"第3行", "第4行"}
    assert db.session.scalar(select(DuesStandard).limit(1)) is None
    assert _upload(client, secretary, branch.id, io.BytesIO(b"not a spreadsheet")).status_code == 422
    assert _upload(client, secretary, branch.id, _xlsx([], header=("a", "b"))).status_code == 422
