"""Dues and report-in reminders as WeChat subscribe messages, sent by the worker (server/dues/tasks.py).

Decisions:
- Four kinds, most urgent first: `arrears_6` (six unpaid months), `arrears_3` (three), `dues_due` (this month's
  dues unpaid on days 1..DUES_REMINDER_DUE_DAYS, Beijing time) and `report_in` (no report-in this month from
  day REPORT_REMINDER_FROM_DAY on). The arrears count is the member's owed months (months with a standard,
  not paid, not exempt); `period` is the month the count reached 3 or 6, so each is sent once per run of
  arrears — after the member pays and falls behind again it can come again.
- A member gets at most one dues reminder a month (the most urgent kind due), and after any dues or report-in
  reminder nothing else for REMINDER_QUIET_HOURS; messages go out only between REMINDER_SEND_HOURS.
  A refused message (WeChat's errcode kept) does not start the quiet period: the member never saw it.
- Only members who granted the template (counted in server/core/subscriptions.py) are reminded; each message
  uses one grant. As with meeting reminders the grant and a `sending` row are committed before WeChat is
  called: a crash mid-send loses at most one message, never sends one twice; failures are not retried. The
  member's row is locked while the quiet period is checked, so two workers cannot both remind one member.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from server.common.pagination import paginate
from server.common.timeutil import local, month_bounds, month_of, utcnow
from server.core import audit
from server.core.accounts import WechatAccount
from server.core.members import Member
from server.core.orgs import Branch
from server.core.scope import require_branch
from server.core.subscriptions import claim_grant, deliver, granted_members
from server.core.tokens import Principal
from server.dues.models import DuesReminder
from server.dues.offline import yuan_text
from server.dues.service import Position, approved_by_year, credited_months, start_month
from server.extensions import db
from server.members.service import members_reported_in

KIND_LABELS = {"arrears_6": "欠缴满6个月", "arrears_3": "欠缴满3个月", "dues_due": "本月党费到期",
               "report_in": "本月报到"}
DUES_KINDS = ("arrears_6", "arrears_3", "dues_due")
STATUS_LABELS = {"sending": "发送中", "sent": "已发送", "failed": "未送达"}
PAGES = {"dues": "pages/dues/dues", "report": "pages/report/report"}
BATCH = 500  # members whose dues position is read in one go


@dataclass(frozen=True)
class DueReminder:
    """One reminder a run would send."""

    member_id: int
    branch_id: int
    openid: str
    kind: str
    period: str
    owed_months: int = 0
    owed_fen: int = 0


def _template(kind: str) -> str:
    name = "WECHAT_REPORT_REMINDER_TEMPLATE_ID" if kind == "report_in" else "WECHAT_DUES_REMINDER_TEMPLATE_ID"
    return current_app.config[name]


def _granted(template: str) -> list[tuple[int, int, str]]:
    """(member id, branch id, openid) of active members with a WeChat account and a grant of the template."""
    return db.session.execute(
        select(Member.id, Member.mobile_branch_id, WechatAccount.openid)
        .join(WechatAccount, WechatAccount.member_id == Member.id)
        .where(Member.status == "active", Member.id.in_(granted_members(template)))
        .order_by(Member.id)).all()


def _history(member_ids: list[int], now: datetime) -> dict[int, dict]:
    """Per member: the (kind, period) pairs recorded, whether a dues reminder went out this month, and whether
    the member is inside the quiet period."""
    month = month_of(now)
    quiet_from = now - timedelta(hours=current_app.config["REMINDER_QUIET_HOURS"])
    result = {m: {"recorded": set(), "dues_this_month": False, "quiet": False} for m in member_ids}
    rows = db.session.execute(select(DuesReminder.member_id, DuesReminder.kind, DuesReminder.period,
                                     DuesReminder.month, DuesReminder.status, DuesReminder.created_at)
                              .where(DuesReminder.member_id.in_(member_ids)))
    for member_id, kind, period, sent_month, status, created_at in rows:
        seen = result[member_id]
        seen["recorded"].add((kind, period))
        seen["dues_this_month"] |= kind in DUES_KINDS and sent_month == month
        seen["quiet"] |= status != "failed" and created_at > quiet_from
    return result


def _dues_kind(pos: Position, seen: dict, day: int) -> tuple[str, str, list] | None:
    """The most urgent dues reminder the member's position calls for and has not had: (kind, period, owed)."""
    if seen["dues_this_month"]:
        return None
    owed = pos.owed()
    for kind, count in (("arrears_6", 6), ("arrears_3", 3)):
        if len(owed) >= count:
            period = owed[count - 1][0]
            if (kind, period) not in seen["recorded"]:
                return kind, period, owed
            break
    due_now = day <= current_app.config["DUES_REMINDER_DUE_DAYS"] and any(m == pos.today for m, _ in owed)
    if due_now and ("dues_due", pos.today) not in seen["recorded"]:
        return "dues_due", pos.today, owed
    return None


