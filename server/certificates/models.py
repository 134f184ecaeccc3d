"""The activity-certificate register (流动党员活动证): numbered certificates, their validity periods and 年审."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.extensions import db

REVIEW_RESULTS = ("通过", "不通过")
SOURCES = ("roster", "secretary")


class Certificate(db.Model):
    """One member's certificate: its number is unique in the county; `valid_from`/`valid_until` are the
    current period (the last row of `periods`), kept here so due and expiry lists are one indexed query."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("county_id", "number", name="uq_certificates_county_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[int] = mapped_column(Integer, default=1)  # 1 + renewals so far
    source: Mapped[str] = mapped_column(String(16))  # roster | secretary
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    periods: Mapped[list["CertificatePeriod"]] = relationship(order_by="CertificatePeriod.period")
    reviews: Mapped[list["CertificateReview"]] = relationship(order_by="CertificateReview.id")


class CertificatePeriod(db.Model):
    """Every validity period of a certificate, the first and each renewal (append-only history)."""

    __tablename__ = "certificate_periods"
    __table_args__ = (UniqueConstraint("certificate_id", "period", name="uq_certificate_periods_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    period: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(255))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CertificateReview(db.Model):
    """One annual review (年审) of a certificate's period: when, by whom, 通过 or 不通过, and a note."""

    __tablename__ = "certificate_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    reviewed_on: Mapped[date] = mapped_column(Date)
    reviewer: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(255))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
