"""Benchmark (not a test): check-ins per second on PostgreSQL + Redis under gunicorn, against the bare endpoint.

Works on a copy of the province data set at `--scale` members (bench/province.py: their past check-ins,
dues and roll-ups included), adds theme days happening now in every mobile branch, issues a member token
per member used, and drives POST /api/v1/events/{id}/checkins with wrk (32 connections). Every request is a
distinct (member, event) pair never checked in before, so each one does the full work of a first check-in
(insert, outbox row, activity stamp): the bench seeds enough pairs for RATE_BOUND check-ins/s over the whole
run, and after the run it counts the rows in the database against the 201 answers. In the same run the bare
one-route app is driven with the same requests under the same gunicorn settings. Prints check-ins/s, p50/p95/
p99, the ratio to the bare endpoint, what each request did, and each worker's RSS after the run.

    .venv/bin/python -m bench.bench_checkins [--quick] [--scale 100000] [--duration 15] [--connections 32]
"""
from __future__ import annotations

import json
import math
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common, load, province  # noqa: E402

VENUE = (30.59, 114.30)
FULL = {"scale": 100_000}
QUICK = {"scale": 1000}
RATE_BOUND = 2000  # check-ins/s the seeded pairs cover for the whole run (about 0.45× the bare endpoint here)
ROUNDS_MAX = 25  # a member may try 30 check-ins a minute (CHECKIN_RATE_MAX): stay below it


def seed(app, pairs: int, duration_s: int):
    """Theme days happening now and fresh (member, event) pairs; (a function making one request per pair with
    check-in codes valid for the next duration_s + 10 s (a turn of the bench), the event ids, a note, the number of pairs)."""
    from sqlalchemy import select

    from server.checkins import codes
    from server.checkins.models import Event
    from server.common.timeutil import utcnow
    from server.core.accounts import WechatAccount
    from server.core.members import Member
    from server.core.tokens import MEMBER_TOKEN_TTL, Principal, issue
    from server.extensions import db

    with app.app_context():
        eligible = db.session.execute(
            select(Member.id, Member.mobile_branch_id, WechatAccount.id).join(WechatAccount,
                                                                             WechatAccount.member_id == Member.id)
            .where(Member.status.in_(("active", "lost_contact")), Member.is_committee.is_(False))
            .order_by(Member.id)).all()
        step = max(1, len(eligible) // pairs)
        chosen = eligible[::step][:pairs]
        rounds = min(ROUNDS_MAX, math.ceil(pairs / len(chosen)))
        now = utcnow()
        events: dict[tuple[int, int], Event] = {}
        for k in range(rounds):
            for branch in sorted({b for _, b, _ in chosen}):
                events[k, branch] = Event(branch_id=branch, kind="theme_day", title=f"压测主题党日 {k}", lat=VENUE[0],
                                          lng=VENUE[1], radius_m=300, starts_at=now - timedelta(minutes=5),
                                          ends_at=now + timedelta(hours=2), place_name="压测会场", created_at=now)
        db.session.add_all(events.values())
        db.session.commit()
        tokens = {m: issue(Principal(kind="wechat", subject_id=account, roles=["member"], member_id=m),
                           MEMBER_TOKEN_TTL) for m, _, account in chosen}
        plan = [(events[k, branch].id, tokens[m]) for k in range(rounds) for m, branch, _ in chosen]
        note = (f"{len(plan):,} fresh (member, event) pairs: {len(chosen):,} members × {rounds} theme days "
                f"happening now in each of {len({b for _, b, _ in chosen})} mobile branches")
        ids = [e.id for e in events.values()]

    def requests() -> list[load.Request]:
        with app.app_context():
            at = codes_lasting(duration_s + 10)
            signed = {event_id: codes.issue(event_id, now=at)[0] for event_id in ids}
        return [load.Request("POST", f"/api/v1/events/{event_id}/checkins", token,
                             json.dumps({"token": signed[event_id], "lat": VENUE[0], "lng": VENUE[1], "accuracy": 20}))
                for event_id, token in plan]

    return requests, ids, note, len(plan)


def codes_lasting(seconds: int) -> float:
    """Now, or the next moment at which check-in codes live `seconds` more (they roll every 30 s)."""
    from server.checkins import codes

    for _ in range(70):  # bounded: within 35 s a fresh step starts
        now = time.time()
        if codes.issue(1, now=now)[1] >= seconds:
            return now
        time.sleep(0.5)
    raise RuntimeError(f"no check-in code lives {seconds} s")


def main(argv=None) -> None:
    args = common.arguments(__doc__, FULL, QUICK, load=True, argv=argv)
    if args.duration > 45:
        raise SystemExit("--duration is at most 45 s: the check-in codes the bench signs live at most 60 s")
    app, db_url = common.copy_app("checkins", province.ensure(args.scale))
    started = time.time()
    requests, event_ids, note, pairs = seed(app, RATE_BOUND * args.duration, load.slices(args.duration)[1])
    common.dispose(app)
    common.log(f"seeded {note} in {time.time() - started:.1f} s")
    run = load.compare_with_bare(args, common.service_env(db_url), requests)
    ids = ",".join(map(str, event_ids))
    inserted = common.scalar(db_url, f"SELECT count(*) FROM checkins WHERE event_id IN ({ids})")
    outbox = common.scalar(db_url, f"SELECT count(*) FROM outbox_changes WHERE type = 'checkin.created' "
                                   f"AND CAST(data->>'event_id' AS int) IN ({ids})")
    s = run.service.statuses
    figures = load.load_figures("check-ins", run, args)
    figures.update({
        "requests that did the full work": (
            f"{s['201']} of {run.service.answered} answered (201 new check-in); 200 repeat {s['200']}, "
            f"429 {s['429']}, other 4xx {s['4xx']}, 5xx {s['5xx']}"),
        "verified in the database": (f"{inserted} check-in rows and {outbox} outbox rows for the bench's theme days "
                                     f"(≥ the 201s: the unmeasured warm-up turn's and those in flight when a turn stops are stored but not counted)"),
        "requests available": f"{note}; {'enough' if run.service.next_line <= pairs else 'RAN OUT'} "
                              f"for the {run.service.next_line} lines reached (the warm-up turn's included)",
        "worker RSS after the run": load.rss_figure(run),
        "data set": f"copy of the province data set at scale {args.scale:,} members",
    })
    common.report("bench_checkins", args, figures, headline={
        **load.load_headline("check-ins/s", run), "full work": f"{s['201']}/{run.service.answered}",
        "worker RSS": f"max {max(run.worker_rss_mb, default=0):.0f} MB"})


if __name__ == "__main__":
    main()
