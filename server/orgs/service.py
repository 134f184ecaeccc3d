"""Reading the county's organisations within a staff user's scope."""
from __future__ import annotations

from sqlalchemy import func, select, true

from server.core import scope
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.tokens import Principal
from server.extensions import db


def list_townships(principal: Principal) -> list[dict]:
    """Townships in scope with their mobile branches and visible member counts (a WeChat account: names only)."""
    if not principal.is_staff:
        return _public_townships()
    townships = db.session.execute(
        select(Township).where(scope.township_filter(principal)).order_by(Township.id)).scalars().all()
    counts = dict(db.session.execute(
        select(Member.township_id, func.count()).where(scope.member_filter(principal))
        .group_by(Member.township_id)).all())
    mobile = db.session.execute(
        select(Branch).where(Branch.kind == "mobile", scope.branch_filter(principal)).order_by(Branch.id)
    ).scalars().all()
    return [{
        "id": t.id, "name": t.name, "member_count": counts.get(t.id, 0),
        "mobile_branches": [b for b in mobile if b.township_id == t.id],
    } for t in townships]


def list_branches(principal: Principal, township_id: int | None = None, kind: str | None = None) -> list[dict]:
    """Branches in scope (a secretary sees their own mobile branch) with visible member counts.

    A WeChat account (the registration form, bound or not) sees every branch's name, kind and township.
    """
    visible_branches = scope.branch_filter(principal) if principal.is_staff else true()
    query = select(Branch).where(visible_branches).order_by(Branch.township_id, Branch.kind, Branch.id)
    if township_id is not None:
        query = query.where(Branch.township_id == township_id)
    if kind is not None:
        query = query.where(Branch.kind == kind)
    branches = db.session.execute(query.join(Branch.township)).scalars().all()
    if not principal.is_staff:
        return [{"id": b.id, "name": b.name, "kind": b.kind, "township": b.township} for b in branches]
    visible = scope.member_filter(principal)
    by_mobile = dict(db.session.execute(
        select(Member.mobile_branch_id, func.count()).where(visible).group_by(Member.mobile_branch_id)).all())
    by_village = dict(db.session.execute(
        select(Member.village_branch_id, func.count()).where(visible).group_by(Member.village_branch_id)).all())
    return [{
        "id": b.id, "name": b.name, "kind": b.kind, "township": b.township,
        "member_count": (by_mobile if b.kind == "mobile" else by_village).get(b.id, 0),
    } for b in branches]


def _public_townships() -> list[dict]:
    """Every township's name and mobile branches: what a member picks on the registration form."""
    townships = db.session.execute(select(Township).order_by(Township.id)).scalars().all()
    mobile = db.session.execute(select(Branch).where(Branch.kind == "mobile").order_by(Branch.id)).scalars().all()
    return [{"id": t.id, "name": t.name, "mobile_branches": [b for b in mobile if b.township_id == t.id]}
            for t in townships]
