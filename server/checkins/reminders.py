"""Subscribe-message grants and meeting reminders (sent once per member and event)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server.checkins.attendance import live_expected
from server.checkins.models import Event, Reminder
from server.common.timeutil import local, utcnow
from server.core.accounts import WechatAccount
from server.core.subscriptions import SubscriptionGrant, claim_grant, granted_templates
from server.core.tokens import Principal
from server.errors import Unprocessable
from server.extensions import db
from server.wechat import gateway

REMINDER_PAGE = "pages/events/events"  # the mini-program's meetings tab


def add_subscription_grant(principal: Principal, member_id: int, template_id: str) -> dict:
    """Count one accepted one-time subscription (wx.requestSubscribeMessage 'accept') for the member; a template
    the service never sends is refused (a grant of it could never be used, and the table would fill with junk)."""
    if template_id not in granted_templates():
        raise Unprocessable("本服务不使用这个订阅消息模板", errors={"template_id": ["不是本服务发送的订阅消息模板"]})
    ceiling = current_app.config["SUBSCRIPTION_MAX_GRANTS"]
    bump = (update(SubscriptionGrant)
            .where(SubscriptionGrant.member_id == member_id, SubscriptionGrant.template_id == template_id,
                   SubscriptionGrant.remaining < ceiling)
            .values(remaining=SubscriptionGrant.remaining + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False))
    counted = db.session.execute(bump).rowcount == 1
    if not counted:
        exists = db.session.execute(select(SubscriptionGrant.id).where(
            SubscriptionGrant.member_id == member_id, SubscriptionGrant.template_id == template_id)).first()
        if exists is None:
            db.session.add(SubscriptionGrant(member_id=member_id, template_id=template_id, remaining=1))
            try:
                db.session.flush()
                counted = True
            except IntegrityError:
                db.session.rollback()
                counted = db.session.execute(bump).rowcount == 1
    db.session.commit()
    remaining = db.session.execute(select(SubscriptionGrant.remaining).where(
        SubscriptionGrant.member_id == member_id, SubscriptionGrant.template_id == template_id)).scalar_one()
    account = db.session.get(WechatAccount, principal.subject_id)
    if counted and account is not None:
        gateway.note_subscription_grant(account.openid, template_id)
    return {"template_id": template_id, "remaining": remaining}


def due_reminders(now: datetime | None = None) -> list[tuple[int, int, str]]:
    """(event id, member id, openid) of reminders due: meetings starting within the lead time, members
    expected with a grant left and a WeChat account, not reminded before."""
    now = now or utcnow()
    template = current_app.config["WECHAT_REMINDER_TEMPLATE_ID"]
    events = db.session.execute(select(Event).where(
        Event.status == "scheduled", Event.starts_at > now,
        Event.starts_at <= now + timedelta(hours=current_app.config["REMINDER_LEAD_HOURS"]),
    ).order_by(Event.starts_at)).scalars().all()
    due = []
    for event in events:
        rows = db.session.execute(
            select(WechatAccount.member_id, WechatAccount.openid)
            .join(SubscriptionGrant, SubscriptionGrant.member_id == WechatAccount.member_id)
            .where(WechatAccount.member_id.in_(live_expected(event)),
                   SubscriptionGrant.template_id == template, SubscriptionGrant.remaining > 0,
                   ~WechatAccount.member_id.in_(select(Reminder.member_id).where(Reminder.event_id == event.id)))
        ).all()
        due.extend((event.id, member_id, openid) for member_id, openid in rows)
    return due


def _reminder_data(event: Event) -> dict:
    starts = local(event.starts_at)
    return {
        "thing1": {"value": event.title[:20]},
        "time2": {"value": starts.strftime("%Y年%m月%d日 %H:%M")},
        "thing3": {"value": (event.place_name or "见活动详情")[:20]},
        "thing4": {"value": "请准时参加，到场后扫码签到"},
    }


def claim_reminder(event_id: int, member_id: int) -> Reminder | None:
    """Take one of the member's grants and record the reminder as `sending` (committed before anything is sent,
    so a crash mid-send never sends twice); None when no grant is left or another worker claimed it."""
    template = current_app.config["WECHAT_REMINDER_TEMPLATE_ID"]
    if not claim_grant(member_id, template):
        db.session.rollback()
        return None
    reminder = Reminder(event_id=event_id, member_id=member_id, template_id=template, status="sending",
                        created_at=utcnow())
    db.session.add(reminder)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another worker claimed it; our grant decrement is rolled back too
        return None
    db.session.commit()
    return reminder


def send_claimed_reminder(reminder: Reminder, openid: str) -> Reminder:
    """Send a claimed reminder once and record how it went (failures keep WeChat's errcode, never retried)."""
    event = db.session.get(Event, reminder.event_id)
    try:
        gateway.send_subscribe_message(openid, reminder.template_id, _reminder_data(event),
                                       page=f"{REMINDER_PAGE}?id={event.id}")
        reminder.status, reminder.sent_at = "sent", utcnow()
    except gateway.WechatRejected as err:
        reminder.status, reminder.errcode, reminder.errmsg = "failed", err.code, err.message[:255]
    except gateway.WechatUnavailable as err:
        reminder.status, reminder.errmsg = "failed", f"network: {err}"[:255]
    db.session.commit()
    return reminder


def send_due_reminders(now: datetime | None = None) -> dict:
    """Send every due reminder once; failures are recorded with WeChat's errcode and not retried."""
    counts = {"sent": 0, "failed": 0}
    for event_id, member_id, openid in due_reminders(now):
        reminder = claim_reminder(event_id, member_id)
        if reminder is not None:
            reminder = send_claimed_reminder(reminder, openid)
            counts[reminder.status] = counts.get(reminder.status, 0) + 1
    return counts
