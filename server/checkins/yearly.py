"""A member's meetings of a year, for the home village branch's yearly summary (server/summaries)."""
from __future__ import annotations

from sqlalchemy import select

from server.checkins.attendance import expected_member_ids
from server.checkins.models import Checkin, Event, LeaveRequest
from server.common.timeutil import month_bounds, utcnow
from server.core.members import Member
from server.extensions import db


def year_attendance(member_ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Per member: meetings expected (started, not cancelled, starting in the year in Beijing time, the member
    on the expected list), attended (checked in, expected or not), on approved leave (expected, no check-in)
    and missed (expected, neither). Read only."""
    out = {mid: {"expected": 0, "attended": 0, "on_leave": 0, "missed": 0} for mid in member_ids}
    if not member_ids:
        return out
    start, end = month_bounds(f"{year}-01")[0], month_bounds(f"{year}-12")[1]
    branches = select(Member.mobile_branch_id).where(Member.id.in_(member_ids))
    events = db.session.scalars(select(Event).where(
        Event.branch_id.in_(branches), Event.starts_at >= start, Event.starts_at < end,
        Event.starts_at <= utcnow(), Event.status != "cancelled")).all()
    wanted = set(member_ids)
    event_ids = [e.id for e in events]
    checked = {(e, m) for e, m in db.session.execute(select(Checkin.event_id, Checkin.member_id).where(
        Checkin.event_id.in_(event_ids), Checkin.member_id.in_(member_ids)))} if event_ids else set()
    leave = {(e, m) for e, m in db.session.execute(select(LeaveRequest.event_id, LeaveRequest.member_id).where(
        LeaveRequest.event_id.in_(event_ids), LeaveRequest.member_id.in_(member_ids),
        LeaveRequest.status == "approved"))} if event_ids else set()
    for event in events:
        expected = wanted.intersection(expected_member_ids(event))
        for mid in expected:
            out[mid]["expected"] += 1
            if (event.id, mid) in checked:
                continue
            out[mid]["on_leave" if (event.id, mid) in leave else "missed"] += 1
    for _, mid in checked:
        out[mid]["attended"] += 1
    return out
