"""An approved 0-fen hardship exemption settles its months: never counted as arrears, townships told."""
from datetime import timedelta

from sqlalchemy import select, update

from server.common.timeutil import current_month, month_add, month_bounds
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues import tasks
from server.dues.models import DuesStandard
from server.dues.service import add_standard
from server.extensions import db
from server.jobs import drain, enqueue
from tests.dues.helpers import make_paying_member, months_ago
from tests.factories import bearer

YEAR = int(current_month()[:4])


def arrears_ids(client, secretary, branch):
    body = client.get(f"/api/v1/branches/{branch.id}/dues/arrears", headers=bearer(secretary)).get_json()
    return [m["member_id"] for m in body["members"]]


def test_approving_an_exemption_settles_the_months_and_lifts_the_arrears_flag(
        client, branch, secretary, township_admin):
    member = make_paying_member(branch, joined_months_ago=9)
    db.session.execute(update(Member).where(Member.id == member.id).values(paid_through=months_ago(9)))
    db.session.commit()
    assert member.id in arrears_ids(client, secretary, branch)

    # Exempt for last year (set directly, approved) and this year (through the API, approved by the township).
    add_standard(member, year=YEAR - 1, category="hardship", income_base_fen=None, monthly_fen=0,
                 reason="家人重病住院，收入中断", set_by="township", approve=True)
    db.session.commit()
    pending = client.put(f"/api/v1/members/{member.id}/dues-standard", headers=bearer(secretary), json={
        "year": YEAR, "category": "hardship", "monthly_fen": 0, "reason": "家人重病住院，收入中断"}).get_json()
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == months_ago(9)  # this year's is not yet approved
    approved = client.post(f"/api/v1/dues/standards/{pending['id']}/approve", headers=bearer(township_admin))
    assert approved.status_code == 200

    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == current_month()
    assert member.id not in arrears_ids(client, secretary, branch)
    change = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "member.upserted")
                                .order_by(OutboxChange.id.desc())).first()
    assert change.member_id == member.id and change.data["paid_through"] == current_month()


def test_the_periodic_job_carries_an_exemption_into_each_new_month(app, client, branch, secretary):
    member = make_paying_member(branch, joined_months_ago=0)
    add_standard(member, year=YEAR, category="hardship", income_base_fen=None, monthly_fen=0, reason="低保户",
                 set_by="township", approve=True)
    # As it stood last month: settled through last month only.
    db.session.execute(update(Member).where(Member.id == member.id).values(
        paid_through=month_add(current_month(), -1), created_at=month_bounds(f"{YEAR}-01")[0] + timedelta(hours=1)))
    db.session.commit()
    enqueue(tasks.settle_exempt_months)
    drain(app)
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == current_month()
    assert member.id not in arrears_ids(client, secretary, branch)


def test_a_reduced_but_not_zero_standard_settles_nothing(client, branch, secretary, township_admin):
    member = make_paying_member(branch, joined_months_ago=2)
    pending = client.put(f"/api/v1/members/{member.id}/dues-standard", headers=bearer(secretary), json={
        "year": YEAR, "category": "hardship", "monthly_fen": 10, "reason": "收入很低"}).get_json()
    client.post(f"/api/v1/dues/standards/{pending['id']}/approve", headers=bearer(township_admin))
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through is None
    assert db.session.scalar(select(DuesStandard.monthly_fen).where(DuesStandard.id == pending["id"])) == 10
