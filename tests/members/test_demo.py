"""The demo county seeder: realistic, loginable, idempotent."""
from sqlalchemy import func, select

from server.common.idcard import is_valid
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.outbox import OutboxChange
from server.extensions import db
from server.members import demo
from server.wechat import emulator
from tests.factories import bearer


def _counts():
    return [db.session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Township, Branch, Member, OutboxChange)]


def test_seed_builds_the_county_and_a_second_run_changes_nothing(ctx):
    lines = []
    demo.seed(lines.append)
    names = db.session.execute(select(Township.name)).scalars().all()
    assert {"金山镇", "西斗铺镇"} <= set(names)
    members = db.session.execute(select(Member)).scalars().all()
    assert all(is_valid(m.id_number) for m in members)
    for township in db.session.execute(select(Township)).scalars():
        kinds = [b.kind for b in township.branches]
        assert kinds.count("mobile") == 1 and 2 <= kinds.count("village") <= 4
        assert 15 <= sum(m.township_id == township.id for m in members) <= 25
    assert {m.status for m in members} > {"active"}
    assert any(m.is_committee for m in members)
    before = _counts()
    again = []
    demo.seed(again.append)
    assert _counts() == before
    assert "未做任何改动" in again[0]
    assert any("jinshan-sj / demo-secretary-2026" in line for line in lines)


def test_demo_logins_work(app, client, ctx):
    demo.seed(lambda line: None)
    for username, password, role in (("county", "demo-county-2026", "county_admin"),
                                     ("jinshan", "demo-township-2026", "township_admin"),
                                     ("jinshan-sj", "demo-secretary-2026", "branch_secretary")):
        resp = client.post("/api/v1/staff/login", json={"username": username, "password": password})
        assert resp.status_code == 200 and resp.get_json()["roles"] == [role]
    sj = client.post("/api/v1/staff/login", json={"username": "jinshan-sj", "password": "demo-secretary-2026"})
    me = client.get("/api/v1/staff/me", headers=bearer(sj.get_json()["token"])).get_json()
    assert me["scope"]["name"] == "金山镇流动党员党支部"
    code = emulator.issue_login_code(app.config, openid="demo-openid-jinshan-1")
    login = client.post("/api/v1/auth/login", json={"code": code}).get_json()
    assert login["bound"] is True
    profile = client.get("/api/v1/me", headers=bearer(login["token"])).get_json()["member"]
    assert profile["township"]["name"] == "金山镇"
