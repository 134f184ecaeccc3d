"""Subscribe messages about a new notice, one per grant a member gave (grants are counted in server/core/subscriptions.py).

Each message first claims a grant and a NoticeMessage row (unique per notice and member) and commits, then
calls WeChat: a crash between the two loses at most one message, never sends one twice. A failure is recorded
with WeChat's errcode and not retried. Runs on the worker (queued by `publish` after its commit).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.common.timeutil import local, utcnow
from server.core.accounts import WechatAccount
from server.core.members import Member
from server.core.subscriptions import claim_grant, granted_members
from server.extensions import db
from server.notices.audience import audience_members, audience_ref
from server.notices.models import Notice, NoticeMessage
from server.wechat import gateway

NOTICE_PAGE = "pages/notice/notice"


def send_notice_messages(notice_id: int) -> dict:
    """Send the notice's subscribe message to every active audience member holding a grant, once each."""
    notice = db.session.get(Notice, notice_id)
    counts = {"sent": 0, "failed": 0}
    if notice is None:
        return counts
    template = current_app.config["WECHAT_NOTICE_TEMPLATE_ID"]
    due = db.session.execute(
        select(WechatAccount.member_id, WechatAccount.openid)
        .join(Member, Member.id == WechatAccount.member_id)
        .where(audience_members(notice), Member.status == "active", Member.id.in_(granted_members(template)),
               ~Member.id.in_(select(NoticeMessage.member_id).where(NoticeMessage.notice_id == notice.id)))
        .order_by(Member.id)).all()
    data = _message_data(notice)
    for member_id, openid in due:
        message = _send_one(notice, member_id, openid, template, data)
        if message is not None:
            counts[message.status] += 1
    return counts


def _message_data(notice: Notice) -> dict:
    return {
        "thing1": {"value": notice.title[:20]},
        "thing2": {"value": audience_ref(notice)["name"][:20]},
        "time3": {"value": local(notice.created_at).strftime("%Y年%m月%d日 %H:%M")},
    }


def _send_one(notice: Notice, member_id: int, openid: str, template: str, data: dict) -> NoticeMessage | None:
    if not claim_grant(member_id, template):
        db.session.rollback()
        return None
    message = NoticeMessage(notice_id=notice.id, member_id=member_id, template_id=template, status="sending",
                            created_at=utcnow())
    db.session.add(message)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another worker claimed it; our grant is given back by the rollback
        return None
    db.session.commit()
    try:
        gateway.send_subscribe_message(openid, template, data, page=f"{NOTICE_PAGE}?id={notice.id}")
        message.status, message.sent_at = "sent", utcnow()
    except gateway.WechatRejected as err:
        message.status, message.errcode, message.errmsg = "failed", err.code, err.message[:255]
    except gateway.WechatUnavailable as err:
        message.status, message.errmsg = "failed", f"network: {err}"[:255]
    db.session.commit()
    return message
