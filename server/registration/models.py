"""Registration requests of members not (or not correctly) on the roster (CONTRACT §10)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.crypto import Encrypted, mask_id_number, mask_phone
from server.common.timeutil import UTCDateTime, utcnow
from server.core.orgs import Branch, Township
from server.extensions import db

REGISTRATION_STATUSES = ("pending", "approved", "denied")


class Registration(db.Model):
    """One request: the roster's fields as the member typed them, then the staff decision.

    At most one pending request per WeChat account: a partial unique index, so two requests sent at once
    cannot both be stored (the loser answers 409 `registration_pending`).
    """

    __tablename__ = "registrations"
    __table_args__ = (
        Index("uq_registrations_pending_account", "wechat_account_id", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
        Index("ix_registrations_branch_status", "mobile_branch_id", "status"),
        Index("ix_registrations_township_status", "township_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wechat_account_id: Mapped[int] = mapped_column(ForeignKey("wechat_accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(Encrypted)
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(Encrypted)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    mobile_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    home_branch: Mapped[str] = mapped_column(String(128))
    left_on: Mapped[date] = mapped_column(Date)
    destination: Mapped[str] = mapped_column(String(64))
    employer: Mapped[str] = mapped_column(String(128))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(255))
    # The roster member created or linked by the approval.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The registrant accepted one subscribe message for the outcome (consumed when it is sent).
    notify_grant: Mapped[bool] = mapped_column(Boolean, default=False)

    township: Mapped[Township] = relationship(foreign_keys=[township_id])
    mobile_branch: Mapped[Branch] = relationship(foreign_keys=[mobile_branch_id])

    @property
    def id_number_masked(self) -> str | None:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str | None:
        return mask_phone(self.phone)
