"""A refund WeChat answers ORDERNOTEXIST for is a permanent failure: 409 `wechat_order_missing` with a Chinese
reason, and nothing in the database changes (issue 9). Unreachable WeChat stays a retryable 503."""
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from server.common.timeutil import utcnow
from server.core.audit import AuditEntry
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues import notices
from server.dues.models import DuesLedgerEntry, DuesMonthClaim, DuesOrder
from server.dues.orders import new_order_no
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.dues.helpers import order, pay
from tests.factories import bearer, months_ago


def _refund(client, headers, order_no):
    return client.post(f"/api/v1/dues/orders/{order_no}/refund", json={"reason": "重复缴纳"}, headers=headers)


def _snapshot(member_id: int) -> dict:
    db.session.expire_all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return {
        "orders": sorted(db.session.execute(select(DuesOrder.order_no, DuesOrder.status, DuesOrder.refunded_at)).all()),
        "ledger": db.session.execute(select(func.count(), func.sum(DuesLedgerEntry.amount_fen))).one(),
        "claims": count(DuesMonthClaim), "outbox": count(OutboxChange), "audit": count(AuditEntry),
        "paid_through": db.session.get(Member, member_id).paid_through,
    }


def _assert_permanent_failure(resp):
    assert resp.status_code == 409, resp.get_json()
    body = resp.get_json()
    assert body["code"] == "wechat_order_missing"
    assert "微信支付查无此订单" in body["message"]


def test_refund_of_an_order_wechat_has_forgotten_is_409_and_changes_nothing(app, client, token, member,
                                                                           township_admin):
    no = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    pay(app, client, no)
    before = _snapshot(member.id)
    assert before["paid_through"] == months_ago(2)
    emu_pay.forget_order(app.config, no)

    _assert_permanent_failure(_refund(client, bearer(township_admin), no))
    assert _snapshot(member.id) == before
    # Not retryable: asking again answers the same, still without touching anything.
    _assert_permanent_failure(_refund(client, bearer(township_admin), no))
    assert _snapshot(member.id) == before


def test_refund_of_a_credited_order_wechat_never_saw_is_409_and_changes_nothing(app, client, member, township_admin):
    paid_at = utcnow() - timedelta(days=3)
    row = DuesOrder(order_no=new_order_no(), member_id=member.id, township_id=member.township_id,
                    branch_id=member.mobile_branch_id, kind="special", months=[], amount_fen=5000, status="pending",
                    openid="o-never-at-wechat", created_at=paid_at, expires_at=paid_at + timedelta(hours=2))
    db.session.add(row)
    db.session.flush()
    notices.settle(row.id, "4200" + secrets.token_hex(12), paid_at)
    db.session.commit()
    before = _snapshot(member.id)

    _assert_permanent_failure(_refund(client, bearer(township_admin), row.order_no))
    assert _snapshot(member.id) == before


def test_wechat_unreachable_at_refund_time_is_still_a_retryable_503(app, client, token, member, township_admin,
                                                                   monkeypatch):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    pay(app, client, no)
    before = _snapshot(member.id)
    monkeypatch.setitem(app.config, "WECHAT_EMULATOR", False)
    monkeypatch.setitem(app.config, "WECHAT_PAY_API_BASE", "http://127.0.0.1:9/")  # discard port: refused
    resp = _refund(client, bearer(township_admin), no)
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"
    assert _snapshot(member.id) == before
    monkeypatch.undo()
    assert _refund(client, bearer(township_admin), no).status_code == 200
