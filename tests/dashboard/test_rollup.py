"""The outbox roll-up: exact, idempotent, and blind to no late commit."""
import threading

import pytest
from sqlalchemy import func, select

from server.core.outbox import OutboxChange
from server.dashboard import rollup
from server.dashboard.models import BranchMonthStats, MemberMonthActivity, RollupGap
from server.extensions import db
from server.members.service import change_status
from tests.dashboard.conftest import checkin, paid, refunded, report
from tests.factories import make_branch, make_member

M = "2026-03"


def stats(branch, month=M) -> dict:
    row = db.session.get(BranchMonthStats, (branch.township_id, branch.id, month))
    if row is None:
        return {}
    return {c: getattr(row, c) for c in ("reported_members", "checkin_members", "paid_members", "checkins",
                                         "paid_fen", "special_fen", "refunded_fen")}


def test_at_least_once_a_month_is_counted_once_per_member(ctx):
    branch = make_branch()
    a, b, _ = make_member(branch), make_member(branch), make_member(branch)
    checkin(a, M), checkin(a, M), checkin(b, M), checkin(b, "2026-04")
    report(a, M), report(a, M)

    assert rollup.run() == 6
    assert stats(branch) == {"reported_members": 1, "checkin_members": 2, "paid_members": 0, "checkins": 3,
                             "paid_fen": 0, "special_fen": 0, "refunded_fen": 0}
    assert stats(branch, "2026-04")["checkin_members"] == 1
    act = db.session.get(MemberMonthActivity, (a.id, M))
    assert (act.checkins, act.reports) == (2, 2)


def test_running_again_applies_nothing_twice(ctx):
    branch = make_branch()
    member = make_member(branch)
    checkin(member, M)
    paid(member, M, 1500)
    assert rollup.run() == 2
    assert rollup.run() == 0
    assert rollup.run() == 0
    assert stats(branch)["checkins"] == 1 and stats(branch)["paid_fen"] == 1500

    checkin(member, M)
    assert rollup.run() == 1
    assert stats(branch)["checkins"] == 2 and stats(branch)["checkin_members"] == 1


def test_small_batches_give_the_same_figures(ctx):
    branch = make_branch()
    members = [make_member(branch) for _ in range(4)]
    for i in range(23):
        checkin(members[i % 4], M)
    assert rollup.run(batch_size=5) == 23
    assert stats(branch)["checkins"] == 23 and stats(branch)["checkin_members"] == 4


def _insert_outbox(id_, kind, member, data):
    db.session.add(OutboxChange(id=id_, type=kind, member_id=member.id, township_id=member.township_id, data=data))
    db.session.commit()


def test_a_row_committing_after_a_later_id_is_still_applied(ctx):
    """Id 2 becomes visible after id 3 (a slow transaction): the gap is remembered and filled."""
    branch = make_branch()
    member, other = make_member(branch), make_member(branch)
    data = {"event_month": M, "event_id": 1, "checkin_id": 1}
    _insert_outbox(1, "checkin.created", member, data)
    _insert_outbox(3, "checkin.created", member, data)
    assert rollup.run() == 2
    assert db.session.scalars(select(RollupGap.outbox_id)).all() == [2]

    _insert_outbox(2, "checkin.created", other, data)
    assert rollup.run() == 1
    assert stats(branch)["checkins"] == 3 and stats(branch)["checkin_members"] == 2
    assert db.session.scalar(select(func.count()).select_from(RollupGap)) == 0
    assert rollup.run() == 0
    assert stats(branch)["checkins"] == 3


def test_a_gap_of_a_rolled_back_insert_is_dropped_after_the_grace(ctx, monkeypatch):
    branch = make_branch()
    member = make_member(branch)
    _insert_outbox(1, "checkin.created", member, {"event_month": M})
    _insert_outbox(5, "checkin.created", member, {"event_month": M})
    rollup.run()
    assert db.session.scalar(select(func.count()).select_from(RollupGap)) == 3
    rollup.run()
    assert db.session.scalar(select(func.count()).select_from(RollupGap)) == 3, "young gaps are kept"

    monkeypatch.setattr(rollup, "GAP_GRACE", rollup.GAP_GRACE * 0)
    rollup.run()
    assert db.session.scalar(select(func.count()).select_from(RollupGap)) == 0
    assert stats(branch)["checkins"] == 2


