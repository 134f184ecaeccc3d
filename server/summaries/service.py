"""The home village branch's yearly summary of its mobile members (村党支部流动党员年度情况).

Per member of the village branch (the roster's home branch), for a year: months reported in (members), meetings
of their mobile branch expected, attended, on approved leave and missed (checkins), dues paid through (the
member row), and the democratic evaluation of the year if any (evaluations). Members who joined the roster after
the year are left out; members who since left (transferred, returned) stay, with their status. A read of members'
personal data: audited. The township admin of the branch's township and the county admin may read it.
"""
from __future__ import annotations

from sqlalchemy import select

from server.checkins.yearly import year_attendance
from server.common.bounds import YEAR_MIN
from server.common.timeutil import local, month_bounds, utcnow
from server.core import audit, scope
from server.core.members import Member
from server.core.orgs import Branch
from server.core.tokens import Principal
from server.errors import Unprocessable
from server.evaluations.service import evaluations_of
from server.extensions import db
from server.members.service import report_counts

STATUS_NAMES = {"active": "在册", "returned": "已返乡", "transferred": "已转出", "lost_contact": "失联",
                "suspended": "停止党籍"}


def yearly_summary(principal: Principal, branch_id: int, year: int | None) -> dict:
    now = local(utcnow())
    year = year or now.year
    if not YEAR_MIN <= year <= now.year:
        raise Unprocessable("年度不正确", errors={"year": [f"年度应在 {YEAR_MIN}–{now.year} 之间"]})
    branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
    if branch.kind != "village":
        raise Unprocessable("年度情况按村党支部汇总，请选择村党支部", code="not_village_branch")
    members = list(db.session.scalars(select(Member).where(
        Member.village_branch_id == branch.id, Member.created_at < month_bounds(f"{year}-12")[1])
        .order_by(Member.name, Member.id)))
    ids = [m.id for m in members]
    reports, meetings, grades = report_counts(ids, year), year_attendance(ids, year), evaluations_of(ids, year)
    items = [{"member": m, "mobile_branch": m.mobile_branch, "status": m.status, "reports": reports[m.id],
              **{f"meetings_{k}": v for k, v in meetings[m.id].items()}, "paid_through": m.paid_through,
              "evaluation": grades.get(m.id)} for m in members]
    totals = {key: sum(item[key] for item in items) for key in
              ("reports", "meetings_expected", "meetings_attended", "meetings_on_leave", "meetings_missed")}
    totals["evaluated"] = sum(1 for item in items if item["evaluation"] is not None)
    audit.record("summary.yearly_read", "branch", branch.id, {"year": year, "member_ids": ids})
    db.session.commit()
    return {"branch": branch, "township": branch.township, "year": year, "items": items, "totals": totals,
            "made_at": utcnow()}
