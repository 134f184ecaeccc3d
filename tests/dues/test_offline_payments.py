"""CONTRACT §11: dues paid outside WeChat, recorded by the branch."""
from __future__ import annotations

from sqlalchemy import func, select

from server.core.audit import AuditEntry
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues.models import DuesLedgerEntry
from server.extensions import db
from tests.dues.helpers import order, pay
from tests.dues.offline_helpers import record, today
from tests.factories import (
    add_standard,
    bearer,
    make_branch,
    make_campaign,
    make_member,
    make_paying_member,
    member_token,
    months_ago,
    staff_token,
)


def _changes(kind):
    return [c.data for c in db.session.scalars(select(OutboxChange).where(OutboxChange.type == kind)
                                               .order_by(OutboxChange.id))]


def test_secretary_records_cash_for_the_earliest_months(client, member, secretary):
    resp = record(client, secretary, member, [months_ago(3), months_ago(2)], note="支部大会现场交")
    assert resp.status_code == 201, resp.get_json()
    payment = resp.get_json()["payment"]
    assert payment["receipt_no"].startswith("R" + today()[:7].replace("-", "") + "X")
    assert payment["months"] == [months_ago(3), months_ago(2)] and payment["amount_fen"] == 3000
    assert payment["method"] == "cash" and payment["note"] == "支部大会现场交"
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == months_ago(2)
    entries = db.session.scalars(select(DuesLedgerEntry).order_by(DuesLedgerEntry.month)).all()
    assert [(e.month, e.amount_fen, e.payment_id) for e in entries] == [
        (months_ago(3), 1500, payment["id"]), (months_ago(2), 1500, payment["id"])]
    paid = _changes("dues.paid")
    assert len(paid) == 1
    assert paid[0]["channel"] == "offline" and paid[0]["order_no"] is None and paid[0]["payment_id"] == payment["id"]
    assert paid[0]["receipt_no"] == payment["receipt_no"] and paid[0]["method"] == "cash"
    assert paid[0]["paid_month"] == today()[:7] and paid[0]["paid_through"] == months_ago(2)
    assert paid[0]["months"] == [{"month": months_ago(3), "amount_fen": 1500}, {"month": months_ago(2), "amount_fen": 1500}]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dues.offline_recorded")).all()
    assert len(audit) == 1 and audit[0].detail["amount_fen"] == 3000


def test_the_ledger_shows_the_offline_payment(client, member, secretary):
    payment = record(client, secretary, member, [months_ago(3)]).get_json()["payment"]
    year = int(months_ago(3)[:4])
    body = client.get(f"/api/v1/branches/{member.mobile_branch_id}/dues/ledger?year={year}",
                      headers=bearer(secretary)).get_json()
    row = next(r for r in body["rows"] if r["month"] == months_ago(3))
    assert row["paid_fen"] == 1500 and row["order_no"] == f"P{payment['id']}"
    assert body["members"][0]["paid_through"] == months_ago(3)


def test_a_wrong_amount_names_the_expected_amount_in_yuan(client, member, secretary):
    resp = record(client, secretary, member, [months_ago(3), months_ago(2)], amount_fen=2000)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "amount_mismatch" and "30.00 元" in body["message"] and "20.00 元" in body["message"]
    assert body["expected_fen"] == 3000
    assert db.session.scalar(select(func.count()).select_from(DuesLedgerEntry)) == 0


def test_the_farmers_branch_set_amount_is_the_standard(client, branch, secretary):
    farmer = make_member(branch)
    add_standard(farmer, category="farmer", monthly_fen=50)
    month = months_ago(0)
    assert record(client, secretary, farmer, [month], amount_fen=20).get_json()["code"] == "amount_mismatch"
    assert "0.50 元" in record(client, secretary, farmer, [month], amount_fen=20).get_json()["message"]
    assert record(client, secretary, farmer, [month], amount_fen=50).status_code == 201


def test_a_month_already_paid_is_409(client, member, secretary):
    assert record(client, secretary, member, [months_ago(3)]).status_code == 201
    resp = record(client, secretary, member, [months_ago(3), months_ago(2)])
    assert resp.status_code == 409 and resp.get_json()["code"] == "month_already_paid"
    assert months_ago(3) in resp.get_json()["message"]


def test_a_month_paid_through_wechat_is_409(app, client, member, token, secretary):
    pay(app, client, order(client, token, [months_ago(3)]).get_json()["order_no"])
    resp = record(client, secretary, member, [months_ago(3)])
    assert resp.status_code == 409 and resp.get_json()["code"] == "month_already_paid"


def test_a_month_held_by_an_open_wechat_order_is_409_order_pending(client, member, token, secretary):
    no = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    resp = record(client, secretary, member, [months_ago(3)])
    assert resp.status_code == 409
    assert resp.get_json()["code"] == "order_pending" and resp.get_json()["order_no"] == no


def test_an_offline_entry_blocks_a_wechat_order_for_the_same_month(client, member, token, secretary):
    assert record(client, secretary, member, [months_ago(3)]).status_code == 201
    resp = order(client, token, [months_ago(3)])
    assert resp.status_code == 422 and resp.get_json()["code"] == "months_already_paid"
    assert order(client, token, [months_ago(2)]).status_code == 201


