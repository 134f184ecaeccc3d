"""Benchmark: check-ins per second against the bare-endpoint ceiling (prints figures; not a test).

Seeds one event with thousands of members, each with a live member token, then drives
POST /api/v1/events/{id}/checkins with wrk, every request a different member (a real insert with its
outbox row), and the bare one-route app under the same gunicorn settings.
Run: .venv/bin/python -m bench.bench_checkins  (PostgreSQL on 127.0.0.1:5432, Redis db 9; loopback only)
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import common

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "12000"))
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
VENUE = (30.5928, 114.3055)


def seed(app) -> tuple[int, list[str]]:
    """One mobile branch, MEMBERS members with WeChat accounts and tokens, one event happening now."""
    from sqlalchemy import insert

    from server.auth.models import WechatAccount
    from server.auth.tokens import MEMBER_TOKEN_TTL, Principal, issue
    from server.checkins.models import Event
    from server.common.crypto import encrypt, lookup_hash
    from server.common.timeutil import utcnow
    from server.extensions import db
    from server.members.models import Member
    from server.orgs.models import Branch, Township

    with app.app_context():
        township = Township(name="压测镇")
        db.session.add(township)
        db.session.flush()
        mobile = Branch(township_id=township.id, kind="mobile", name="压测镇流动党员党支部")
        village = Branch(township_id=township.id, kind="village", name="压测村党支部")
        db.session.add_all([mobile, village])
        db.session.flush()
        now = utcnow()
        rows = []
        for i in range(MEMBERS):
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


def count_checkins(app) -> int:
    from sqlalchemy import func, select

    from server.checkins.models import Checkin
    from server.extensions import db

    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Checkin)).scalar_one()


def main() -> None:
    common.ensure_wrk()
    started = time.time()
    common.fresh_database()
    app = common.make_app()
    event_id, tokens = seed(app)
    print(f"seeded {len(tokens)} members and event {event_id} in {time.time() - started:.1f} s; "
          f"gunicorn workers={common.WORKERS}, wrk connections={common.CONNECTIONS}, duration={DURATION_S} s")
    token_file = Path(tempfile.mkstemp(prefix="bench-tokens-")[1])
    token_file.write_text("\n".join(tokens) + "\n")
    try:
        with common.gunicorn("server:create_app()") as base:
            body = json.dumps({"token": fresh_code(app, event_id, DURATION_S + 5), "lat": VENUE[0],
                               "lng": VENUE[1], "accuracy": 20})
            checkins = common.run_wrk(
                f"{base}/api/v1/events/{event_id}/checkins", DURATION_S, str(Path(__file__).with_name("checkins.lua")),
                env={"BENCH_TOKENS": str(token_file), "BENCH_PATH": f"/api/v1/events/{event_id}/checkins",
                     "BENCH_BODY": body, "BENCH_THREADS": str(common.THREADS)})
        bare = common.bare_baseline(DURATION_S)
    finally:
        token_file.unlink()
    inserted = count_checkins(app)
    print(common.describe("check-ins", checkins))
    print(f"  {checkins.extra.removeprefix('bench: ')}; rows inserted: {inserted} "
          f"({inserted / checkins.seconds:.0f} inserts/s)")
    print(common.describe("bare endpoint", bare))
    print(f"check-ins / bare = {checkins.rps / bare.rps:.3f}")


if __name__ == "__main__":
    main()
