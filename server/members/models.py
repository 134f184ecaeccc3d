"""The members feature's own records: report-ins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db


class Report(db.Model):
    """A member's monthly report-in (where they live and work): one per member and month, updated in place."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("member_id", "month", name="uq_reports_member_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    month: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255))
    employer: Mapped[str] = mapped_column(String(128))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a later report-in of the same month rewrote this one.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
