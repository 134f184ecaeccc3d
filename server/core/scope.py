"""The one place that decides what a staff user may see. Out of scope reads as 404.

A county admin's scope is their county (`scope_id` is the county id), a township admin's their
township, a secretary's their mobile branch.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, select

from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.tokens import Principal
from server.errors import NotFound
from server.extensions import db


def _county_township_ids(county_id: int | None):
    return select(Township.id).where(Township.county_id == county_id)


def county_townships(county_id: int | None):
    """The ids of a county's townships, as a subquery."""
    return _county_township_ids(county_id).scalar_subquery()


def county_township_list(county_id: int | None) -> list[int]:
    """The ids of a county's townships, read now: for an ordered, limited read (the sync feed's page), where
    PostgreSQL misjudges `IN (subquery)` as selective and plans parallel workers for a 1 ms index scan."""
    return list(db.session.scalars(_county_township_ids(county_id)))


def _county_of_township(township_id: int | None) -> int | None:
    return db.session.scalar(select(Township.county_id).where(Township.id == township_id))


def member_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting Member rows to the principal's scope."""
    role = principal.staff_role
    if role == "county_admin":
        return Member.township_id.in_(county_townships(principal.scope_id))
    if role == "township_admin":
        return Member.township_id == principal.scope_id
    if role == "branch_secretary":
        return Member.mobile_branch_id == principal.scope_id
    return false()


def township_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting Township rows to the principal's scope."""
    return township_filter_of(principal.staff_role, principal.scope_id)


def township_filter_of(role: str | None, scope_id) -> ColumnElement[bool]:
    """`township_filter` for a staff role and its scope id (a value, or a bind parameter for a statement built
    once for every principal of the role)."""
    if role == "county_admin":
        return Township.county_id == scope_id
    if role == "township_admin":
        return Township.id == scope_id
    if role == "branch_secretary":
        return Township.id == select(Branch.township_id).where(Branch.id == scope_id).scalar_subquery()
    return false()


def branch_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting Branch rows to the principal's scope."""
    role = principal.staff_role
    if role == "county_admin":
        return Branch.township_id.in_(county_townships(principal.scope_id))
    if role == "township_admin":
        return Branch.township_id == principal.scope_id
    if role == "branch_secretary":
        return Branch.id == principal.scope_id
    return false()


def can_see_member(principal: Principal, member: Member) -> bool:
    role = principal.staff_role
    return (
        (role == "county_admin" and _county_of_township(member.township_id) == principal.scope_id)
        or (role == "township_admin" and member.township_id == principal.scope_id)
        or (role == "branch_secretary" and member.mobile_branch_id == principal.scope_id)
    )


def can_see_branch(principal: Principal, branch: Branch) -> bool:
    role = principal.staff_role
    return (
        (role == "county_admin" and _county_of_township(branch.township_id) == principal.scope_id)
        or (role == "township_admin" and branch.township_id == principal.scope_id)
        or (role == "branch_secretary" and branch.id == principal.scope_id)
    )


def require_member(principal: Principal, member: Member | None) -> Member:
    """The member if in scope; otherwise 404 so existence is not revealed."""
    if member is None or not can_see_member(principal, member):
        raise NotFound("找不到该党员")
    return member


def require_branch(principal: Principal, branch: Branch | None) -> Branch:
    """The branch if in scope; otherwise 404."""
    if branch is None or not can_see_branch(principal, branch):
        raise NotFound("找不到该支部")
    return branch
