"""Certificates due for 年审 this month, expired counts, and the roster import linking the register."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.certificates.models import Certificate
from server.certificates.service import period_end
from server.common.timeutil import local, utcnow
from server.core.audit import AuditEntry
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.callers import assert_error_shape
from tests.factories import bearer, make_branch, make_id_number, make_member, make_township, staff_token
from tests.members.test_roster import HEADER


def _today() -> date:
    return local(utcnow()).date()


def _start_ending_on(day: date) -> date:
    """An issue date whose one-year period ends on `day`."""
    start = day + timedelta(days=1)
    return start.replace(year=start.year - 1) if not (start.month == 2 and start.day == 29) else date(start.year - 1, 3, 1)


def _register(member, ends_on: date, number: str):
    from server.certificates.service import _new_certificate

    start = _start_ending_on(ends_on)
    cert = _new_certificate(member, member.township.county_id, number, start, "secretary", "test")
    assert cert.valid_until == ends_on == period_end(start)
    db.session.commit()
    return cert


@pytest.fixture
def branch_with_certificates(ctx):
    branch = make_branch()
    today = _today()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    due_first = make_member(branch, name="月初到期")
    due_last = make_member(branch, name="月末到期")
    expired = make_member(branch, name="已过期")
    valid = make_member(branch, name="有效期长")
    left = make_member(branch, name="已转出", status="transferred")
    _register(due_first, first, "C-1")
    _register(due_last, last, "C-2")
    _register(expired, first - timedelta(days=1), "C-3")
    _register(valid, last + timedelta(days=1), "C-4")
    _register(left, first - timedelta(days=40), "C-5")
    return {"branch": branch, "secretary": bearer(staff_token("branch_secretary", branch.id)),
            "township_admin": bearer(staff_token("township_admin", branch.township_id))}


def test_due_this_month_lists_periods_ending_this_month(client, branch_with_certificates):
    b = branch_with_certificates
    resp = client.get(f"/api/v1/branches/{b['branch'].id}/certificates?due=this_month", headers=b["secretary"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [i["member"]["name"] for i in body["items"]] == ["月初到期", "月末到期"] and body["total"] == 2
    # The first of the month is today or earlier: that one may already read expired, the other not.
    assert body["items"][1]["status"] == "valid"
    expired = client.get(f"/api/v1/branches/{b['branch'].id}/certificates?due=expired",
                         headers=b["secretary"]).get_json()
    expected = ["已过期"] + (["月初到期"] if _today().day > 1 else [])
    assert sorted(i["member"]["name"] for i in expired["items"]) == sorted(expected)
    everything = client.get(f"/api/v1/branches/{b['branch'].id}/certificates?per_page=2",
                            headers=b["secretary"]).get_json()
    assert everything["total"] == 4 and len(everything["items"]) == 2  # the transferred member is not listed
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "certificate.list_read")).all() == ["certificate.list_read"] * 3


def test_township_counts_expired_and_due(client, branch_with_certificates):
    b = branch_with_certificates
    township_id = b["branch"].township_id
    body = client.get(f"/api/v1/townships/{township_id}/certificates/counts", headers=b["township_admin"]).get_json()
    early = 1 if _today().day > 1 else 0
    assert body["total"] == 4 and body["expired"] == 1 + early and body["due_this_month"] == 2
    assert body["township"]["id"] == township_id
    county = client.get(f"/api/v1/townships/{township_id}/certificates/counts",
                        headers=bearer(staff_token("county_admin"))).get_json()
    assert county["expired"] == body["expired"]
    other = bearer(staff_token("township_admin", make_township().id))
    assert_error_shape(client.get(f"/api/v1/townships/{township_id}/certificates/counts", headers=other), 404)
    assert_error_shape(client.get(f"/api/v1/townships/{township_id}/certificates/counts",
                                  headers=b["secretary"]), 403, "forbidden")


def test_list_scope_and_bad_query(client, branch_with_certificates):
    b = branch_with_certificates
    stranger = bearer(staff_token("branch_secretary", make_branch().id))
    assert_error_shape(client.get(f"/api/v1/branches/{b['branch'].id}/certificates", headers=stranger), 404)
    for query in ("due=next_year", "page=0", "per_page=1000", "due="):
        assert_error_shape(client.get(f"/api/v1/branches/{b['branch'].id}/certificates?{query}",
                                      headers=b["secretary"]), 422, "validation_error")


def _csv(tmp_path, rows):
    path = tmp_path / "roster.csv"
    path.write_text("\r\n".join([HEADER] + [",".join(r) for r in rows]) + "\r\n", encoding="utf-8")
    return path


def _row(name, id_number, number):
    return [name, id_number, "", "金山镇", "金山村党支部", "金山镇流动党员党支部", "2023-03-01", "十堰市", "", number]


def test_roster_import_creates_and_links_register_entries(runner, ctx, tmp_path):
    a, b = make_id_number(), make_id_number()
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, [_row("张建国", a, "JS-1"),
                                                                        _row("李秀英", b, "")]))])
    assert result.exit_code == 0, result.output
    certs = db.session.scalars(select(Certificate)).all()
    assert [(c.number, c.member.name, c.source) for c in certs] == [("JS-1", "张建国", "roster")]
    assert certs[0].valid_until == period_end(_today())
    # Re-import: unchanged number is not a second entry; a changed number renumbers the one entry.
    assert runner.invoke(args=["roster", "import", str(_csv(tmp_path, [_row("张建国", a, "JS-1")]))]).exit_code == 0
    assert runner.invoke(args=["roster", "import", str(_csv(tmp_path, [_row("张建国", a, "JS-9"),
                                                                     _row("李秀英", b, "JS-2")]))]).exit_code == 0
    db.session.expire_all()
    assert sorted((c.number, c.member.name) for c in db.session.scalars(select(Certificate))) == [
        ("JS-2", "李秀英"), ("JS-9", "张建国")]
    assert "certificate.renumbered" in db.session.scalars(select(AuditEntry.action)).all()
    told = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "certificate.recorded")
                              .order_by(OutboxChange.id)).all()
    assert [(c.data["action"], c.data["number"], c.member_id) for c in told] == [
        ("issued", "JS-1", certs[0].member_id), ("renumbered", "JS-9", certs[0].member_id),
        ("issued", "JS-2", told[-1].member_id)]


def test_roster_import_refuses_a_number_held_by_someone_else(runner, ctx, tmp_path):
    holder = make_member(make_branch())
    _register(holder, _today() + timedelta(days=100), "JS-7")
    before = db.session.scalar(select(Member.id).order_by(Member.id.desc()))
    newcomer = make_id_number()
    result = runner.invoke(args=["roster", "import", str(_csv(tmp_path, [_row("新党员", newcomer, "JS-7")]))])
    assert result.exit_code == 1 and "第 2 行：活动证编号 JS-7 在本县已登记给其他党员" in result.output
    twice = runner.invoke(args=["roster", "import", str(_csv(tmp_path, [_row("甲某", make_id_number(), "JS-8"),
                                                                      _row("乙某", make_id_number(), "JS-8")]))])
    assert twice.exit_code == 1 and "第 3 行：活动证编号 JS-8 与第 2 行重复" in twice.output
    assert db.session.scalar(select(Member.id).order_by(Member.id.desc())) == before
    assert db.session.scalars(select(Certificate.number)).all() == ["JS-7"]
