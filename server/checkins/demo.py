"""Demo meetings for every mobile branch: this quarter's past meetings with realistic attendance, and a
few upcoming ones (one happening today, so the rotating code can be tried). Idempotent: a branch that
already has events is left alone."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from server.checkins.attendance import live_expected
from server.checkins.checkin import record_checkin
from server.checkins.compliance import quarter_months
from server.checkins.leave import record_leave
from server.checkins.models import Checkin, Event, ExpectedAttendee, LeaveRequest
from server.common.timeutil import SHANGHAI, local, utcnow
from server.core.members import Member
from server.core.orgs import Branch
from server.extensions import db

# Venues in the city where the county's members work (GCJ-02).
VENUES = (
    ("江汉区流动党员党群服务中心", 30.5928, 114.3055),
    ("江岸区新时代文明实践站", 30.6010, 114.3095),
    ("硚口区汉正街党群驿站", 30.5720, 114.2740),
    ("洪山区光谷流动党员之家", 30.5050, 114.4100),
)
# (kind, day of month, hour, title) held every month of the quarter; then once a quarter.
MONTHLY = (("committee", 5, 19, "支部委员会"), ("theme_day", 10, 9, "主题党日"), ("group", 18, 19, "党小组会"))
QUARTERLY = (("lecture", 22, 19, "书记讲党课"), ("branch_assembly", 26, 19, "支部党员大会"))
LEAVE_REASONS = ("工地连续加班，无法请假", "回老家照顾生病的母亲", "跑长途运输在外地", "孩子发烧去医院", "厂里夜班调不开")
TOPICS = {
    "committee": "研究本月组织生活安排和党员发展工作",
    "theme_day": "重温入党誓词，开展社区志愿服务",
    "group": "学习党的创新理论，交流务工生活情况",
    "lecture": "从“枫桥经验”谈流动党员如何在城市发挥作用",
    "branch_assembly": "通报季度工作，收缴党费情况，评议先进",
}


def _at(month: str, day: int, hour: int) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), day, hour, tzinfo=SHANGHAI)


def _event(branch: Branch, venue, kind: str, title: str, starts: datetime, hours: float = 2) -> Event:
    name, lat, lng = venue
    event = Event(branch_id=branch.id, kind=kind, title=title, topic=TOPICS.get(kind), place_name=name,
                  lat=lat, lng=lng, radius_m=300, starts_at=starts, ends_at=starts + timedelta(hours=hours),
                  chair="支部书记", recorder="组织委员",
                  # announced a week ahead, or just now for one that starts sooner: never in the future
                  created_at=min(starts - timedelta(days=7), utcnow()))
    db.session.add(event)
    db.session.flush()
    return event


def _propensity(member_id: int) -> float:
    """How often a member makes it to meetings: most do, some work shifts that rarely allow it."""
    draw = random.Random(f"checkins-demo-member-{member_id}").random()
    return 0.9 if draw < 0.5 else 0.6 if draw < 0.8 else 0.15


def _attend(event: Event, rng: random.Random) -> tuple[int, int]:
    """Freeze the roster and give a past meeting its check-ins, leaves and absences (with outbox rows)."""
    member_ids = list(db.session.execute(live_expected(event)).scalars())
    event.expected_frozen_at = event.starts_at
    present = on_leave = 0
    for member_id in member_ids:
        db.session.add(ExpectedAttendee(event_id=event.id, member_id=member_id))
        member = db.session.get(Member, member_id)
        roll = rng.random()
        propensity = _propensity(member_id)
        if roll < propensity:
            late = rng.random() < 0.12
            at = event.starts_at + timedelta(minutes=rng.randint(6, 25) if late else -rng.randint(1, 25))
            checkin = Checkin(event_id=event.id, member_id=member_id, checked_in_at=at, lat=event.lat, lng=event.lng,
                              accuracy_m=float(rng.randint(8, 40)), distance_m=float(rng.randint(3, 120)), late=late)
            db.session.add(checkin)
            db.session.flush()
            record_checkin(event, member, checkin)
            present += 1
        elif roll < propensity + (1 - propensity) * 0.5:
            leave = LeaveRequest(event_id=event.id, member_id=member_id, reason=rng.choice(LEAVE_REASONS),
                                 status="approved", note="同意，会后补学", created_at=event.starts_at - timedelta(days=1),
                                 decided_at=event.starts_at - timedelta(hours=20))
            db.session.add(leave)
            db.session.flush()
            record_leave(leave, event, member)
            on_leave += 1
    return present, on_leave


def seed(echo) -> None:
    """Create the demo meetings of every mobile branch that has none yet."""
    now = utcnow()
    today = local(now)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    branches = db.session.execute(select(Branch).where(Branch.kind == "mobile").order_by(Branch.id)).scalars().all()
    for index, branch in enumerate(branches):
        if db.session.execute(select(Event.id).where(Event.branch_id == branch.id).limit(1)).first():
            continue
        rng = random.Random(f"checkins-demo-{branch.id}")
        venue = VENUES[index % len(VENUES)]
        months = quarter_months(quarter)
        held = present = on_leave = 0
        planned = [(k, _at(m, d, h), f"{int(m[5:])}月{t}") for m in months for k, d, h, t in MONTHLY]
        planned += [(k, _at(months[1], d, h), f"{quarter[-2:]}{t}") for k, d, h, t in QUARTERLY]
        for kind, starts, title in sorted(planned, key=lambda p: p[1]):
            if starts + timedelta(hours=2) > now:
                continue
            p, lv = _attend(_event(branch, venue, kind, title, starts), rng)
            held, present, on_leave = held + 1, present + p, on_leave + lv
        start_today = now.replace(second=0, microsecond=0) - timedelta(minutes=10)
        _event(branch, venue, "theme_day", "今日主题党日：志愿服务进社区", start_today, hours=3)
        _event(branch, venue, "group", "党小组学习会", (today + timedelta(days=3)).replace(hour=19, minute=0, second=0, microsecond=0))
        _event(branch, VENUES[(index + 1) % len(VENUES)], "training", "流动党员技能培训",
               (today + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0), hours=3)
        db.session.commit()
        echo(f"会议：{branch.name} 本季度已开会 {held} 次（签到 {present} 人次，请假 {on_leave} 人次），另有 3 场待开")
