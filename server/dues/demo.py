"""Demo dues: standards of mixed categories, a paid history, a few members in arrears, one special-dues campaign.

Idempotent: a member who already has a standard is left alone; the campaign is found by its title.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.common.timeutil import (
    SHANGHAI,
    current_month,
    month_add,
    month_bounds,
    month_range,
    utcnow,
)
from server.core.members import Member
from server.dues.models import DuesCampaign, DuesOrder, DuesStandard
from server.dues.notices import settle
from server.dues.orders import new_order_no
from server.dues.service import add_standard, approved_by_year, standard_of_month
from server.extensions import db

CAMPAIGN_TITLE = "支援防汛救灾特殊党费"
# (category, income_base_fen, monthly_fen, reason) cycled over the demo members.
PROFILES = (
    ("salaried", 280000, None, None), ("salaried", 420000, None, None), ("salaried", 650000, None, None),
    ("salaried", 1200000, None, None), ("salaried", 350000, None, None), ("salaried", 500000, None, None),
    ("retired", 450000, None, None), ("farmer", None, 50, None), ("student", None, None, None),
    ("unemployed", None, None, None),
)
SEEDER = "demo-seed"


def _paid_order(member: Member, months: list[str], by_year: dict) -> None:
    """A monthly order paid through WeChat some time ago, credited exactly as a notice would."""
    lines = [{"month": m, "amount_fen": standard_of_month(by_year, m).monthly_fen,
              "standard_id": standard_of_month(by_year, m).id} for m in months]
    paid_at = min(month_bounds(months[-1])[0] + timedelta(days=9, hours=3), utcnow() - timedelta(hours=1))
    ordered_at = paid_at - timedelta(minutes=2)
    order = DuesOrder(order_no=new_order_no(ordered_at), member_id=member.id, township_id=member.township_id,
                      branch_id=member.mobile_branch_id, kind="monthly", months=lines,
                      amount_fen=sum(line["amount_fen"] for line in lines), status="pending",
                      openid=f"demo-{member.id}", created_at=ordered_at,
                      expires_at=paid_at + timedelta(hours=2))
    db.session.add(order)
    db.session.flush()
    settle(order.id, "4200" + secrets.token_hex(12), paid_at)


def seed(echo) -> None:
    """Seed dues for every demo member that has none yet."""
    members = list(db.session.scalars(select(Member).order_by(Member.id)))
    if not members:
        echo("党费：还没有党员，跳过")
        return
    have = set(db.session.scalars(select(DuesStandard.member_id).distinct()))
    today = current_month()
    this_year = int(today[:4])
    roster_since = datetime(this_year - 1, 1, 1, 9, tzinfo=SHANGHAI).astimezone(timezone.utc)
    seeded = 0
    for index, member in enumerate(members):
        if member.id in have:
            continue
        # The demo county's roster has existed since January last year, so there is a dues history to show.
        member.created_at = min(member.created_at, roster_since)
        category, base, monthly, reason = PROFILES[index % len(PROFILES)]
        for year in (this_year - 1, this_year):
            add_standard(member, year=year, category=category, income_base_fen=base, monthly_fen=monthly,
                         reason=reason, set_by=SEEDER, approve=True)
        if index % 17 == 11:
            add_standard(member, year=this_year, category="hardship", income_base_fen=None, monthly_fen=0,
                         reason="家人重病住院，收入中断", set_by=SEEDER, approve=False)
        db.session.flush()
        if index % 9 == 4 or member.status == "lost_contact":
            paid_through = month_add(today, -8)  # 6+ months behind (lost contact: stopped paying then)
        elif index % 13 == 5:
            paid_through = None  # never paid since joining the roster
        else:
            paid_through = month_add(today, -(index % 2))
        if paid_through:
            by_year = approved_by_year([member.id])[member.id]
            months = month_range(f"{this_year - 1}-01", paid_through)
            for chunk in range(0, len(months), 6):
                _paid_order(member, months[chunk:chunk + 6], by_year)
        seeded += 1
    campaign = db.session.scalar(select(DuesCampaign).where(DuesCampaign.title == CAMPAIGN_TITLE))
    if campaign is not None and not seeded:
        echo("党费：演示党费数据已存在，未做改动")
        return
    if campaign is None:
        starts = utcnow().astimezone(SHANGHAI).date().replace(day=1)
        campaign = DuesCampaign(title=CAMPAIGN_TITLE, starts_on=starts, ends_on=starts + timedelta(days=90),
                                created_by=SEEDER)
        db.session.add(campaign)
        db.session.flush()
        donors = [m for m in members if m.status == "active"][:12]
        for index, member in enumerate(donors):
            amount = 200000 if index == 0 else 5000 + 1000 * index
            ordered_at = utcnow() - timedelta(hours=3)
            order = DuesOrder(order_no=new_order_no(ordered_at), member_id=member.id, township_id=member.township_id,
                              branch_id=member.mobile_branch_id, kind="special", campaign_id=campaign.id, months=[],
                              amount_fen=amount, forward_upward=amount > 100000, status="pending",
                              openid=f"demo-{member.id}", created_at=ordered_at,
                              expires_at=utcnow() - timedelta(hours=1))
            db.session.add(order)
            db.session.flush()
            settle(order.id, "4200" + secrets.token_hex(12), utcnow() - timedelta(hours=3))
    db.session.commit()
    echo(f"党费：已为 {seeded} 名党员设定标准并生成缴费记录；特殊党费活动「{campaign.title}」")