def _positions(member_ids: list[int], today: str) -> dict[int, Position]:
    members = db.session.scalars(select(Member).where(Member.id.in_(member_ids))).all()
    by_year, credited = approved_by_year(member_ids), credited_months(member_ids)
    return {m.id: Position(member=m, by_year=by_year[m.id], credited=credited[m.id],
                           start=start_month(m, by_year[m.id]), today=today) for m in members}


def due_reminders(now: datetime | None = None) -> list[DueReminder]:
    """Every reminder a run at `now` sends: at most one per member, the most urgent kind, outside quiet periods."""
    now = now or utcnow()
    here = local(now)
    first_hour, end_hour = current_app.config["REMINDER_SEND_HOURS"]
    if not first_hour <= here.hour < end_hour:
        return []
    today = month_of(now)
    dues_granted = _granted(_template("dues_due"))
    report_granted = []
    if here.day >= current_app.config["REPORT_REMINDER_FROM_DAY"]:
        reported = set(db.session.scalars(members_reported_in(today)))
        report_granted = [row for row in _granted(_template("report_in")) if row[0] not in reported]
    due: dict[int, DueReminder] = {}
    for start in range(0, len(dues_granted), BATCH):
        batch = dues_granted[start:start + BATCH]
        ids = [member_id for member_id, _, _ in batch]
        history, positions = _history(ids, now), _positions(ids, today)
        for member_id, branch_id, openid in batch:
            found = None if history[member_id]["quiet"] else _dues_kind(positions[member_id], history[member_id],
                                                                         here.day)
            if found:
                kind, period, owed = found
                due[member_id] = DueReminder(member_id, branch_id, openid, kind, period, len(owed),
                                             sum(s.monthly_fen for _, s in owed))
    pending = [row for row in report_granted if row[0] not in due]
    for start in range(0, len(pending), BATCH):
        batch = pending[start:start + BATCH]
        history = _history([member_id for member_id, _, _ in batch], now)
        for member_id, branch_id, openid in batch:
            seen = history[member_id]
            if not seen["quiet"] and ("report_in", today) not in seen["recorded"]:
                due[member_id] = DueReminder(member_id, branch_id, openid, "report_in", today)
    return sorted(due.values(), key=lambda d: d.member_id)


def _in_quiet_period(member_id: int, now: datetime) -> bool:
    quiet_from = now - timedelta(hours=current_app.config["REMINDER_QUIET_HOURS"])
    return db.session.execute(select(DuesReminder.id).where(
        DuesReminder.member_id == member_id, DuesReminder.status != "failed",
        DuesReminder.created_at > quiet_from).limit(1)).first() is not None


def claim_reminder(due: DueReminder, now: datetime) -> DuesReminder | None:
    """Take one grant and record the reminder as `sending`, committed before anything is sent; None when the
    member is in a quiet period by now, has no grant left, or another worker recorded the same reminder."""
    template = _template(due.kind)
    member = db.session.get(Member, due.member_id, with_for_update={"key_share": True})
    if member is None or member.status != "active" or _in_quiet_period(member.id, now) \
            or not claim_grant(member.id, template):
        db.session.rollback()
        return None
    reminder = DuesReminder(member_id=member.id, branch_id=member.mobile_branch_id, kind=due.kind,
                            period=due.period, month=month_of(now), template_id=template, status="sending",
                            created_at=now)
    db.session.add(reminder)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # recorded by another worker; the grant taken above is given back by the rollback
        return None
    db.session.commit()
    return reminder


def _month_text(month: str) -> str:
    return f"{month[:4]}年{int(month[5:])}月"


