"""Transfers out and returns home (CONTRACT §13): each one a numbered letter and a recorded status change."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.extensions import db

TRANSFER_KINDS = ("transfer_out", "return_home")
# The status each kind moves the member to.
TO_STATUS = {"transfer_out": "transferred", "return_home": "returned"}


class Transfer(db.Model):
    """One transfer or return. Never edited: a mistake is cancelled by a reversing status change.

    `number` counts letters per county, kind and year; `letter_no` is unique in the county.
    """

    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("county_id", "kind", "year", "number", name="uq_transfers_county_kind_year_number"),
        UniqueConstraint("county_id", "letter_no", name="uq_transfers_county_letter_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="recorded")  # recorded | cancelled
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    letter_no: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(255))
    effective_on: Mapped[date] = mapped_column(Date)
    destination: Mapped[str | None] = mapped_column(String(128))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    # What the letter states, as it stood when the transfer was recorded.
    paid_through: Mapped[str | None] = mapped_column(String(7))
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    mobile_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(255))

    member: Mapped[Member] = relationship()
