"""Demo evaluations: last year's democratic evaluation of every active member of the mobile branches, sent to the
home townships like any recorded one (idempotent: a member already evaluated for that year is left alone)."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from server.common.timeutil import local, utcnow
from server.core.members import Member
from server.core.outbox import record_change
from server.evaluations.models import Evaluation
from server.extensions import db

NOTES = {"优秀": "带头参加志愿服务，按时报到交纳党费", "基本合格": "组织生活参加较少，已谈心谈话"}


def _grade(member_id: int) -> str:
    draw = random.Random(f"evaluations-demo-{member_id}").random()
    return "优秀" if draw < 0.2 else "基本合格" if draw > 0.95 else "合格"


def seed(echo) -> None:
    """Record last year's evaluation for each active member who has none, with its feed change."""
    year = local(utcnow()).year - 1
    done = select(Evaluation.member_id).where(Evaluation.year == year)
    members = db.session.execute(select(Member).where(Member.status == "active", ~Member.id.in_(done))
                                 .order_by(Member.id)).scalars().all()
    if not members:
        echo(f"民主评议：{year} 年度已全部评议，未做改动")
        return
    recorded_on = date(year, 12, 20)
    for member in members:
        grade = _grade(member.id)
        db.session.add(Evaluation(member_id=member.id, year=year, grade=grade, note=NOTES.get(grade),
                                  recorded_on=recorded_on, recorded_by="demo", recorded_at=utcnow()))
        record_change("evaluation.recorded", member, {"year": year, "grade": grade, "note": NOTES.get(grade),
                                                      "recorded_on": recorded_on.isoformat()})
    db.session.commit()
    echo(f"民主评议：记录了 {len(members)} 名党员的 {year} 年度评议")
