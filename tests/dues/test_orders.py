"""Orders, WeChat Pay notices, reconciliation and refunds, end to end through the pay emulator."""
from datetime import timedelta

import pytest
import xmltodict
from sqlalchemy import func, select, update
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from server.common.timeutil import current_month, utcnow
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues import orders as dues_orders
from server.dues.models import DuesLedgerEntry, DuesMonthClaim, DuesOrder, PayNotice
from server.dues.tasks import reconcile_pending_orders
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.dues.helpers import backdate_order, notify, order, pay, run_threads
from tests.factories import (
    bearer,
    make_branch,
    make_paying_member,
    member_token,
    months_ago,
    staff_token,
)

SUCCESS = "<return_code><![CDATA[SUCCESS]]></return_code>"


def owed_months(client, token):
    return [o["month"] for o in client.get("/api/v1/me/dues", headers=bearer(token)).get_json()["owed"]]


def outbox(kind):
    return db.session.scalars(select(OutboxChange).where(OutboxChange.type == kind).order_by(OutboxChange.id)).all()


def ledger_count():
    return db.session.scalar(select(func.count()).select_from(DuesLedgerEntry))


def test_me_dues_lists_owed_months_from_the_start_month(client, token, member):
    body = client.get("/api/v1/me/dues", headers=bearer(token)).get_json()
    assert body["monthly_fen"] == 1500
    assert body["paid_through"] is None
    assert body["owed"] == [{"month": months_ago(n), "amount_fen": 1500} for n in (3, 2, 1, 0)]


def test_order_then_notice_credits_the_months_once(app, client, token, member):
    months = [months_ago(3), months_ago(2)]
    resp = order(client, token, months)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["amount_fen"] == 3000 and body["status"] == "pending" and body["months"] == months
    assert set(body["pay_params"]) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert body["pay_params"]["package"].startswith("prepay_id=wx")
    params = {"appId": app.config["WECHAT_APPID"], **{k: v for k, v in body["pay_params"].items() if k != "paySign"}}
    assert calculate_signature(params, app.config["WECHAT_PAY_API_KEY"]) == body["pay_params"]["paySign"]

    answer = pay(app, client, body["order_no"])
    assert answer.status_code == 200 and SUCCESS in answer.get_data(as_text=True)
    assert owed_months(client, token) == [months_ago(1), months_ago(0)]
    db.session.expire_all()
    m = db.session.get(Member, member.id)
    assert m.paid_through == months_ago(2) and m.last_activity_at is not None
    status = client.get(f"/api/v1/dues/orders/{body['order_no']}", headers=bearer(token)).get_json()
    assert status["status"] == "paid" and status["paid_at"] and status["months"] == months
    [paid] = outbox("dues.paid")
    assert paid.data["order_no"] == body["order_no"] and paid.data["amount_fen"] == 3000
    assert paid.data["months"] == [{"month": m, "amount_fen": 1500} for m in months]
    assert paid.data["paid_through"] == months_ago(2) and paid.data["transaction_id"]
    assert paid.data["paid_month"] == current_month()
    # WeChat repeats the notice: still SUCCESS, nothing credited twice.
    repeat = notify(client, emu_pay.payment_notice(app.config, body["order_no"]))
    assert SUCCESS in repeat.get_data(as_text=True)
    assert len(outbox("dues.paid")) == 1 and ledger_count() == 2
    assert db.session.scalar(select(func.count()).select_from(PayNotice)) == 2


def test_ten_concurrent_copies_of_a_notice_credit_once(app, client, token, member):
    order_no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, order_no)
    answers = run_threads(app, 10, lambda i: app.test_client().post(
        "/api/v1/pay/wechat/notify", data=xml, content_type="text/xml").get_data(as_text=True))
    assert all(isinstance(a, str) and SUCCESS in a for a in answers), answers
    db.session.expire_all()
    assert len(outbox("dues.paid")) == 1
    assert ledger_count() == 1
    assert db.session.get(Member, member.id).paid_through == months_ago(3)


