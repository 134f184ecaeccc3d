"""Money review: paid_through, windows at the Beijing month edge, notices, refunds, digest and ledger totals."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import xmltodict
from sqlalchemy import func, select

from server.common import timeutil
from server.common.timeutil import SHANGHAI, current_month, month_add, utcnow
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues import notices
from server.dues.models import DuesCampaign, DuesLedgerEntry, DuesOrder, PayNotice
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.dues.helpers import notify, order, pay
from tests.factories import bearer, months_ago

SUCCESS = "<return_code><![CDATA[SUCCESS]]></return_code>"


def paid_through(member):
    db.session.expire_all()
    return db.session.get(Member, member.id).paid_through


def owed(client, token):
    return [o["month"] for o in client.get("/api/v1/me/dues", headers=bearer(token)).get_json()["owed"]]


def ordered_and_paid(app, client, token, months):
    no = order(client, token, months).get_json()["order_no"]
    assert SUCCESS in pay(app, client, no).get_data(as_text=True)
    return no


def refund(client, admin, no, reason="退款"):
    return client.post(f"/api/v1/dues/orders/{no}/refund", json={"reason": reason}, headers=bearer(admin))


def resigned(app, xml: str, **changes) -> str:
    fields = dict(xmltodict.parse(xml)["xml"])
    fields.pop("sign")
    fields.update(changes)
    return emu_pay.signed_xml(fields, app.config["WECHAT_PAY_API_KEY"])


def outbox(kind):
    return db.session.scalars(select(OutboxChange).where(OutboxChange.type == kind).order_by(OutboxChange.id)).all()


# ---- paid_through ---------------------------------------------------------------------------------------

def test_refund_of_a_middle_order_sets_paid_through_back_and_keeps_later_months(app, client, token, member,
                                                                                township_admin):
    first = ordered_and_paid(app, client, token, [months_ago(3)])
    middle = ordered_and_paid(app, client, token, [months_ago(2)])
    ordered_and_paid(app, client, token, [months_ago(1)])
    assert paid_through(member) == months_ago(1) and first
    assert refund(client, township_admin, middle).status_code == 200
    assert paid_through(member) == months_ago(3)
    assert owed(client, token) == [months_ago(2), months_ago(0)]  # months_ago(1) stays credited
    ordered_and_paid(app, client, token, [months_ago(2)])
    assert paid_through(member) == months_ago(1)


def test_crediting_reads_paid_through_fresh_even_when_the_member_was_loaded_earlier(app, client, token, member,
                                                                                   township_admin):
    """A member row loaded earlier in the transaction (e.g. the scope check of GET /dues/orders/{no}) must not
    feed a stale paid_through into the credit: another transaction may have refunded meanwhile."""
    ordered_and_paid(app, client, token, [months_ago(3)])
    middle = ordered_and_paid(app, client, token, [months_ago(2)])
    late = order(client, token, [months_ago(1)]).get_json()["order_no"]
    emu_pay.lose_notice(app.config, late)
    db.session.expire_all()
    loaded = db.session.get(Member, member.id)
    assert loaded.paid_through == months_ago(2)  # read now, before the refund commits elsewhere

    def refund_elsewhere():
        with app.app_context():
            resp = app.test_client().post(f"/api/v1/dues/orders/{middle}/refund", json={"reason": "错缴"},
                                          headers=bearer(township_admin))
            db.session.remove()
            return resp.status_code

    import threading

    result = []
    t = threading.Thread(target=lambda: result.append(refund_elsewhere()))
    t.start()
    t.join(30)
    assert result == [200]
    # Same session, member still in its identity map with the old paid_through: reconcile the late order.
    assert notices.reconcile_order(late) == "paid"
    assert paid_through(member) == months_ago(3)
    [_, _, last_paid] = outbox("dues.paid")
    assert last_paid.data["paid_through"] == months_ago(3)


# ---- the window at the Beijing month edge --------------------------------------------------------------

def _beijing_month_end(month: str, hour: int, minute: int) -> datetime:
    nxt = month_add(month, 1)
    first = datetime(int(nxt[:4]), int(nxt[5:7]), 1, tzinfo=SHANGHAI)
    return (first - timedelta(days=1)).replace(hour=hour, minute=minute).astimezone(timezone.utc)


def test_window_follows_the_beijing_month_at_23_59_and_00_00(client, token, member, monkeypatch):
    month, oldest = current_month(), months_ago(3)
    real = timeutil.utcnow
    last_minute = _beijing_month_end(month, 23, 59)
    monkeypatch.setattr(timeutil, "utcnow", lambda: last_minute)
    assert timeutil.current_month() == month
    too_far = month_add(month, 7)
    resp = order(client, token, timeutil.month_range(oldest, too_far))
    assert resp.status_code == 422 and resp.get_json()["months"] == [too_far]
    midnight = last_minute + timedelta(minutes=1)  # 00:00 Beijing on the 1st, still the previous day in UTC
    assert midnight.astimezone(timezone.utc).day == last_minute.astimezone(timezone.utc).day
    monkeypatch.setattr(timeutil, "utcnow", lambda: midnight)
    assert timeutil.current_month() == month_add(month, 1)
    resp = order(client, token, timeutil.month_range(oldest, too_far))
    assert resp.status_code == 201, resp.get_json()
    monkeypatch.setattr(timeutil, "utcnow", real)


# ---- notices -----------------------------------------------------------------------------------------

def test_paid_month_is_the_beijing_month_of_time_end(app, client, token, member):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, no)
    first_of_month = current_month().replace("-", "") + "01000500"  # 00:05 Beijing = the day before in UTC
    assert SUCCESS in notify(client, resigned(app, xml, time_end=first_of_month)).get_data(as_text=True)
    [paid] = outbox("dues.paid")
    assert paid.data["paid_month"] == current_month()
    assert paid.data["paid_at"].startswith(current_month() + "-01T00:05:00")


def test_repeat_notices_never_credit_twice(app, client, token, member, township_admin):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, no)
    # A coupon: cash_fee below total_fee still pays the whole order.
    assert SUCCESS in notify(client, resigned(app, xml, cash_fee="1000")).get_data(as_text=True)
    assert SUCCESS in notify(client, resigned(app, xml, transaction_id="4200000000000000000000000000"))\
        .get_data(as_text=True)
    assert refund(client, township_admin, no).status_code == 200
    assert SUCCESS in notify(client, xml).get_data(as_text=True)  # a notice after the refund changes nothing
    assert len(outbox("dues.paid")) == 1
    assert db.session.scalar(select(func.sum(DuesLedgerEntry.amount_fen))) == 0
    outcomes = db.session.scalars(select(PayNotice.outcome).order_by(PayNotice.id)).all()
    assert outcomes == ["credited", "transaction_mismatch", "repeat"]
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == no)) == "refunded"
    assert owed(client, token)[0] == months_ago(3)


def test_notice_after_a_local_close_revives_the_order_when_its_months_are_free(app, client, token, member):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, no)
    notices.close_locally(db.session.scalar(select(DuesOrder.id).where(DuesOrder.order_no == no)))
    db.session.commit()
    assert SUCCESS in notify(client, xml).get_data(as_text=True)
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == no)) == "paid"
    assert paid_through(member) == months_ago(3) and len(outbox("dues.paid")) == 1


# ---- refunds, digest, ledger totals ----------------------------------------------------------------

def _digest(month):
    from server.core.orgs import default_county
    from server.sync.feed import digest

    return digest(SimpleNamespace(township_id=None, county_id=default_county().id), month)


def test_special_dues_refund_nets_to_zero_everywhere(app, client, token, member, township_admin):
    today = utcnow().astimezone(SHANGHAI).date()
    campaign = DuesCampaign(title="抗震救灾", starts_on=today, ends_on=today, created_by="county")
    db.session.add(campaign)
    db.session.commit()
    resp = order(client, token, campaign_id=campaign.id, amount_fen=123456)
    assert resp.status_code == 201 and resp.get_json()["forward_upward"] is True
    no = resp.get_json()["order_no"]
    pay(app, client, no)
    monthly = ordered_and_paid(app, client, token, [months_ago(3), months_ago(2)])
    assert _digest(current_month())["paid_fen"] == 123456 + 3000
    assert refund(client, township_admin, no).status_code == 200
    assert refund(client, township_admin, no).status_code == 409
    [refunded] = outbox("dues.refunded")
    assert set(refunded.data) == {"order_no", "kind", "months", "amount_fen", "paid_at", "paid_month", "refunded_at",
                                  "reason", "paid_through"}
    assert refunded.data["kind"] == "special" and refunded.data["amount_fen"] == 123456
    assert refunded.data["paid_through"] == months_ago(2)
    assert paid_through(member) == months_ago(2)  # a special-dues refund leaves paid_through alone
    entries = db.session.scalars(select(DuesLedgerEntry).where(DuesLedgerEntry.kind == "special")).all()
    assert sorted(e.amount_fen for e in entries) == [-123456, 123456]
    assert _digest(current_month())["paid_fen"] == 3000
    assert refund(client, township_admin, monthly).status_code == 200
    assert _digest(current_month())["paid_fen"] == 0
    assert db.session.scalar(select(func.sum(DuesLedgerEntry.amount_fen))) == 0


def test_ledger_json_xlsx_and_entries_agree(app, client, token, member, township_admin, secretary):
    import io

    from openpyxl import load_workbook

    ordered_and_paid(app, client, token, [months_ago(3), months_ago(2)])
    refunded = ordered_and_paid(app, client, token, [months_ago(1)])
    refund(client, township_admin, refunded)
    ordered_and_paid(app, client, token, [months_ago(1), months_ago(0)])
    year = int(current_month()[:4])
    body = client.get(f"/api/v1/branches/{member.mobile_branch_id}/dues/ledger?year={year}",
                      headers=bearer(secretary)).get_json()
    in_year = db.session.scalar(select(func.coalesce(func.sum(DuesLedgerEntry.amount_fen), 0)).where(
        DuesLedgerEntry.kind == "monthly", DuesLedgerEntry.month.like(f"{year}-%")))
    assert body["totals"]["branch"]["paid_fen"] == sum(r["paid_fen"] for r in body["rows"]) == in_year
    resp = client.get(f"/api/v1/branches/{member.mobile_branch_id}/dues/ledger?year={year}&format=xlsx",
                      headers=bearer(secretary))
    assert resp.status_code == 200
    text = " ".join(str(c) for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)
                    for c in row if c is not None)
    assert f"实缴 {in_year / 100:.2f} 元" in text.replace("\xa0", " ") or f"实缴 {in_year // 100}.{in_year % 100:02d} 元" in text


def test_money_paid_after_close_on_taken_months_can_be_refunded(app, client, token, member, township_admin):
    """The member paid an order we had already closed, and its month was paid again by a newer order: the first
    payment cannot be credited, so it must be refundable in the app (not left at the merchant with no trace)."""
    stale = order(client, token, [months_ago(3)]).get_json()["order_no"]
    late_xml = emu_pay.pay_order(app.config, stale)  # paid at WeChat; the notice is late
    notices.close_locally(db.session.scalar(select(DuesOrder.id).where(DuesOrder.order_no == stale)))
    db.session.commit()
    fresh = ordered_and_paid(app, client, token, [months_ago(3)])
    assert SUCCESS in notify(client, late_xml).get_data(as_text=True)
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == stale)) == "closed"
    assert db.session.scalar(select(func.sum(DuesLedgerEntry.amount_fen))) == 1500  # credited once
    resp = refund(client, township_admin, stale, "超时后支付，月份已由其他订单缴纳")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "refunded"
    assert refund(client, township_admin, stale).status_code == 409
    # Nothing was credited for it, so nothing is reversed: the fresh order keeps the month.
    assert db.session.scalar(select(func.sum(DuesLedgerEntry.amount_fen))) == 1500
    assert paid_through(member) == months_ago(3) and outbox("dues.refunded") == []
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == fresh)) == "paid"
    # An order closed and never paid at WeChat is still not refundable.
    unpaid = order(client, token, [months_ago(2)]).get_json()["order_no"]
    notices.close_locally(db.session.scalar(select(DuesOrder.id).where(DuesOrder.order_no == unpaid)))
    db.session.commit()
    assert refund(client, township_admin, unpaid).status_code == 409


def test_an_order_refunded_at_wechat_before_we_heard_of_the_payment_is_not_credited(app, client, token, member):
    """orderquery says REFUND for a pending order (paid, its notice lost, refunded on the merchant platform): the money
    went back, so the months must not be credited; the order ends refunded and its months are free."""
    from server.wechat import gateway

    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    emu_pay.lose_notice(app.config, no)
    gateway.refund(out_trade_no=no, out_refund_no=no + "M", total_fee=1500, refund_fee=1500, reason="商户平台退款")
    assert notices.reconcile_order(no) == "refunded"
    assert db.session.scalar(select(func.count()).select_from(DuesLedgerEntry)) == 0
    assert outbox("dues.paid") == [] and paid_through(member) is None
    assert owed(client, token)[0] == months_ago(3)
    assert order(client, token, [months_ago(3)]).status_code == 201


def test_prices_follow_each_years_standard_across_the_year_boundary(app, client, token, member, township_admin):
    from tests.factories import add_standard

    this_year = int(current_month()[:4])
    add_standard(member, year=this_year, base_fen=500001)  # version 2: 7500 fen for every month of this year
    add_standard(member, year=this_year + 1, category="retired", base_fen=500000)  # 2500 fen next year
    months = timeutil.month_range(months_ago(3), month_add(current_month(), 6))
    expected = sum(7500 if int(m[:4]) == this_year else 2500 for m in months)
    resp = order(client, token, months)
    assert resp.status_code == 201 and resp.get_json()["amount_fen"] == expected
    pay(app, client, resp.get_json()["order_no"])
    assert paid_through(member) == months[-1]
    [paid] = outbox("dues.paid")
    assert [line["amount_fen"] for line in paid.data["months"]] == [
        7500 if int(m[:4]) == this_year else 2500 for m in months]
    assert refund(client, township_admin, resp.get_json()["order_no"]).status_code == 200
    assert paid_through(member) is None
    assert db.session.scalar(select(func.sum(DuesLedgerEntry.amount_fen))) == 0
