"""Meetings (events) as the staff schedule them, and the check-in window every other module reads.

Each public function is one unit of work and owns its transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.checkins.models import Event
from server.common.pagination import paginate
from server.common.timeutil import month_bounds, utcnow
from server.core import audit, scope
from server.core.orgs import Branch
from server.core.tokens import Principal
from server.errors import NotFound, Unprocessable
from server.extensions import db


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    """When check-in opens and closes: the event's time plus the configured grace either side."""
    return (event.starts_at - timedelta(minutes=current_app.config["CHECKIN_GRACE_BEFORE_MIN"]),
            event.ends_at + timedelta(minutes=current_app.config["CHECKIN_GRACE_AFTER_MIN"]))


def staff_event(principal: Principal, event_id: int, *, lock: bool = False) -> Event:
    """An event in the caller's scope (locked FOR UPDATE when asked); 404 otherwise."""
    event = db.session.get(Event, event_id, with_for_update=lock)
    if event is None or not scope.can_see_branch(principal, event.branch):
        raise NotFound("找不到该活动")
    return event


def refuse_cancelled(event: Event) -> None:
    """Refuse (422 event_cancelled) to act on a cancelled event (an Event or a row with its status)."""
    if event.status == "cancelled":
        raise Unprocessable("该活动已取消", code="event_cancelled")


def refuse_ended(event: Event, now: datetime) -> None:
    """Refuse (422 event_ended) to act on an event that is over."""
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
    return staff_event(principal, event_id)


def update_event(principal: Principal, event_id: int, changes: dict) -> Event:
    """Edit an event that is neither cancelled nor over; its kind, start and place are fixed once it started."""
    event = staff_event(principal, event_id, lock=True)
    now = utcnow()
    refuse_cancelled(event)
    refuse_ended(event, now)
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
    event = staff_event(principal, event_id, lock=True)
    now = utcnow()
    refuse_cancelled(event)
    refuse_ended(event, now)
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