def _tampered(app, order_no, **changes):
    fields = dict(xmltodict.parse(emu_pay.payment_notice(app.config, order_no))["xml"])
    fields.pop("sign")
    fields.update(changes)
    return dict_to_xml(fields, calculate_signature(fields, app.config["WECHAT_PAY_API_KEY"]))


@pytest.mark.parametrize("forgery", ["amount", "sign", "appid", "mch_id", "garbage"])
def test_forged_or_mismatched_notices_fail_and_change_nothing(app, client, token, member, forgery):
    order_no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    emu_pay.lose_notice(app.config, order_no)  # paid at WeChat; only the notice is forged
    good = emu_pay.payment_notice(app.config, order_no)
    xml = {
        "amount": lambda: _tampered(app, order_no, total_fee="1", cash_fee="1"),
        "sign": lambda: good.replace("<total_fee>1500</total_fee>", "<total_fee>1</total_fee>"),
        "appid": lambda: _tampered(app, order_no, appid="wxattacker000000"),
        "mch_id": lambda: _tampered(app, order_no, mch_id="1234567890"),
        "garbage": lambda: "<xml><a>1</b>",
    }[forgery]()
    answer = notify(client, xml)
    assert answer.status_code == 200
    assert "<return_code><![CDATA[FAIL]]></return_code>" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(DuesOrder.status)) == "pending"
    assert ledger_count() == 0 and outbox("dues.paid") == []
    assert db.session.get(Member, member.id).paid_through is None


def test_notice_for_an_unknown_order_fails(app, client):
    fields = {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": app.config["WECHAT_APPID"],
              "mch_id": app.config["WECHAT_PAY_MCH_ID"], "out_trade_no": "DF000", "total_fee": "1500",
              "transaction_id": "42", "nonce_str": "x"}
    xml = dict_to_xml(fields, calculate_signature(fields, app.config["WECHAT_PAY_API_KEY"]))
    assert "FAIL" in notify(client, xml).get_data(as_text=True)


def test_lost_notice_is_recovered_by_orderquery_on_read(app, client, token, member):
    order_no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    emu_pay.lose_notice(app.config, order_no)
    fresh = client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(token)).get_json()
    assert fresh["status"] == "pending"  # younger than 10 s: not queried yet
    backdate_order(order_no)
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(token)).get_json()["status"] == "paid"
    assert len(outbox("dues.paid")) == 1
    assert owed_months(client, token) == [months_ago(2), months_ago(1), months_ago(0)]