def test_months_must_start_at_the_earliest_unpaid(client, member, secretary):
    resp = record(client, secretary, member, [months_ago(2)])
    assert resp.status_code == 422 and resp.get_json()["code"] == "months_not_in_order"
    assert resp.get_json()["expected"] == [months_ago(3)]
    gap = record(client, secretary, member, [months_ago(3), months_ago(1)])
    assert gap.status_code == 422 and gap.get_json()["code"] == "months_not_in_order"


def test_arrears_older_than_six_months_are_settled_here(client, branch, secretary):
    late = make_paying_member(branch, joined_months_ago=10)
    months = [months_ago(n) for n in range(10, 6, -1)]
    assert order(client, member_token(late), months).get_json()["code"] == "months_out_of_window"
    dues = client.get(f"/api/v1/members/{late.id}/dues", headers=bearer(secretary)).get_json()
    assert [o["month"] for o in dues["owed"]][:4] == months and dues["monthly_fen"] == 1500
    resp = record(client, secretary, late, months)
    assert resp.status_code == 201, resp.get_json()
    db.session.expire_all()
    assert db.session.get(Member, late.id).paid_through == months_ago(7)


def test_paying_ahead_stops_six_months_out(client, branch, secretary):
    ahead = make_paying_member(branch)
    months = [months_ago(-n) for n in range(0, 8)]
    resp = record(client, secretary, ahead, months)
    assert resp.status_code == 422 and resp.get_json()["code"] == "months_out_of_window"
    assert record(client, secretary, ahead, months[:7]).status_code == 201


def test_another_branchs_member_is_404_and_a_member_token_is_403(client, member, token):
    other = make_branch()
    other_secretary = staff_token("branch_secretary", other.id)
    assert record(client, other_secretary, member, [months_ago(3)], branch_id=other.id).status_code == 404
    assert record(client, other_secretary, member, [months_ago(3)]).status_code == 404
    assert record(client, token, member, [months_ago(3)]).status_code == 403
    assert client.get(f"/api/v1/members/{member.id}/dues", headers=bearer(other_secretary)).status_code == 404


def test_the_township_admin_may_record_too(client, member, township_admin):
    assert record(client, township_admin, member, [months_ago(3)]).status_code == 201


def test_bad_input_is_422_not_500(client, member, secretary):
    future = record(client, secretary, member, [months_ago(3)], paid_on="2099-01-01")
    assert future.status_code == 422 and future.get_json()["code"] == "paid_on_invalid"
    assert record(client, secretary, member, [months_ago(3)], method="alipay").status_code == 422
    assert record(client, secretary, member, [months_ago(3), months_ago(3)], amount_fen=3000).status_code == 422
    assert record(client, secretary, member, ["2026-13"]).status_code == 422
    assert record(client, secretary, member, [months_ago(3)], note="a\x00b").status_code == 422
    neither = record(client, secretary, member, amount_fen=100)
    assert neither.status_code == 422
    no_standard = make_member(member.mobile_branch)
    assert record(client, secretary, no_standard, [months_ago(0)]).get_json()["code"] == "no_standard"


def test_special_dues_handed_over_in_cash(client, member, secretary):
    campaign = make_campaign()
    resp = record(client, secretary, member, campaign_id=campaign.id, amount_fen=150000, method="bank_transfer")
    assert resp.status_code == 201, resp.get_json()
    payment = resp.get_json()["payment"]
    assert payment["kind"] == "special" and payment["forward_upward"] is True and payment["months"] == []
    paid = _changes("dues.paid")[0]
    assert paid["kind"] == "special" and paid["campaign_id"] == campaign.id and paid["method"] == "bank_transfer"
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through is None
    ended = make_campaign(days_before=60, days_after=-30)
    closed = record(client, secretary, member, campaign_id=ended.id, amount_fen=100)
    assert closed.status_code == 422 and closed.get_json()["code"] == "campaign_closed"
    assert record(client, secretary, member, campaign_id=999999, amount_fen=100).status_code == 404
    assert record(client, secretary, member, campaign_id=campaign.id, amount_fen=0).status_code == 422


def test_member_dues_for_staff(client, member, secretary):
    body = client.get(f"/api/v1/members/{member.id}/dues", headers=bearer(secretary)).get_json()
    assert body["monthly_fen"] == 1500 and body["paid_through"] is None
    assert body["owed"] == [{"month": months_ago(n), "amount_fen": 1500} for n in range(3, -1, -1)]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "dues.member_dues_read")) == 1


def test_campaign_totals_count_cash_special_dues_and_leave_reversed_ones_out(client, member, secretary, token, app):
    campaign = make_campaign()
    pay(app, client, order(client, token, campaign_id=campaign.id, amount_fen=10000).get_json()["order_no"])
    record(client, secretary, member, campaign_id=campaign.id, amount_fen=150000)
    wrong = record(client, secretary, member, campaign_id=campaign.id, amount_fen=999).get_json()["payment"]
    assert client.post(f"/api/v1/dues/payments/{wrong['id']}/reverse", json={"reason": "重复记录"},
                       headers=bearer(secretary)).status_code == 200
    county = staff_token("county_admin", member.township.county_id)
    totals = client.get(f"/api/v1/dues/campaigns/{campaign.id}/totals", headers=bearer(county)).get_json()
    assert totals["amount_fen"] == 160000 and totals["donors"] == 1 and totals["forward_upward"] == 1
    assert totals["townships"][0]["orders"] == 2
