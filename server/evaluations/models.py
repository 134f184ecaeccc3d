"""The yearly democratic evaluation of a member (民主评议党员): one per member and year."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db

GRADES = ("优秀", "合格", "基本合格", "不合格")


class Evaluation(db.Model):
    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("member_id", "year", name="uq_evaluations_member_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
