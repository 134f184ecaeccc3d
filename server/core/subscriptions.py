"""One-time subscribe-message grants (wx.requestSubscribeMessage): counted by member and template, each allowing
exactly one message. In the kernel because several features send messages: meeting reminders (checkins) and new
notices (notices) each claim a grant of their own template.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db
from server.wechat import gateway

# The templates whose grants the mini-program reports (POST /me/subscriptions): meeting reminders, new notices,
# dues and report-in reminders. The registration result is granted with the request itself (`notify_grant`).
GRANTED_TEMPLATE_SETTINGS = ("WECHAT_REMINDER_TEMPLATE_ID", "WECHAT_NOTICE_TEMPLATE_ID",
                             "WECHAT_DUES_REMINDER_TEMPLATE_ID", "WECHAT_REPORT_REMINDER_TEMPLATE_ID")


def granted_templates() -> set[str]:
    """The template ids this deployment sends and counts grants of (from its configuration)."""
    return {current_app.config[name] for name in GRANTED_TEMPLATE_SETTINGS}


class SubscriptionGrant(db.Model):
    """One-time subscribe-message grants a member gave (each acceptance allows exactly one message)."""

    __tablename__ = "subscription_grants"
    __table_args__ = (UniqueConstraint("member_id", "template_id", name="uq_subscription_grants_member_template"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def granted_members(template_id: str):
    """The ids of members holding at least one grant of the template, as a subquery."""
    return select(SubscriptionGrant.member_id).where(SubscriptionGrant.template_id == template_id,
                                                      SubscriptionGrant.remaining > 0)


def claim_grant(member_id: int, template_id: str) -> bool:
    """Use one of the member's grants of the template in the caller's transaction (no commit); False if none left."""
    return db.session.execute(
        update(SubscriptionGrant)
        .where(SubscriptionGrant.member_id == member_id, SubscriptionGrant.template_id == template_id,
               SubscriptionGrant.remaining > 0)
        .values(remaining=SubscriptionGrant.remaining - 1).execution_options(synchronize_session=False)
    ).rowcount == 1


def deliver(record, openid: str, data: dict, page: str) -> None:
    """Send the subscribe message of a claimed record once and note how it went on it (`status`, `sent_at`,
    `errcode`, `errmsg`; no commit): a refusal keeps WeChat's errcode, nothing is retried."""
    try:
        gateway.send_subscribe_message(openid, record.template_id, data, page=page)
        record.status, record.sent_at = "sent", utcnow()
    except gateway.WechatRejected as err:
        record.status, record.errcode, record.errmsg = "failed", err.code, err.message[:255]
    except gateway.WechatUnavailable as err:
        record.status, record.errmsg = "failed", f"network: {err}"[:255]
