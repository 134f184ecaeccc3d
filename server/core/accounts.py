"""Who can sign in: WeChat accounts (members) and staff users, and how an actor is named."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.core.tokens import Principal
from server.extensions import db

STAFF_ROLES = ("county_admin", "township_admin", "branch_secretary")


class WechatAccount(db.Model):
    """A mini-program user (openid), bound to at most one roster member."""

    __tablename__ = "wechat_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship()


class StaffUser(db.Model):
    """A county admin, township admin or mobile-branch secretary."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    # township id for a township admin, mobile-branch id for a secretary, None for the county.
    scope_id: Mapped[int | None] = mapped_column()
    display_name: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def actor_name(principal: Principal) -> str:
    """How a caller is named in history, ledger and outbox rows: a staff user's username."""
    if principal.is_staff:
        user = db.session.get(StaffUser, principal.subject_id)
        if user is not None:
            return user.username
    return f"{principal.kind}:{principal.subject_id}"
