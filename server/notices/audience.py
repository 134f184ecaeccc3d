"""Who a notice addresses and who may publish or see it (CONTRACT §12).

A county admin addresses their county, one of its townships or one of their branches; a township admin their
township or one of its branches; a secretary their branch. A target outside the publisher's scope is 404,
as every out-of-scope read is (server/core/scope.py). The audience of a branch notice is the branch's
members: a mobile branch's members by `mobile_branch_id`, a village branch's by `village_branch_id`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select

from server.core import scope
from server.core.members import Member
from server.core.orgs import Branch, County, Township
from server.core.tokens import Principal
from server.errors import NotFound, Unprocessable
from server.extensions import db
from server.notices.models import Notice


@dataclass
class Target:
    """The org a new notice addresses."""

    audience_type: str
    county_id: int
    township_id: int | None = None
    branch_id: int | None = None


def resolve_target(principal: Principal, township_id: int | None, branch_id: int | None) -> Target:
    """The audience a publisher asked for, checked against their scope; none asked means their whole scope."""
    if township_id is not None and branch_id is not None:
        raise Unprocessable("请只选择一个乡镇或一个支部", errors={"branch_id": ["不能与 township_id 同时填写"]})
    role = principal.staff_role
    if branch_id is not None:
        branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
        return Target("branch", _county_of(branch.township_id), branch.township_id, branch.id)
    if township_id is not None:
        if role == "branch_secretary":
            raise NotFound("找不到该乡镇")
        township = db.session.execute(select(Township).where(
            Township.id == township_id, scope.township_filter(principal))).scalar_one_or_none()
        if township is None:
            raise NotFound("找不到该乡镇")
        return Target("township", township.county_id, township.id)
    if role == "county_admin":
        return Target("county", principal.scope_id)
    if role == "township_admin":
        return Target("township", _county_of(principal.scope_id), principal.scope_id)
    branch = scope.require_branch(principal, db.session.get(Branch, principal.scope_id))
    return Target("branch", _county_of(branch.township_id), branch.township_id, branch.id)


def _county_of(township_id: int) -> int:
    return db.session.scalar(select(Township.county_id).where(Township.id == township_id))


def audience_members(notice: Notice) -> ColumnElement[bool]:
    """A WHERE clause on Member: every member the notice addresses (any status)."""
    if notice.audience_type == "county":
        return Member.township_id.in_(scope.county_townships(notice.county_id))
    if notice.audience_type == "township":
        return Member.township_id == notice.township_id
    return or_(Member.mobile_branch_id == notice.branch_id, Member.village_branch_id == notice.branch_id)


def addressed_to(member: Member) -> ColumnElement[bool]:
    """A WHERE clause on Notice: the notices addressed to the member (their county, township or branches)."""
    return or_(
        and_(Notice.audience_type == "county", Notice.county_id == member.township.county_id),
        and_(Notice.audience_type == "township", Notice.township_id == member.township_id),
        and_(Notice.audience_type == "branch",
             Notice.branch_id.in_([member.mobile_branch_id, member.village_branch_id])),
    )


def visible_to_staff(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on Notice: notices whose audience lies inside the staff user's scope."""
    role = principal.staff_role
    if role == "county_admin":
        return Notice.county_id == principal.scope_id
    if role == "township_admin":
        return Notice.township_id == principal.scope_id
    if role == "branch_secretary":
        return Notice.branch_id == principal.scope_id
    return false()


def audience_ref(notice: Notice) -> dict:
    """`{type, id, name}` of the org the notice addresses."""
    model, org_id = {"county": (County, notice.county_id), "township": (Township, notice.township_id),
                     "branch": (Branch, notice.branch_id)}[notice.audience_type]
    return {"type": notice.audience_type, "id": org_id, "name": db.session.get(model, org_id).name}
