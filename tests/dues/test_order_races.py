"""Money review, concurrency: refunds, reconciliation and notices racing on one order (PostgreSQL row locks)."""
import pytest
from sqlalchemy import func, select

from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues import notices
from server.dues.models import DuesLedgerEntry, DuesOrder
from server.dues.tasks import reconcile_pending_orders
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.dues.helpers import backdate_order, order, pay, run_threads
from tests.factories import bearer, months_ago

pytestmark = pytest.mark.postgresql


def _count(kind):
    return db.session.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.type == kind))


def test_two_refunds_at_once_refund_and_reverse_once(app, client, token, member, township_admin):
    no = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    pay(app, client, no)
    codes = run_threads(app, 4, lambda i: app.test_client().post(
        f"/api/v1/dues/orders/{no}/refund", json={"reason": "重复"}, headers=bearer(township_admin)).status_code)
    assert sorted(codes) == [200, 409, 409, 409], codes
    db.session.expire_all()
    entries = db.session.scalars(select(DuesLedgerEntry)).all()
    assert len(entries) == 4 and sum(e.amount_fen for e in entries) == 0
    assert _count("dues.refunded") == 1
    assert db.session.get(Member, member.id).paid_through is None


def test_notices_racing_the_reconciliation_job_credit_once(app, client, token, member):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, no)
    backdate_order(no)

    def work(i):
        if i % 2:
            return app.test_client().post("/api/v1/pay/wechat/notify", data=xml,
                                          content_type="text/xml").status_code
        return reconcile_pending_orders()

    results = run_threads(app, 6, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    reconcile_pending_orders()  # idempotent: nothing pending any more
    db.session.expire_all()
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == no)) == "paid"
    assert db.session.scalar(select(func.count()).select_from(DuesLedgerEntry)) == 1
    assert _count("dues.paid") == 1
    assert db.session.get(Member, member.id).paid_through == months_ago(3)


def test_a_notice_racing_a_refund_of_a_paid_after_close_order_leaves_no_claim(app, client, token, member,
                                                                             township_admin):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, no)
    notices.close_locally(db.session.scalar(select(DuesOrder.id).where(DuesOrder.order_no == no)))
    db.session.commit()

    def work(i):
        if i == 0:
            return app.test_client().post(f"/api/v1/dues/orders/{no}/refund", json={"reason": "超时支付"},
                                          headers=bearer(township_admin)).status_code
        return app.test_client().post("/api/v1/pay/wechat/notify", data=xml, content_type="text/xml").status_code

    run_threads(app, 2, work)
    db.session.expire_all()
    status = db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == no))
    ledger = db.session.scalar(select(func.coalesce(func.sum(DuesLedgerEntry.amount_fen), 0)))
    # Either the notice revived it first (paid, credited; the refund saw it paid and reversed it) or the refund
    # went first (refunded, nothing credited). Both leave the money and the ledger consistent, months free.
    assert status == "refunded" and ledger == 0
    assert order(client, token, [months_ago(3)]).status_code == 201
