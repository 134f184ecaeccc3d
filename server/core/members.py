"""Mobile party members and their status history: the roster every feature reads."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.crypto import Encrypted, mask_id_number, mask_phone
from server.common.timeutil import UTCDateTime, utcnow
from server.core.orgs import Branch, Township
from server.errors import Conflict
from server.extensions import db

STATUSES = ("active", "returned", "transferred", "lost_contact", "suspended")
# A member who has left the mobile branch (relationship moved, or back home): reads of their own history stay,
# new dues orders, report-ins and check-ins are refused (issue 11).
LEFT_STATUSES = ("transferred", "returned")
_LEFT_LABELS = {"transferred": "组织关系转出", "returned": "返乡"}


def refuse_if_left(status: str, doing: str) -> None:
    """409 `member_left` for a member who has been transferred out or returned home; `doing` names the act."""
    if status in LEFT_STATUSES:
        raise Conflict(f"您已办理{_LEFT_LABELS[status]}，不能再{doing}；以往的记录仍可查看", code="member_left")


class Member(db.Model):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_township_status", "township_id", "status"),
        Index("ix_members_mobile_branch_status", "mobile_branch_id", "status"),
        Index("ix_members_township_paid_through", "township_id", "paid_through"),
        # The dashboard's member figures (status counts, paid up, arrears) by township and branch, read
        # with an index-only scan (server/dashboard/service.py `_member_figures`).
        Index("ix_members_figures", "township_id", "mobile_branch_id", "status", "paid_through", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(Encrypted)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(Encrypted)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    mobile_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    left_on: Mapped[date | None] = mapped_column(Date)
    destination: Mapped[str | None] = mapped_column(String(64))
    employer: Mapped[str | None] = mapped_column(String(128))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    is_committee: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Last month of ordinary dues paid, YYYY-MM; None until the first payment.
    paid_through: Mapped[str | None] = mapped_column(String(7))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    township: Mapped[Township] = relationship(foreign_keys=[township_id])
    village_branch: Mapped[Branch] = relationship(foreign_keys=[village_branch_id])
    mobile_branch: Mapped[Branch] = relationship(foreign_keys=[mobile_branch_id])

    @property
    def id_number_masked(self) -> str | None:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str | None:
        return mask_phone(self.phone)


class MemberStatusChange(db.Model):
    """Every status change, with who made it and why (append-only)."""

    __tablename__ = "member_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