def message(due: DueReminder) -> tuple[dict, str]:
    """The subscribe message's data and the page it opens (keys as in README's configuration table)."""
    if due.kind == "report_in":
        last_day = (month_bounds(due.period)[1] - timedelta(seconds=1))
        return {"thing1": {"value": f"{_month_text(due.period)}报到"},
                "date2": {"value": local(last_day).strftime("%Y年%m月%d日")},
                "thing3": {"value": "请在小程序“报到”页填写本月报到"}}, PAGES["report"]
    subject = f"{_month_text(due.period)}党费" if due.kind == "dues_due" else f"已有{due.owed_months}个月党费未交"
    note = {"dues_due": "请在小程序“党费”页交纳", "arrears_3": "请及时补交，有困难请联系支部",
            "arrears_6": "已欠缴满6个月，请尽快联系支部"}[due.kind]
    return {"thing1": {"value": subject}, "amount2": {"value": f"{yuan_text(due.owed_fen)}元"},
            "thing3": {"value": note}}, PAGES["dues"]


def send_claimed(reminder: DuesReminder, due: DueReminder) -> DuesReminder:
    """Send a claimed reminder once and record how it went (a failure keeps WeChat's errcode, never retried)."""
    deliver(reminder, due.openid, *message(due))
    db.session.commit()
    return reminder


def send_due_reminders(now: datetime | None = None) -> dict:
    """Send every reminder due now, once each; counts by outcome."""
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0}
    for due in due_reminders(now):
        reminder = claim_reminder(due, now)
        if reminder is not None:
            counts[send_claimed(reminder, due).status] += 1
    return counts


def branch_reminders(principal: Principal, branch_id: int, month: str, kind: str | None,
                     page: int, per_page: int) -> dict:
    """The reminders a mobile branch's members were sent in a month, newest first (the read is audited)."""
    branch = require_branch(principal, db.session.get(Branch, branch_id))
    query = (select(DuesReminder).where(DuesReminder.branch_id == branch.id, DuesReminder.month == month)
             .options(selectinload(DuesReminder.member))
             .order_by(DuesReminder.created_at.desc(), DuesReminder.id.desc()))
    if kind:
        query = query.where(DuesReminder.kind == kind)
    result = paginate(query, page, per_page)
    without_grant = _without_grant(branch.id)
    audit.record("dues.reminders_read", "branch", branch.id, {
        "month": month, "kind": kind, "page": page, "member_ids": [r.member_id for r in result["items"]],
        "without_grant_ids": [row["member"]["id"] for row in without_grant]})
    db.session.commit()
    return {**result, "month": month, "branch": {"id": branch.id, "name": branch.name},
            "items": [reminder_view(r) for r in result["items"]], "without_grant": without_grant}


def _without_grant(branch_id: int) -> list[dict]:
    """The branch's active members who cannot be reminded of dues or of the report-in: no WeChat account bound,
    or no grant left of that template (the secretary asks them to tap 「允许」 in the mini-program)."""
    bound = select(WechatAccount.member_id).where(WechatAccount.member_id.is_not(None))
    rows = db.session.execute(
        select(Member, Member.id.in_(bound), Member.id.in_(granted_members(_template("dues_due"))),
               Member.id.in_(granted_members(_template("report_in"))))
        .where(Member.mobile_branch_id == branch_id, Member.status == "active").order_by(Member.id)).all()
    return [{"member": {"id": m.id, "name": m.name, "phone_masked": m.phone_masked}, "bound": bool(has_account),
             "dues_granted": bool(dues), "report_granted": bool(report)}
            for m, has_account, dues, report in rows if not (has_account and dues and report)]


def reminder_view(reminder: DuesReminder) -> dict:
    """A reminder as the secretary sees it: the member masked, kind and outcome labelled in Chinese."""
    member = reminder.member
    return {"id": reminder.id, "member": {"id": member.id, "name": member.name, "phone_masked": member.phone_masked},
            "kind": reminder.kind, "kind_label": KIND_LABELS[reminder.kind], "period": reminder.period,
            "status": reminder.status, "status_label": STATUS_LABELS[reminder.status], "errcode": reminder.errcode,
            "created_at": reminder.created_at, "sent_at": reminder.sent_at}
