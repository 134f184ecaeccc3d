"""Meetings and check-ins. Each public function is one unit of work and owns its transaction.

Expected attendees: before an event starts they are computed live (the branch's active members; for a
committee meeting its committee members). The first time anything needs them at or after the start
(the attendance view, the reminder sweep) they are frozen into `event_expected_attendees`, so the
attendance of a past meeting stays the same when members later move, return or are suspended.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from server.checkins import codes
from server.checkins.models import (
    EVENT_KINDS,
    Checkin,
    Event,
    ExpectedAttendee,
    LeaveRequest,
    Reminder,
    SubscriptionGrant,
)
from server.common import ratelimit
from server.common.pagination import paginate
from server.common.timeutil import isoformat, local, month_bounds, month_of, utcnow
from server.core import audit, scope
from server.core.accounts import WechatAccount
from server.core.members import Member
from server.core.orgs import Branch
from server.core.outbox import record_change
from server.core.tokens import Principal
from server.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from server.extensions import db
from server.store import get_redis
from server.wechat import gateway

CHECKIN_PAGE = "pages/checkin/checkin"
REMINDER_PAGE = "pages/events/events"  # the mini-program's meetings tab
# Members who may take part in a branch's events (a lost-contact member checking in is back in contact).
PARTICIPATING = ("active", "lost_contact")
_EARTH_RADIUS_M = 6371008.8


def _cfg(name: str):
    return current_app.config[name]


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points of the same datum (GCJ-02 here)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    """When check-in opens and closes: the event's time plus the configured grace either side."""
    return (event.starts_at - timedelta(minutes=_cfg("CHECKIN_GRACE_BEFORE_MIN")),
            event.ends_at + timedelta(minutes=_cfg("CHECKIN_GRACE_AFTER_MIN")))


# ---- events (staff) -------------------------------------------------------------------------------

def _staff_event(principal: Principal, event_id: int, *, lock: bool = False) -> Event:
    event = db.session.get(Event, event_id, with_for_update=lock)
    if event is None or not scope.can_see_branch(principal, event.branch):
        raise NotFound("找不到该活动")
    return event


def _refuse_cancelled(event: Event) -> None:
    if event.cancelled:
        raise Unprocessable("该活动已取消", code="event_cancelled")


def _refuse_ended(event: Event, now: datetime) -> None:
    if event.ends_at <= now:
        raise Unprocessable("该活动已结束", code="event_ended")


