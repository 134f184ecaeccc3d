"""What every feature does to a member: the snapshot townships receive, and recorded status changes.

A member change reaches the townships as one kernel call (`record_member_upserted`,
`apply_status`), always inside the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime

from server.common.timeutil import utcnow
from server.core import audit
from server.core.members import STATUSES, Member, MemberStatusChange
from server.core.outbox import OutboxChange, record_change
from server.errors import Unprocessable
from server.extensions import db


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


def apply_status(member: Member, to_status: str, reason: str, actor: str,
                 extra: dict | None = None) -> MemberStatusChange:
    """Change a member's status inside the caller's transaction: history, audit and outbox (no commit).

    `extra` adds fields to the feed payload and the audit detail (a transfer's letter, docs/changes.md).
    """
    if to_status not in STATUSES:
        raise Unprocessable("状态取值不正确", errors={"status": ["取值不在允许范围内"]})
    if not reason or not reason.strip():
        raise Unprocessable("请填写状态变更的原因", errors={"reason": ["此项必填"]})
    change = MemberStatusChange(member_id=member.id, from_status=member.status, to_status=to_status,
                                reason=reason.strip(), actor=actor, at=utcnow())
    db.session.add(change)
    from_status, member.status = member.status, to_status
    audit.record("member.status_changed", "member", member.id,
                 {"from": from_status, "to": to_status, "reason": reason, **(extra or {})})
    record_change("member.status_changed", member,
                  {"from": from_status, "to": to_status, "reason": change.reason, "by": actor, **(extra or {})})
    return change


def record_member_upserted(member: Member, at: datetime | None = None, flush: bool = True,
                           township_id: int | None = None) -> OutboxChange:
    """Tell the member's township (or `township_id`, the one they left) the member as it stands now."""
    return record_change("member.upserted", member, snapshot(member), at=at, flush=flush, township_id=township_id)
