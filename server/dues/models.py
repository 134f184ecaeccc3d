"""Dues: standards (versioned per member and year), orders, payments recorded outside WeChat, month claims, the
ledger, notices, campaigns and the forwarding of large special dues."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.extensions import db

CATEGORIES = ("salaried", "retired", "farmer", "student", "unemployed", "hardship")
ORDER_STATUSES = ("pending", "paid", "closed", "refunded")
ORDER_KINDS = ("monthly", "special")
PAYMENT_METHODS = ("cash", "bank_transfer", "other")


class DuesStandard(db.Model):
    """One version of a member's monthly dues for a year. A new setting is a new version, never an edit.

    A version counts once it is approved (`approved_at` set): every category except hardship is approved
    when set; hardship waits for the township (the level above the branch).
    """

    __tablename__ = "dues_standards"
    __table_args__ = (
        UniqueConstraint("member_id", "year", "version", name="uq_dues_standards_member_year_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16))
    income_base_fen: Mapped[int | None] = mapped_column(Integer)
    rate: Mapped[object | None] = mapped_column(Numeric(6, 4))
    monthly_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(255))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class DuesCampaign(db.Model):
    """A special-dues (特殊党费) campaign opened by the county."""

    __tablename__ = "dues_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DuesOrder(db.Model):
    """A WeChat Pay order: monthly dues for some months, or a special-dues gift to a campaign."""

    __tablename__ = "dues_orders"
    __table_args__ = (
        Index("ix_dues_orders_status_created", "status", "created_at"),
        Index("ix_dues_orders_member_created", "member_id", "created_at"),
        Index("ix_dues_orders_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("dues_campaigns.id"))
    # [{month, amount_fen, standard_id}] for monthly dues; [] for special dues.
    months: Mapped[list] = mapped_column(JSON, default=list)
    amount_fen: Mapped[int] = mapped_column(Integer)
    forward_upward: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    openid: Mapped[str] = mapped_column(String(64))
    prepay_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_reason: Mapped[str | None] = mapped_column(String(255))
    refunded_by: Mapped[str | None] = mapped_column(String(64))

    @property
    def month_list(self) -> list[str]:
        return [m["month"] for m in self.months or []]


class DuesPayment(db.Model):
    """A payment the branch recorded outside WeChat (cash, bank transfer, other), or the reversing entry of one.

    Nothing is edited: a wrong entry gets a second row (`entry_type` "reversal", `reverses_id` = the payment,
    negative `amount_fen`) and the payment's `reversed_at` is set once by a guarded UPDATE.
    """

    __tablename__ = "dues_payments"
    __table_args__ = (
        Index("ix_dues_payments_member_paid_on", "member_id", "paid_on"),
        Index("ix_dues_payments_branch_paid_on", "branch_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_type: Mapped[str] = mapped_column(String(16), default="payment")  # payment | reversal
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(16))  # monthly | special
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("dues_campaigns.id"))
    # [{month, amount_fen, standard_id}] for monthly dues; [] for special dues.
    months: Mapped[list] = mapped_column(JSON, default=list)
    amount_fen: Mapped[int] = mapped_column(Integer)  # negative for a reversal
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(255))
    receipt_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    forward_upward: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payments.id"), unique=True)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def month_list(self) -> list[str]:
        return [m["month"] for m in self.months or []]


class DuesForwarding(db.Model):
    """A large special-dues payment (over 1000 yuan) marked as forwarded upward; `ref` is its payment reference."""

    __tablename__ = "dues_forwardings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    forwarded_by: Mapped[str] = mapped_column(String(64))
    forwarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(255))


class DuesMonthClaim(db.Model):
    """A month held by a pending or paid order, or by an offline payment. The unique key makes two payments for
    one month impossible, whichever way they come."""

    __tablename__ = "dues_month_claims"
    __table_args__ = (UniqueConstraint("member_id", "month", name="uq_dues_month_claims_member_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    month: Mapped[str] = mapped_column(String(7))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("dues_orders.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payments.id"), index=True)


class DuesLedgerEntry(db.Model):
    """The append-only dues ledger: a payment credits, a refund or reversal adds a reversing entry (never an edit).
    An entry belongs to a WeChat order (`order_id`) or to a payment recorded outside WeChat (`payment_id`)."""

    __tablename__ = "dues_ledger"
    __table_args__ = (
        UniqueConstraint("order_id", "month", "entry_type", name="uq_dues_ledger_order_month_type"),
        UniqueConstraint("payment_id", "month", "entry_type", name="uq_dues_ledger_payment_month_type"),
        Index("ix_dues_ledger_member_month", "member_id", "month"),
        Index("ix_dues_ledger_branch_month", "branch_id", "month"),
        Index("ix_dues_ledger_township_month", "township_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("dues_orders.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payments.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # The dues month for monthly dues; "" for special dues (so the unique key works on every database).
    month: Mapped[str] = mapped_column(String(7), default="")
    entry_type: Mapped[str] = mapped_column(String(16))  # payment | reversal
    amount_fen: Mapped[int] = mapped_column(Integer)  # negative for a reversal
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("dues_standards.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("dues_ledger.id"))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PayNotice(db.Model):
    """The raw text of every verified WeChat Pay notice, kept as evidence."""

    __tablename__ = "dues_pay_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(32), index=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)



REMINDER_KINDS = ("dues_due", "arrears_3", "arrears_6", "report_in")


class DuesReminder(db.Model):
    """A dues or report-in reminder sent (or tried) to one member: at most one per member, kind and period.

    `period` is what the reminder is about (the month falling due, the month the arrears reached 3 or 6 months,
    the month to report in); `month` is the month it went out, by which the secretary lists them.
    """

    __tablename__ = "dues_reminders"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period", name="uq_dues_reminders_member_kind_period"),
        Index("ix_dues_reminders_branch_month", "branch_id", "month"),
        Index("ix_dues_reminders_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    month: Mapped[str] = mapped_column(String(7))
    template_id: Mapped[str] = mapped_column(String(64))
    # sending (claimed, call in flight or interrupted), sent, failed
    status: Mapped[str] = mapped_column(String(16), default="sending")
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
