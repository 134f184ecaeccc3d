"""Benchmark (not a test): check-ins per second on PostgreSQL + Redis under gunicorn, against the bare endpoint.

Seeds one event with many members, each with a live member token, then drives
POST /api/v1/events/{id}/checkins with wrk (32 connections), every request a different member (a real insert
with its outbox row), and in the same run the bare one-route app under the same gunicorn settings and the same
wrk load. Prints check-ins/s, p50/p99 and the ratio to the bare endpoint.

    .venv/bin/python -m bench.bench_checkins [--quick] [--members 12000] [--duration 15] [--connections 32]
"""
from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

VENUE = (30.5928, 114.3055)
FULL = {"members": 12000}
QUICK = {"members": 500}


def seed(app, members: int) -> tuple[int, list[str]]:
    """One mobile branch, `members` members with WeChat accounts and tokens, one event happening now."""
    from sqlalchemy import insert

    from server.checkins.models import Event
    from server.common.crypto import encrypt, lookup_hash
    from server.common.timeutil import utcnow
    from server.core.accounts import WechatAccount
    from server.core.members import Member
    from server.core.tokens import MEMBER_TOKEN_TTL, Principal, issue
    from server.extensions import db

    with app.app_context():
        township, mobile, village = common.seed_township()
        now = utcnow()
        rows = []
        for i in range(members):
            id_number, phone = f"420000199001{i:06d}", f"139{i:08d}"
            rows.append({"name": f"压测党员{i}", "id_number": encrypt(id_number), "id_number_hash": lookup_hash(id_number),
                         "phone": encrypt(phone), "phone_hash": lookup_hash(phone), "township_id": township.id,
                         "village_branch_id": village.id, "mobile_branch_id": mobile.id, "is_committee": False,
                         "status": "active", "created_at": now, "updated_at": now})
        # Core insert: the values are already encrypted, so bypass the Encrypted column type.
        db.session.execute(insert(Member.__table__), rows)
        member_ids = [m for (m,) in db.session.execute(db.select(Member.id).order_by(Member.id))]
        db.session.execute(insert(WechatAccount.__table__), [
            {"openid": f"o-bench-{m}", "member_id": m, "created_at": now, "bound_at": now} for m in member_ids])
        accounts = dict(db.session.execute(db.select(WechatAccount.member_id, WechatAccount.id)).all())
        event = Event(branch_id=mobile.id, kind="theme_day", title="压测主题党日", lat=VENUE[0], lng=VENUE[1],
                      radius_m=300, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2),
                      place_name="压测会场", created_at=now)
        db.session.add(event)
        db.session.commit()
        tokens = [issue(Principal(kind="wechat", subject_id=accounts[m], roles=["member"], member_id=m), MEMBER_TOKEN_TTL)
                  for m in member_ids]
        return event.id, tokens


def fresh_code(app, event_id: int, at_least_s: int) -> str:
    """A check-in code that stays valid for the whole run."""
    from server.checkins import codes

    with app.app_context():
        while True:
            token, expires_in = codes.issue(event_id)
            if expires_in >= at_least_s:
                return token
            time.sleep(1)


def main(argv=None) -> None:
    args = common.arguments(__doc__, FULL, QUICK, load=True, argv=argv)
    started = time.time()
    app, db_url = common.fresh_app("checkins")
    event_id, tokens = seed(app, args.members)
    common.log(f"seeded {len(tokens)} members and event {event_id} in {time.time() - started:.1f} s")
    path = f"/api/v1/events/{event_id}/checkins"
    # The code must outlive both runs: it is only checked by the service, the bare app ignores it.
    body = json.dumps({"token": fresh_code(app, event_id, 2 * args.duration + 30), "lat": VENUE[0], "lng": VENUE[1],
                       "accuracy": 20})
    checkins, bare = common.compare_with_bare(args, common.service_env(db_url), path, tokens, "bearer", body=body)
    inserted = common.scalar(db_url, "SELECT count(*) FROM checkins")
    figures = common.load_figures("check-ins", checkins, bare, args)
    figures["rows inserted"] = (f"{inserted} check-ins ({inserted / checkins.seconds:,.0f} inserts/s) by "
                                f"{args.members} seeded members")
    common.report("bench_checkins", args, figures, headline=common.load_headline("check-ins/s", checkins, bare))


if __name__ == "__main__":
    main()