def test_periodic_reconciliation_credits_lost_notices_and_closes_expired_orders(app, client, token, member):
    from datetime import timedelta

    from sqlalchemy import update

    from server.common.timeutil import utcnow

    paid_no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    emu_pay.lose_notice(app.config, paid_no)
    other = member_token(make_paying_member(member.mobile_branch, joined_months_ago=1))
    stale_no = order(client, other, [months_ago(1)]).get_json()["order_no"]
    backdate_order(paid_no)
    db.session.execute(update(DuesOrder).where(DuesOrder.order_no == stale_no)
                       .values(created_at=utcnow() - timedelta(hours=3), expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    with app.app_context():
        reconcile_pending_orders()
        db.session.remove()
    db.session.expire_all()
    statuses = dict(db.session.execute(select(DuesOrder.order_no, DuesOrder.status)).all())
    assert statuses == {paid_no: "paid", stale_no: "closed"}
    # The closed order's month is free again and can be ordered anew.
    assert order(client, other, [months_ago(1)]).status_code == 201


def test_refund_reverses_the_ledger_and_the_months_are_owed_again(app, client, token, member, township_admin):
    first = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    pay(app, client, first)
    second = order(client, token, [months_ago(1)]).get_json()["order_no"]
    pay(app, client, second)
    assert owed_months(client, token) == [months_ago(0)]
    secretary = staff_token("branch_secretary", member.mobile_branch_id)
    assert client.post(f"/api/v1/dues/orders/{first}/refund", json={"reason": "重复缴纳"},
                       headers=bearer(secretary)).status_code == 403
    assert client.post(f"/api/v1/dues/orders/{first}/refund", json={"reason": ""},
                       headers=bearer(township_admin)).status_code == 422
    resp = client.post(f"/api/v1/dues/orders/{first}/refund", json={"reason": "重复缴纳"}, headers=bearer(township_admin))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "refunded"
    assert owed_months(client, token) == [months_ago(3), months_ago(2), months_ago(0)]
    entries = db.session.scalars(select(DuesLedgerEntry).order_by(DuesLedgerEntry.id)).all()
    assert [e.amount_fen for e in entries] == [1500, 1500, 1500, -1500, -1500]
    assert [e.reverses_id for e in entries[3:]] == [entries[0].id, entries[1].id]
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through is None
    [refunded] = outbox("dues.refunded")
    assert refunded.data["order_no"] == first and refunded.data["reason"] == "重复缴纳"
    assert refunded.data["paid_through"] is None and refunded.data["amount_fen"] == 3000
    again = client.post(f"/api/v1/dues/orders/{first}/refund", json={"reason": "再退"}, headers=bearer(township_admin))
    assert again.status_code == 409
    # Paying the refunded months again joins them up with the later paid month.
    third = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    pay(app, client, third)
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == months_ago(1)


def test_a_pending_month_blocks_other_orders_but_the_same_months_return_the_same_order(client, token, member):
    first = order(client, token, [months_ago(3), months_ago(2)])
    same = order(client, token, [months_ago(3), months_ago(2)])
    assert same.status_code == 200 and same.get_json()["order_no"] == first.get_json()["order_no"]
    assert same.get_json()["pay_params"]["package"] == first.get_json()["pay_params"]["package"]
    overlap = order(client, token, [months_ago(3)])
    assert overlap.status_code == 409
    assert overlap.get_json()["code"] == "order_pending"
    assert overlap.get_json()["order_no"] == first.get_json()["order_no"]


def test_order_pending_tells_the_blocking_order_and_how_to_resume_it(client, token, member):
    first = order(client, token, [months_ago(3)]).get_json()
    blocked = order(client, token, [months_ago(3), months_ago(2)])
    assert blocked.status_code == 409
    body = blocked.get_json()
    assert body["code"] == "order_pending" and body["order_no"] == first["order_no"]
    assert body["months"] == [months_ago(3)] and body["amount_fen"] == 1500 and body["resumable"] is True
    resumed = order(client, token, body["months"])
    assert resumed.status_code == 200 and resumed.get_json()["order_no"] == first["order_no"]
    assert resumed.get_json()["pay_params"]["package"] == first["pay_params"]["package"]


def test_an_expired_blocking_order_is_not_resumable(client, token, member, monkeypatch):
    first = order(client, token, [months_ago(3)]).get_json()
    db.session.execute(update(DuesOrder).where(DuesOrder.order_no == first["order_no"])
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    monkeypatch.setattr(dues_orders, "reconcile_order", lambda order_no: None)  # WeChat unreachable: still pending
    body = order(client, token, [months_ago(3), months_ago(2)]).get_json()
    assert body["code"] == "order_pending" and body["order_no"] == first["order_no"] and body["resumable"] is False


def test_concurrent_orders_for_the_same_month_create_one(app, client, token, member):
    tokens = [token] + [token] * 7
    months = [[months_ago(3)], [months_ago(3), months_ago(2)]]
    results = run_threads(app, 8, lambda i: app.test_client().post(
        "/api/v1/dues/orders", json={"months": months[i % 2]}, headers=bearer(tokens[i])).status_code)
    assert all(code in (200, 201, 409) for code in results), results
    assert results.count(201) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DuesOrder)) == 1


def test_months_outside_six_each_way_are_refused_naming_them(client, member):
    old = make_paying_member(member.mobile_branch, joined_months_ago=9)
    token = member_token(old)
    resp = order(client, token, [months_ago(8)])
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "months_out_of_window" and months_ago(8) in body["message"]
    assert body["months"] == [months_ago(8)]
    # Arrears older than the window cannot be paid in the app: the member is sent to the branch.
    inside = order(client, token, [months_ago(6)])
    assert inside.status_code == 422 and inside.get_json()["code"] == "months_out_of_window"
    assert months_ago(9) in inside.get_json()["message"]
    ahead = order(client, member_token(member), [months_ago(n) for n in range(3, -8, -1)])
    assert ahead.status_code == 422 and months_ago(-7) in ahead.get_json()["message"]


def test_months_must_be_the_earliest_unpaid_in_order(app, client, token, member):
    skip = order(client, token, [months_ago(2)])
    assert skip.status_code == 422 and skip.get_json()["code"] == "months_not_in_order"
    assert skip.get_json()["expected"] == [months_ago(3)]
    assert order(client, token, [months_ago(3), months_ago(3)]).status_code == 422
    assert order(client, token, ["2026-13"]).status_code == 422
    paid = order(client, token, [months_ago(3)]).get_json()["order_no"]
    pay(app, client, paid)
    again = order(client, token, [months_ago(3)])
    assert again.status_code == 422 and again.get_json()["code"] == "months_already_paid"
    ahead = order(client, token, [months_ago(n) for n in range(2, -7, -1)])
    assert ahead.status_code == 201 and ahead.get_json()["amount_fen"] == 9 * 1500


def test_no_client_amount_for_monthly_dues(client, token, member):
    resp = client.post("/api/v1/dues/orders", json={"months": [months_ago(3)], "amount_fen": 1}, headers=bearer(token))
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(DuesOrder)) == 0