@pytest.mark.postgresql  # SQLite has one writer at a time: ids cannot become visible out of order
def test_real_concurrent_transaction_committing_late(app):
    """On PostgreSQL: a transaction holds id N uncommitted while N+1 commits and the roll-up runs."""
    with app.app_context():
        branch = make_branch()
        slow_member, fast_member = make_member(branch), make_member(branch)
        slow_id, fast_id, branch_id = slow_member.id, fast_member.id, branch.id
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        with app.app_context():
            from server.core.members import Member
            checkin(db.session.get(Member, slow_id), M, commit=False)
            db.session.flush()
            held.set()
            release.wait(10)
            db.session.commit()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert held.wait(10)
    with app.app_context():
        from server.core.members import Member
        checkin(db.session.get(Member, fast_id), M)
        assert rollup.run() == 1
        assert db.session.scalar(select(func.count()).select_from(RollupGap)) == 1
        release.set()
        assert done.wait(10)
        thread.join()
        assert rollup.run() == 1
        from server.core.orgs import Branch
        branch = db.session.get(Branch, branch_id)
        assert stats(branch)["checkin_members"] == 2 and stats(branch)["checkins"] == 2


def test_concurrent_runners_and_writers_count_every_change_once(app):
    with app.app_context():
        branch = make_branch()
        members = [make_member(branch) for _ in range(5)]
        member_ids = [m.id for m in members]
        branch_id = branch.id
    errors = []

    def writer(n):
        try:
            with app.app_context():
                from server.core.members import Member
                for i in range(10):
                    checkin(db.session.get(Member, member_ids[(n + i) % 5]), M)
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    def runner():
        try:
            with app.app_context():
                for _ in range(5):
                    rollup.run(batch_size=7)
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)] + [
        threading.Thread(target=runner) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        from server.core.orgs import Branch
        branch = db.session.get(Branch, branch_id)
        rollup.run()
        assert stats(branch)["checkins"] == 30
        assert stats(branch)["checkin_members"] == 5
        assert sum(a.checkins for a in db.session.scalars(select(MemberMonthActivity))) == 30


def test_refund_subtracts_from_the_month_of_the_payment(ctx):
    branch = make_branch()
    member = make_member(branch)
    paid(member, M, 1000, order_no="D1")
    paid(member, M, 50000, kind="special", order_no="S1")
    rollup.run()
    assert stats(branch)["paid_fen"] == 51000 and stats(branch)["paid_members"] == 1

    refunded(member, M, 1000, order_no="D1")
    rollup.run()
    assert stats(branch)["paid_fen"] == 50000
    assert stats(branch)["refunded_fen"] == 1000
    assert stats(branch)["special_fen"] == 50000
    assert stats(branch)["paid_members"] == 0, "the only monthly payment was refunded"


def test_leaving_active_status_takes_the_member_out_of_the_counters(ctx):
    branch = make_branch()
    member, other = make_member(branch), make_member(branch)
    checkin(member, M), checkin(other, M), report(member, "2026-02")
    rollup.run()
    assert stats(branch)["checkin_members"] == 2

    change_status(member.id, "returned", "已返乡", "county")
    rollup.run()
    assert stats(branch)["checkin_members"] == 1
    assert stats(branch, "2026-02")["reported_members"] == 0
    assert stats(branch)["checkins"] == 2, "volumes stay"

    change_status(member.id, "active", "再次外出", "county")
    checkin(member, M)
    rollup.run()
    assert stats(branch)["checkin_members"] == 2
    assert stats(branch, "2026-02")["reported_members"] == 1


def test_status_change_still_queued_when_the_member_is_first_seen(ctx):
    """The roll-up reads today's status at first sight, then replays the queued change: no double count."""
    branch = make_branch()
    member = make_member(branch)
    checkin(member, M)
    change_status(member.id, "lost_contact", "六个月未联系", "county")
    rollup.run()
    assert stats(branch)["checkin_members"] == 0

    change_status(member.id, "active", "已联系上", "county")
    rollup.run()
    assert stats(branch)["checkin_members"] == 1


def test_moving_to_another_branch_moves_the_monthly_flags(ctx):
    branch, other_branch = make_branch(), make_branch()
    member = make_member(branch)
    checkin(member, M)
    rollup.run()
    from server.core.member_changes import record_member_upserted

    member.mobile_branch_id, member.township_id = other_branch.id, other_branch.township_id
    db.session.flush()
    db.session.refresh(member)
    record_member_upserted(member)
    db.session.commit()
    rollup.run()
    assert stats(branch)["checkin_members"] == 0
    assert stats(other_branch)["checkin_members"] == 1
