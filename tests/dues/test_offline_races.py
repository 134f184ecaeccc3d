"""Real concurrency on PostgreSQL: two secretaries, or a secretary and a WeChat order, taking one month at once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues.models import DuesLedgerEntry, DuesMonthClaim, DuesOrder, DuesPayment
from server.extensions import db
from tests.dues.helpers import order, run_threads
from tests.dues.offline_helpers import record, reverse
from tests.factories import months_ago

pytestmark = pytest.mark.postgresql


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_secretaries_recording_the_same_month_credit_it_once(app, member, secretary, township_admin):
    tokens = [secretary, township_admin]

    def work(i):
        resp = record(app.test_client(), tokens[i % 2], member, [months_ago(3)])
        return resp.status_code, resp.get_json().get("code")

    results = run_threads(app, 4, work)
    assert sorted(r[0] for r in results) == [201, 409, 409, 409], results
    assert {r[1] for r in results if r[0] == 409} == {"month_already_paid"}
    db.session.expire_all()
    assert _count(DuesPayment) == 1 and _count(DuesLedgerEntry) == 1
    assert _count(OutboxChange, OutboxChange.type == "dues.paid") == 1
    assert db.session.get(Member, member.id).paid_through == months_ago(3)


def test_an_offline_entry_racing_a_wechat_order_lets_only_one_take_the_month(app, member, token, secretary):
    def work(i):
        client = app.test_client()
        if i % 2:
            return "offline", record(client, secretary, member, [months_ago(3)]).status_code
        return "order", order(client, token, [months_ago(3)]).status_code

    results = run_threads(app, 4, work)
    winners = [r for r in results if r[1] in (200, 201)]
    assert winners and len({kind for kind, _ in winners}) == 1, results
    assert all(code in (200, 201, 409, 422) for _, code in results), results
    db.session.expire_all()
    assert _count(DuesMonthClaim, DuesMonthClaim.month == months_ago(3)) == 1
    pending = _count(DuesOrder, DuesOrder.status == "pending")
    if winners[0][0] == "offline":
        assert _count(DuesPayment) == 1 and _count(DuesLedgerEntry) == 1 and pending == 0
    else:
        assert _count(DuesPayment) == 0 and pending == 1


def test_two_reversals_at_once_reverse_once(app, client, member, secretary):
    payment = record(client, secretary, member, [months_ago(3)]).get_json()["payment"]
    codes = run_threads(app, 4, lambda i: reverse(app.test_client(), secretary, payment["id"]).status_code)
    assert sorted(codes) == [200, 409, 409, 409], codes
    db.session.expire_all()
    assert _count(DuesPayment, DuesPayment.entry_type == "reversal") == 1
    assert _count(OutboxChange, OutboxChange.type == "dues.refunded") == 1
    assert db.session.scalar(select(func.sum(DuesLedgerEntry.amount_fen))) == 0