def create_event(principal: Principal, data: dict) -> Event:
    """Create a meeting for the secretary's own mobile branch."""
    branch = scope.require_branch(principal, db.session.get(Branch, data["branch_id"]))
    if branch.kind != "mobile":
        raise Unprocessable("只能为流动党员党支部安排活动", errors={"branch_id": ["应为流动党员党支部"]})
    if data["ends_at"] <= utcnow():
        raise Unprocessable("活动结束时间已过，不能补建", code="event_in_past", errors={"ends_at": ["结束时间已过"]})
    location = data["location"]
    event = Event(
        branch_id=branch.id, kind=data["kind"], title=data["title"].strip(), topic=data.get("topic"),
        place_name=data.get("place_name"), lat=location["lat"], lng=location["lng"], radius_m=location["radius_m"],
        starts_at=data["starts_at"], ends_at=data["ends_at"], chair=data.get("chair"),
        recorder=data.get("recorder"), created_by=principal.subject_id, created_at=utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", "event", event.id, {"branch_id": branch.id, "kind": event.kind, "title": event.title})
    db.session.commit()
    return event


def get_event(principal: Principal, event_id: int) -> Event:
    """One event in the caller's scope."""
    return _staff_event(principal, event_id)


def update_event(principal: Principal, event_id: int, changes: dict) -> Event:
    """Edit an event that is neither cancelled nor over; its kind, start and place are fixed once it started."""
    event = _staff_event(principal, event_id, lock=True)
    now = utcnow()
    _refuse_cancelled(event)
    _refuse_ended(event, now)
    if event.starts_at <= now and {"kind", "starts_at", "location"} & set(changes):
        raise Unprocessable("活动已开始，类型、开始时间和地点不能再改", code="event_started")
    starts, ends = changes.get("starts_at", event.starts_at), changes.get("ends_at", event.ends_at)
    if ends <= starts:
        raise Unprocessable(errors={"ends_at": ["结束时间须晚于开始时间"]})
    if ends - starts > timedelta(days=3):
        raise Unprocessable(errors={"ends_at": ["一次活动不能超过 3 天"]})
    if ends <= now:
        raise Unprocessable("活动结束时间不能早于现在", code="event_in_past", errors={"ends_at": ["结束时间已过"]})
    location = changes.pop("location", None)
    if location:
        event.lat, event.lng, event.radius_m = location["lat"], location["lng"], location["radius_m"]
    for name, value in changes.items():
        setattr(event, name, value.strip() if name == "title" else value)
    audit.record("event.updated", "event", event.id, {"fields": sorted(set(changes) | ({"location"} if location else set()))})
    db.session.commit()
    return event


def cancel_event(principal: Principal, event_id: int, reason: str) -> Event:
    """Cancel an event that has not ended; it then counts for nothing."""
    event = _staff_event(principal, event_id, lock=True)
    now = utcnow()
    _refuse_cancelled(event)
    _refuse_ended(event, now)
    event.status, event.cancelled_at, event.cancel_reason = "cancelled", now, reason.strip()
    audit.record("event.cancelled", "event", event.id, {"reason": event.cancel_reason})
    db.session.commit()
    return event


def list_events(principal: Principal, *, page: int, per_page: int, branch_id: int | None = None,
                month: str | None = None, upcoming: bool = False) -> dict:
    """Events in the caller's scope, by branch and month, or the upcoming ones."""
    stmt = select(Event).join(Branch, Event.branch_id == Branch.id).where(scope.branch_filter(principal))
    if branch_id is not None:
        stmt = stmt.where(Event.branch_id == branch_id)
    if month:
        start, end = month_bounds(month)
        stmt = stmt.where(Event.starts_at >= start, Event.starts_at < end)
    if upcoming:
        stmt = stmt.where(Event.ends_at > utcnow(), Event.status == "scheduled").order_by(Event.starts_at, Event.id)
    else:
        stmt = stmt.order_by(Event.starts_at.desc(), Event.id.desc())
    return paginate(stmt.options(selectinload(Event.branch)), page, per_page)


# ---- the rotating code ----------------------------------------------------------------------------

def checkin_code(principal: Principal, event_id: int) -> tuple[str, int]:
    """A fresh rotating code for an event whose check-in is not over."""
    event = _staff_event(principal, event_id)
    _refuse_cancelled(event)
    if checkin_window(event)[1] <= utcnow():
        raise Unprocessable("签到已结束", code="checkin_window_closed")
    return codes.issue(event.id)


def checkin_code_png(principal: Principal, event_id: int) -> tuple[bytes, int]:
    """The mini-program code image for the current code (cached in Redis for the code's lifetime)."""
    token, expires_in = checkin_code(principal, event_id)
    key = f"checkin:png:{token}"
    r = get_redis()
    png = r.get(key)
    if png is None:
        try:
            png = gateway.wxa_code_png(token, CHECKIN_PAGE)
        except (gateway.WeChatClientException, requests.RequestException) as err:
            current_app.logger.warning("wxacode failed: %s", getattr(err, "errcode", err))
            raise ServiceUnavailable("微信小程序码暂时无法生成，请稍后再试", code="wechat_unavailable") from None
        r.set(key, png, ex=max(expires_in, 1))
    return png, expires_in


# ---- check-ins (members) --------------------------------------------------------------------------

def _member_event(member_id: int, event_id: int) -> tuple[Member, Event]:
    """The member and an event of their branch they may attend; 404 otherwise."""
    row = db.session.execute(
        select(Member, Event).join(Event, Event.id == event_id).where(Member.id == member_id)).first()
    member, event = row if row else (None, None)
    if (member is None or event is None or member.status not in PARTICIPATING
            or event.branch_id != member.mobile_branch_id
            or (event.kind == "committee" and not member.is_committee)):
        raise NotFound("找不到该活动")
    return member, event


def _checkin_of(event_id: int, member_id: int) -> Checkin | None:
    return db.session.execute(
        select(Checkin).where(Checkin.event_id == event_id, Checkin.member_id == member_id)
    ).scalar_one_or_none()


def _record_checkin(event: Event, member: Member, checkin: Checkin) -> None:
    """Outbox row and activity stamp for a new check-in (inside the caller's transaction)."""
    record_change("checkin.created", member, {
        "checkin_id": checkin.id, "event_id": event.id, "event_kind": event.kind, "event_title": event.title,
        "event_starts_at": isoformat(event.starts_at), "event_month": month_of(event.starts_at),
        "branch_id": event.branch_id, "checked_in_at": isoformat(checkin.checked_in_at), "late": checkin.late,
        "manual": checkin.manual, "reason": checkin.reason,
    }, at=checkin.checked_in_at)
    if member.last_activity_at is None or member.last_activity_at < checkin.checked_in_at:
        member.last_activity_at = checkin.checked_in_at


def _insert_checkin(checkin: Checkin) -> bool:
    """Flush a new check-in; False (and the transaction rolled back) when one already exists."""
    db.session.add(checkin)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def check_in(member_id: int, event_id: int, token: str, lat: float, lng: float,
             accuracy: float | None = None) -> tuple[Checkin, bool]:
    """Check a member in on site; returns (record, created). A repeat returns the first record."""
    ratelimit.limit(f"checkin:{member_id}", _cfg("CHECKIN_RATE_MAX"), _cfg("CHECKIN_RATE_WINDOW_S"),
                    "签到操作太频繁，请稍后再试")
    member, event = _member_event(member_id, event_id)
    existing = _checkin_of(event.id, member.id)
    if existing is not None:
        return existing, False
    _refuse_cancelled(event)
    if not codes.verify(token, event.id):
        raise Unprocessable("签到码无效或已过期，请重新扫描现场的签到码", code="checkin_token_invalid")
    now = utcnow()
    opens, closes = checkin_window(event)
    if not opens <= now <= closes:
        raise Unprocessable("现在不在签到时间内", code="checkin_window_closed",
                            opens_at=isoformat(opens), closes_at=isoformat(closes))
    if accuracy is not None and accuracy > _cfg("CHECKIN_MAX_ACCURACY_M"):
        raise Unprocessable("定位不够准确，请到开阔处打开 GPS 后重试",
                            errors={"accuracy": [f"定位精度须在 {_cfg('CHECKIN_MAX_ACCURACY_M')} 米以内"]})
    distance = haversine_m(event.lat, event.lng, lat, lng)
    if distance > event.radius_m:
        raise Unprocessable(f"您距签到地点约 {round(distance)} 米，超出 {event.radius_m} 米的签到范围",
                            code="checkin_outside_area", distance_m=round(distance), radius_m=event.radius_m)
    late = now > event.starts_at + timedelta(minutes=_cfg("CHECKIN_LATE_TOLERANCE_MIN"))
    checkin = Checkin(event_id=event.id, member_id=member.id, checked_in_at=now, lat=lat, lng=lng,
                      accuracy_m=accuracy, distance_m=round(distance, 1), late=late, manual=False)
    if not _insert_checkin(checkin):
        # Another tap of the same member won the race: answer with its record.
        return _checkin_of(event_id, member_id), False
    _record_checkin(event, member, checkin)
    db.session.commit()
    return checkin, True


def manual_checkin(principal: Principal, event_id: int, member_id: int, reason: str) -> Checkin:
    """The secretary records a member present by hand (补签), audited and flagged manual."""
    event = _staff_event(principal, event_id)
    _refuse_cancelled(event)
    now = utcnow()
    if now < event.starts_at:
        raise Unprocessable("活动尚未开始，不能补签", code="event_not_started")
    member = db.session.get(Member, member_id)
    if member is None or member.mobile_branch_id != event.branch_id:
        raise NotFound("找不到该党员")
    if _checkin_of(event.id, member.id) is not None:
        raise Conflict("该党员已签到", code="already_checked_in")
    checkin = Checkin(event_id=event.id, member_id=member.id, checked_in_at=now, late=False, manual=True,
                      reason=reason.strip(), recorded_by=principal.subject_id)
    if not _insert_checkin(checkin):
        raise Conflict("该党员已签到", code="already_checked_in")
    audit.record("checkin.manual", "checkin", checkin.id,
                 {"event_id": event.id, "member_id": member.id, "reason": checkin.reason})
    _record_checkin(event, member, checkin)
    db.session.commit()
    return checkin


# ---- leave --------------------------------------------------------------------------------------

def _record_leave(leave: LeaveRequest, event: Event, member: Member) -> None:
    record_change("leave.created", member, {
        "leave_id": leave.id, "event_id": event.id, "event_month": month_of(event.starts_at),
        "reason": leave.reason, "status": leave.status,
    })


def request_leave(member_id: int, event_id: int, reason: str) -> LeaveRequest:
    """A member asks to be excused from an event of their branch (once per event)."""
    member, event = _member_event(member_id, event_id)
    _refuse_cancelled(event)
    _refuse_ended(event, utcnow())
    if _checkin_of(event.id, member.id) is not None:
        raise Conflict("您已签到，无需请假", code="already_checked_in")
    leave = LeaveRequest(event_id=event.id, member_id=member.id, reason=reason.strip(), status="pending",
                         created_at=utcnow())
    db.session.add(leave)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已为该活动请过假", code="leave_exists") from None
    _record_leave(leave, event, member)
    db.session.commit()
    return leave


def list_leaves(principal: Principal, event_id: int) -> list[LeaveRequest]:
    """Leave requests of an event, oldest first."""
    event = _staff_event(principal, event_id)
    # A staff read of members' personal data (names, leave reasons): audited like a member read.
    audit.record("event.leaves_read", "event", event.id, None)
    db.session.commit()
    return list(db.session.execute(
        select(LeaveRequest).where(LeaveRequest.event_id == event_id)
        .options(selectinload(LeaveRequest.member)).order_by(LeaveRequest.id)
    ).scalars())


def decide_leave(principal: Principal, leave_id: int, approve: bool, note: str | None) -> LeaveRequest:
    """The secretary approves or denies a pending leave request."""
    leave = db.session.get(LeaveRequest, leave_id, with_for_update=True)
    if leave is None:
        raise NotFound("找不到该请假申请")
    try:
        event = _staff_event(principal, leave.event_id)
    except NotFound:
        raise NotFound("找不到该请假申请") from None
    if leave.status != "pending":
        raise Conflict("该请假申请已处理", code="leave_decided")
    leave.status = "approved" if approve else "denied"
    leave.note = note.strip() if note else None
    leave.decided_by, leave.decided_at = principal.subject_id, utcnow()
    audit.record("leave.decided", "leave", leave.id, {"event_id": event.id, "status": leave.status, "note": leave.note})
    _record_leave(leave, event, leave.member)
    db.session.commit()
    return leave


# ---- expected attendees and attendance ------------------------------------------------------------

def _live_expected(event: Event):
    stmt = select(Member.id).where(Member.mobile_branch_id == event.branch_id, Member.status == "active")
    if event.kind == "committee":
        stmt = stmt.where(Member.is_committee.is_(True))
    return stmt


def freeze_expected(event: Event, now: datetime | None = None) -> bool:
    """Freeze the expected attendees of a started event once (a compare-and-set on the event row; no commit)."""
    now = now or utcnow()
    won = db.session.execute(
        update(Event).where(Event.id == event.id, Event.expected_frozen_at.is_(None), Event.starts_at <= now)
        .values(expected_frozen_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if won:
        db.session.execute(insert(ExpectedAttendee).from_select(
            ["member_id", "event_id"], _live_expected(event).add_columns(literal(event.id))))
    db.session.refresh(event)
    return won


def freeze_started_events(now: datetime | None = None) -> int:
    """Freeze every recently started event not yet frozen (the periodic sweep); one transaction."""
    now = now or utcnow()
    events = db.session.execute(select(Event).where(
        Event.expected_frozen_at.is_(None), Event.starts_at <= now, Event.starts_at > now - timedelta(days=7),
    )).scalars().all()
    frozen = sum(freeze_expected(event, now) for event in events)
    db.session.commit()
    return frozen


def expected_member_ids(event: Event) -> list[int]:
    """Who is expected: the frozen list once the event started, the live roster before."""
    if event.expected_frozen_at is not None:
        stmt = select(ExpectedAttendee.member_id).where(ExpectedAttendee.event_id == event.id)
    else:
        stmt = _live_expected(event)
    return list(db.session.execute(stmt).scalars())


@dataclass
class Attendance:
    event: Event
    expected_count: int
    present: list[dict]
    on_leave: list[dict]
    absent: list[dict]

    @property
    def expected_frozen(self) -> bool:
        return self.event.expected_frozen_at is not None


def attendance(principal: Principal, event_id: int) -> Attendance:
    """Who was present, on leave or absent (present wins over a leave; absent = expected − both)."""
    event = _staff_event(principal, event_id)
    if event.expected_frozen_at is None and event.starts_at <= utcnow():
        freeze_expected(event)
    # A staff read of members' personal data (names, phones, leave reasons): audited like a member read.
    audit.record("event.attendance_read", "event", event.id, None)
    db.session.commit()
    expected = set(expected_member_ids(event))
    checkins = {c.member_id: c for c in db.session.execute(
        select(Checkin).where(Checkin.event_id == event.id).order_by(Checkin.checked_in_at)).scalars()}
    leaves = {lv.member_id: lv for lv in db.session.execute(
        select(LeaveRequest).where(LeaveRequest.event_id == event.id)).scalars()}
    ids = expected | set(checkins) | set(leaves)
    members = {m.id: m for m in db.session.execute(select(Member).where(Member.id.in_(ids))).scalars()} if ids else {}

    def row(member_id):
        c, lv = checkins.get(member_id), leaves.get(member_id)
        return {
            "member": members[member_id],
            "checked_in_at": c.checked_in_at if c else None, "late": c.late if c else None,
            "manual": c.manual if c else None, "manual_reason": c.reason if c else None,
            "leave_reason": lv.reason if lv else None, "leave_status": lv.status if lv else None,
        }

    present = [row(mid) for mid in checkins]
    on_leave = [row(mid) for mid, lv in leaves.items() if mid not in checkins and lv.status == "approved"]
    excused = {r["member"].id for r in on_leave}
    absent = sorted((row(mid) for mid in expected - set(checkins) - excused), key=lambda r: r["member"].id)
    on_leave.sort(key=lambda r: r["member"].id)
    return Attendance(event, len(expected), present, on_leave, absent)


# ---- compliance -----------------------------------------------------------------------------------

# (kind, period, required per period, rule text) after DESIGN.md's organisational-life rules.
COMPLIANCE_RULES = (
    ("branch_assembly", "quarter", 1, "每季度至少召开 1 次支部党员大会"),
    ("committee", "month", 1, "每月至少召开 1 次支部委员会"),
    ("group", "month", 1, "每月至少召开 1 次党小组会"),
    ("lecture", "quarter", 1, "每季度至少上 1 次党课"),
    ("theme_day", "month", 1, "每月至少开展 1 次主题党日"),
)


def quarter_months(quarter: str) -> list[str]:
    """The three YYYY-MM months of a YYYY-Qn quarter."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return [f"{year:04d}-{3 * (q - 1) + i:02d}" for i in (1, 2, 3)]


def _period_status(held: int, required: int, period_end: datetime, now: datetime) -> str:
    if held >= required:
        return "met"
    return "missed" if period_end <= now else "pending"


def _overall(statuses: list[str]) -> str:
    if "missed" in statuses:
        return "missed"
    return "pending" if "pending" in statuses else "met"


def compliance(principal: Principal, branch_id: int, quarter: str) -> dict:
    """Meetings held (not cancelled and ended) against the rules, per month or for the quarter."""
    branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
    months = quarter_months(quarter)
    start, end = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    now = utcnow()
    rows = db.session.execute(select(Event.kind, Event.starts_at).where(
        Event.branch_id == branch.id, Event.status == "scheduled", Event.ends_at <= now,
        Event.starts_at >= start, Event.starts_at < end,
    )).all()
    held: dict[tuple[str, str], int] = {}
    for kind, starts_at in rows:
        held[(kind, month_of(starts_at))] = held.get((kind, month_of(starts_at)), 0) + 1
    items = []
    for kind, period, required, rule in COMPLIANCE_RULES:
        total = sum(held.get((kind, m), 0) for m in months)
        if period == "month":
            periods = [{"period": m, "held": held.get((kind, m), 0), "required": required,
                        "status": _period_status(held.get((kind, m), 0), required, month_bounds(m)[1], now)}
                       for m in months]
        else:
            periods = [{"period": quarter, "held": total, "required": required,
                        "status": _period_status(total, required, end, now)}]
        items.append({"kind": kind, "label": EVENT_KINDS[kind], "rule": rule, "held": total, "periods": periods,
                      "status": _overall([p["status"] for p in periods])})
    return {"branch": branch, "quarter": quarter, "items": items, "status": _overall([i["status"] for i in items])}


# ---- member-facing lists --------------------------------------------------------------------------

@dataclass
class MemberEvent:
    """An event as one member sees it, with their own state."""

    event: Event
    my_checkin: Checkin | None
    my_leave: LeaveRequest | None

    def __getattr__(self, name):
        return getattr(self.event, name)

    @property
    def my_state(self) -> str:
        """present, on_leave (approved), absent (check-in closed without either), leave_pending, leave_denied
        or none (nothing yet): the same words as the attendance lists."""
        if self.my_checkin is not None:
            return "present"
        leave = self.my_leave
        if leave is not None and leave.status == "approved":
            return "on_leave"
        if checkin_window(self.event)[1] <= utcnow():
            return "absent"
        if leave is not None:
            return "leave_pending" if leave.status == "pending" else "leave_denied"
        return "none"


def my_events(member_id: int, *, page: int, per_page: int, upcoming: bool = False) -> dict:
    """The events of the member's branch, with the member's own check-in or leave."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该党员")
    stmt = select(Event).where(Event.branch_id == member.mobile_branch_id).options(selectinload(Event.branch))
    if not member.is_committee:
        stmt = stmt.where(Event.kind != "committee")
    if upcoming:
        grace = timedelta(minutes=_cfg("CHECKIN_GRACE_AFTER_MIN"))
        stmt = stmt.where(Event.ends_at > utcnow() - grace, Event.status == "scheduled").order_by(Event.starts_at, Event.id)
    else:
        stmt = stmt.order_by(Event.starts_at.desc(), Event.id.desc())
    result = paginate(stmt, page, per_page)
    ids = [e.id for e in result["items"]]
    mine = {c.event_id: c for c in db.session.execute(
        select(Checkin).where(Checkin.member_id == member.id, Checkin.event_id.in_(ids))).scalars()} if ids else {}
    leaves = {lv.event_id: lv for lv in db.session.execute(
        select(LeaveRequest).where(LeaveRequest.member_id == member.id, LeaveRequest.event_id.in_(ids))).scalars()} if ids else {}
    result["items"] = [MemberEvent(e, mine.get(e.id), leaves.get(e.id)) for e in result["items"]]
    return result


def my_checkins(member_id: int, *, page: int, per_page: int) -> dict:
    """The member's check-in history, newest first."""
    stmt = (select(Checkin).where(Checkin.member_id == member_id).options(selectinload(Checkin.event))
            .order_by(Checkin.checked_in_at.desc(), Checkin.id.desc()))
    return paginate(stmt, page, per_page)


# ---- subscribe-message grants and reminders -------------------------------------------------------

def add_subscription_grant(principal: Principal, member_id: int, template_id: str) -> dict:
    """Count one accepted one-time subscription (wx.requestSubscribeMessage 'accept') for the member."""
    ceiling = _cfg("SUBSCRIPTION_MAX_GRANTS")
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
    template = _cfg("WECHAT_REMINDER_TEMPLATE_ID")
    events = db.session.execute(select(Event).where(
        Event.status == "scheduled", Event.starts_at > now,
        Event.starts_at <= now + timedelta(hours=_cfg("REMINDER_LEAD_HOURS")),
    ).order_by(Event.starts_at)).scalars().all()
    due = []
    for event in events:
        rows = db.session.execute(
            select(WechatAccount.member_id, WechatAccount.openid)
            .join(SubscriptionGrant, SubscriptionGrant.member_id == WechatAccount.member_id)
            .where(WechatAccount.member_id.in_(_live_expected(event)),
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


def send_reminder(event_id: int, member_id: int, openid: str) -> Reminder | None:
    """Claim the reminder and a grant (committed first, so a crash never sends twice), then send once."""
    template = _cfg("WECHAT_REMINDER_TEMPLATE_ID")
    consumed = db.session.execute(
        update(SubscriptionGrant)
        .where(SubscriptionGrant.member_id == member_id, SubscriptionGrant.template_id == template,
               SubscriptionGrant.remaining > 0)
        .values(remaining=SubscriptionGrant.remaining - 1).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not consumed:
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
    event = db.session.get(Event, event_id)
    try:
        gateway.send_subscribe_message(openid, template, _reminder_data(event), page=f"{REMINDER_PAGE}?id={event_id}")
        reminder.status, reminder.sent_at = "sent", utcnow()
    except gateway.WeChatClientException as err:
        reminder.status, reminder.errcode, reminder.errmsg = "failed", err.errcode, str(err.errmsg)[:255]
    except requests.RequestException as err:
        reminder.status, reminder.errmsg = "failed", f"network: {type(err).__name__}"
    db.session.commit()
    return reminder


def send_due_reminders(now: datetime | None = None) -> dict:
    """Send every due reminder once; failures are recorded with WeChat's errcode and not retried."""
    counts = {"sent": 0, "failed": 0}
    for event_id, member_id, openid in due_reminders(now):
        reminder = send_reminder(event_id, member_id, openid)
        if reminder is not None:
            counts[reminder.status] = counts.get(reminder.status, 0) + 1
    return counts
