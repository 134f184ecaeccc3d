"""The member's own dues page: the standard, paid_through, owed months and the latest orders."""
from __future__ import annotations

from sqlalchemy import func, select

from server.common.timeutil import month_add
from server.core.members import Member
from server.dues.models import DuesStandard
from server.dues.orders import recent_orders
from server.dues.service import WINDOW_MONTHS, position
from server.errors import Forbidden
from server.extensions import db


def my_dues(member_id: int) -> dict:
    """GET /me/dues: the current standard, paid_through, owed months and the latest orders."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise Forbidden("请先完成党员身份绑定", code="not_bound")
    pos = position(member)
    current = pos.standard(pos.today)
    return {
        "monthly_fen": current.monthly_fen if current else None,
        "category": current.category if current else None,
        "standard_pending": bool(db.session.scalar(select(func.count()).select_from(DuesStandard).where(
            DuesStandard.member_id == member.id, DuesStandard.approved_at.is_(None)))),
        "paid_through": member.paid_through,
        "owed": [{"month": m, "amount_fen": s.monthly_fen} for m, s in pos.owed()],
        "payable_from": month_add(pos.today, -WINDOW_MONTHS),
        "payable_to": month_add(pos.today, WINDOW_MONTHS),
        "orders": recent_orders(member.id, limit=10),
    }
