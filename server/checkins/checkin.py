"""The rotating code at the venue and check-ins: on site by the member, or by hand by the secretary.

Each public function is one unit of work and owns its transaction.
"""
from __future__ import annotations

import functools
import math
import time
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.checkins import codes, writes
from server.checkins.events import checkin_window, refuse_cancelled, staff_event
from server.checkins.models import Checkin, Event
from server.checkins.writes import checkin_payload
from server.common import ratelimit
from server.common.driversql import DriverStatement
from server.common.timeutil import isoformat, utcnow
from server.core import audit
from server.core.members import Member, refuse_if_left
from server.core.outbox import record_change
from server.core.tokens import Principal
from server.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from server.extensions import db, is_postgresql
from server.store import get_redis
from server.wechat import gateway

CHECKIN_PAGE = "pages/checkin/checkin"

_EARTH_RADIUS_M = 6371008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points of the same datum (GCJ-02 here)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def checkin_code(principal: Principal, event_id: int) -> tuple[str, int]:
    """A fresh rotating code for an event whose check-in is not over."""
    event = staff_event(principal, event_id)
    refuse_cancelled(event)
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
        except gateway.WechatError as err:
            current_app.logger.warning("wxacode failed: %s", err)
            raise ServiceUnavailable("微信小程序码暂时无法生成，请稍后再试", code="wechat_unavailable") from None
        r.set(key, png, ex=max(expires_in, 1))
    return png, expires_in


# ---- check-ins (members) --------------------------------------------------------------------------

def may_attend(event, status: str, mobile_branch_id: int, is_committee: bool) -> bool:
    """Whether a member (by status, mobile branch and committee seat) may take part in an event."""
    return (status in writes.PARTICIPATING and event.branch_id == mobile_branch_id
            and (event.kind != "committee" or is_committee))


def member_event(member_id: int, event_id: int) -> tuple[Member, Event]:
    """The member and an event of their branch they may attend; 404 otherwise."""
    row = db.session.execute(
        select(Member, Event).join(Event, Event.id == event_id).where(Member.id == member_id)).first()
    member, event = row if row else (None, None)
    if member is None or event is None or not may_attend(event, member.status, member.mobile_branch_id, member.is_committee):
        raise NotFound("找不到该活动")
    return member, event


def checkin_of(event_id: int, member_id: int) -> Checkin | None:
    """The member's check-in at an event, if any."""
    return db.session.execute(
        select(Checkin).where(Checkin.event_id == event_id, Checkin.member_id == member_id)
    ).scalar_one_or_none()