def test_unknown_or_foreign_order_numbers_are_404(client, token, member):
    assert client.get("/api/v1/dues/orders/DF-nope", headers=bearer(token)).status_code == 404
    order_no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    stranger = member_token(make_paying_member(member.mobile_branch))
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(stranger)).status_code == 404
    outsider = staff_token("branch_secretary", make_branch().id)
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(outsider)).status_code == 404
    admin = staff_token("township_admin", member.township_id)
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(admin)).status_code == 200
    assert client.post("/api/v1/dues/orders/DF-nope/refund", json={"reason": "x"}, headers=bearer(admin)).status_code == 404


def test_my_orders_are_paged(client, token, member):
    order(client, token, [months_ago(3)])
    body = client.get("/api/v1/me/dues/orders?per_page=5", headers=bearer(token)).get_json()
    assert [o["months"] for o in body["orders"]] == [[months_ago(3)]]
    assert client.get("/api/v1/me/dues", headers=bearer(staff_token())).status_code == 403


def test_wechat_down_at_order_time_is_503_and_frees_the_months(client, token, member, monkeypatch):
    from server.wechat import gateway

    def down(**kwargs):
        raise gateway.WechatUnavailable("unifiedorder", "ConnectionError")

    monkeypatch.setattr(gateway, "unified_order", down)
    resp = order(client, token, [months_ago(3)])
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"
    # The order and its month claims were one unit with the WeChat call: rolled back, nothing left behind.
    assert db.session.scalar(select(func.count()).select_from(DuesOrder)) == 0
    assert db.session.scalar(select(func.count()).select_from(DuesMonthClaim)) == 0
    monkeypatch.undo()
    assert order(client, token, [months_ago(3)]).status_code == 201
    statuses = sorted(db.session.scalars(select(DuesOrder.status)))
    assert statuses == ["pending"]


def test_wechat_down_while_settling_an_expired_blocking_order_is_503(client, token, member, monkeypatch):
    from server.wechat import gateway

    first = order(client, token, [months_ago(3)]).get_json()
    db.session.execute(update(DuesOrder).where(DuesOrder.order_no == first["order_no"])
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    def down(**kwargs):
        raise gateway.WechatUnavailable("unifiedorder", "ConnectionError")

    monkeypatch.setattr(gateway, "query_order", lambda out_trade_no: down())
    resp = order(client, token, [months_ago(3)])
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == first["order_no"])) == "pending"
