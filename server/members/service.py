"""Member services: status changes and the member snapshot sent to townships."""
from __future__ import annotations

from server.audit import service as audit
from server.common.timeutil import utcnow
from server.errors import NotFound, Unprocessable
from server.extensions import db
from server.members.models import STATUSES, Member, MemberStatusChange
from server.sync.outbox import record_change


def snapshot(member: Member) -> dict:
    """The member as townships receive it in `member.upserted` (masked personal data)."""
    return {
        "name": member.name,
        "id_number_masked": member.id_number_masked,
        "phone_masked": member.phone_masked,
        "township": {"id": member.township.id, "name": member.township.name},
        "village_branch": {"id": member.village_branch.id, "name": member.village_branch.name},
        "mobile_branch": {"id": member.mobile_branch.id, "name": member.mobile_branch.name},
        "status": member.status,
        "certificate_no": member.certificate_no,
        "destination": member.destination,
        "employer": member.employer,
        "left_on": member.left_on.isoformat() if member.left_on else None,
        "paid_through": member.paid_through,
    }


def apply_status(member: Member, to_status: str, reason: str, actor: str) -> MemberStatusChange:
    """Change a member's status inside the caller's transaction: history, audit and outbox (no commit)."""
    if to_status not in STATUSES:
        raise Unprocessable("状态取值不正确", errors={"status": ["取值不在允许范围内"]})
    if not reason or not reason.strip():
        raise Unprocessable("请填写状态变更的原因", errors={"reason": ["此项必填"]})
    change = MemberStatusChange(member_id=member.id, from_status=member.status, to_status=to_status,
                                reason=reason.strip(), actor=actor, at=utcnow())
    db.session.add(change)
    from_status, member.status = member.status, to_status
    audit.record("member.status_changed", "member", member.id, {"from": from_status, "to": to_status, "reason": reason})
    record_change("member.status_changed", member, {"from": from_status, "to": to_status, "reason": change.reason, "by": actor})
    return change


def change_status(member_id: int, to_status: str, reason: str, actor: str) -> MemberStatusChange:
    """Change a member's status as one unit of work (never called automatically by a job)."""
    member = db.session.get(Member, member_id, with_for_update=True)
    if member is None:
        raise NotFound("找不到该党员")
    change = apply_status(member, to_status, reason, actor)
    db.session.commit()
    return change