def record_checkin(event: Event, member: Member, checkin: Checkin) -> None:
    """Outbox row and activity stamp for a new check-in made with the ORM (inside the caller's transaction)."""
    record_change("checkin.created", member, {
        "checkin_id": checkin.id,
        **checkin_payload(event, checkin.checked_in_at, checkin.late, checkin.manual, checkin.reason),
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


@functools.cache
def _context_query() -> DriverStatement:
    """`writes.context_select`, built and compiled once (building it cost about a third of a check-in's CPU,
    SQLAlchemy's execution path another fifth: it runs on the driver connection directly)."""
    return DriverStatement(writes.context_select())


def _checkin_context(member_id: int, event_id: int):
    """One query: the member's standing (no encrypted field), the event, and the member's check-in at it."""
    return _context_query().first(member_id=member_id, event_id=event_id)


def _standing(row) -> tuple[SimpleNamespace, dict | None]:
    """From a context row: the event and the member's check-in there (None if none); 404 for an event the member
    may not attend, 409 for a member who has left."""
    event = row and SimpleNamespace(**{c.key: getattr(row, f"event_{c.key}") for c in writes.EVENT})
    if row is not None and event.branch_id == row.mobile_branch_id:
        refuse_if_left(row.status, "在本支部签到")
    if row is None or not may_attend(event, row.status, row.mobile_branch_id, row.is_committee):
        raise NotFound("找不到该活动")
    if row.checkin_id is None:
        return event, None
    return event, {c.key: getattr(row, f"checkin_{c.key}") for c in writes.RECORD}


# Events this worker checked members in at lately. A check-in validates against the copy and writes in the one
# statement that holds only while the event's row still equals it (writes.insert_recorded): the read before the
# write is saved, and a stale copy costs one more statement, never a wrong check-in. PostgreSQL only.
_KNOWN_EVENTS: dict[int, tuple[float, SimpleNamespace]] = {}
_KNOWN_FOR_S, _KNOWN_MAX = 60.0, 4096


def _known_event(event_id: int) -> SimpleNamespace | None:
    known = _KNOWN_EVENTS.get(event_id)
    if known is None or time.monotonic() - known[0] > _KNOWN_FOR_S or not is_postgresql():
        return None
    return known[1]


def _remember(event: SimpleNamespace) -> None:
    if len(_KNOWN_EVENTS) >= _KNOWN_MAX:
        _KNOWN_EVENTS.clear()
    _KNOWN_EVENTS[event.id] = (time.monotonic(), event)


def _validated(event, token: str, lat: float, lng: float, accuracy: float | None) -> dict:
    """The new check-in's values, or 422 for a cancelled event, a bad code, the wrong time or place."""
    refuse_cancelled(event)
    if not codes.verify(token, event.id):
        raise Unprocessable("签到码无效或已过期，请重新扫描现场的签到码", code="checkin_token_invalid")
    now = utcnow()
    opens, closes = checkin_window(event)
    if not opens <= now <= closes:
        raise Unprocessable("现在不在签到时间内", code="checkin_window_closed",
                            opens_at=isoformat(opens), closes_at=isoformat(closes))
    if accuracy is not None and accuracy > current_app.config["CHECKIN_MAX_ACCURACY_M"]:
        raise Unprocessable("定位不够准确，请到开阔处打开 GPS 后重试",
                            errors={"accuracy": [f"定位精度须在 {current_app.config['CHECKIN_MAX_ACCURACY_M']} 米以内"]})
    distance = haversine_m(event.lat, event.lng, lat, lng)
    if distance > event.radius_m:
        raise Unprocessable(f"您距签到地点约 {round(distance)} 米，超出 {event.radius_m} 米的签到范围",
                            code="checkin_outside_area", distance_m=round(distance), radius_m=event.radius_m)
    late = now > event.starts_at + timedelta(minutes=current_app.config["CHECKIN_LATE_TOLERANCE_MIN"])
    return {"checked_in_at": now, "lat": lat, "lng": lng, "accuracy_m": accuracy, "distance_m": round(distance, 1),
            "late": late, "manual": False, "reason": None}


def _record(event_id: int, member_id: int, values: dict) -> dict:
    return {"event_id": event_id, "member_id": member_id, **values}


def _existing_record(event_id: int, member_id: int) -> dict:
    row = db.session.execute(select(*writes.RECORD).where(Checkin.event_id == event_id,
                                                          Checkin.member_id == member_id)).one_or_none()
    if row is None:
        raise NotFound("找不到该活动")
    return _record(event_id, member_id, row._asdict())


def check_in(member_id: int, event_id: int, token: str, lat: float, lng: float,
             accuracy: float | None = None) -> tuple[dict, bool]:
    """Check a member in on site; returns (record, created). A repeat returns the first record.

    On PostgreSQL one statement in autocommit when this worker knows the event (validated against its copy;
    the statement writes only while the copy is current and the member may attend), otherwise two: the read
    of `_checkin_context` first. The write is `writes.insert_recorded`, its own transaction."""
    ratelimit.limit(f"checkin:{member_id}", current_app.config["CHECKIN_RATE_MAX"],
                    current_app.config["CHECKIN_RATE_WINDOW_S"], "签到操作太频繁，请稍后再试")
    event, values, township_id = _known_event(event_id), None, None
    if event is not None:
        try:
            values = _validated(event, token, lat, lng, accuracy)
        except Unprocessable:
            event = None  # read first: a repeat answers with its record whatever its code or its time
    if event is None:
        row = _checkin_context(member_id, event_id)
        event, existing = _standing(row)
        if existing is not None:
            return _record(event_id, member_id, existing), False
        township_id = row.township_id
    for _ in range(2):
        values = values or _validated(event, token, lat, lng, accuracy)
        new_id, context = writes.insert_recorded(event, member_id, township_id, values)
        if new_id is not None:
            _remember(event)
            return _record(event_id, member_id, {"id": new_id, **values}), True
        if context is None:
            break
        # Nothing written: the context the statement saw says why (a repeat, the event changed, the member left).
        current, existing = _standing(context)
        _remember(current)
        if existing is not None:
            return _record(event_id, member_id, existing), False
        if current == event:
            break
        event, values = current, None
    # Another tap of the same member won the race: answer with its record.
    return _existing_record(event_id, member_id), False


def manual_checkin(principal: Principal, event_id: int, member_id: int, reason: str) -> Checkin:
    """The secretary records a member present by hand (补签), audited and flagged manual."""
    event = staff_event(principal, event_id)
    refuse_cancelled(event)
    now = utcnow()
    if now < event.starts_at:
        raise Unprocessable("活动尚未开始，不能补签", code="event_not_started")
    member = db.session.get(Member, member_id)
    if member is None or member.mobile_branch_id != event.branch_id:
        raise NotFound("找不到该党员")
    if checkin_of(event.id, member.id) is not None:
        raise Conflict("该党员已签到", code="already_checked_in")
    checkin = Checkin(event_id=event.id, member_id=member.id, checked_in_at=now, late=False, manual=True,
                      reason=reason.strip(), recorded_by=principal.subject_id)
    if not _insert_checkin(checkin):
        raise Conflict("该党员已签到", code="already_checked_in")
    audit.record("checkin.manual", "checkin", checkin.id,
                 {"event_id": event.id, "member_id": member.id, "reason": checkin.reason}, member_id=member.id)
    record_checkin(event, member, checkin)
    db.session.commit()
    return checkin
