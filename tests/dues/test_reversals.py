"""CONTRACT §11: a wrong offline entry is corrected by a reversing entry; nothing is edited or deleted."""
from __future__ import annotations

from sqlalchemy import select

from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues.models import DuesLedgerEntry, DuesPayment
from server.extensions import db
from tests.dues.helpers import order, pay
from tests.dues.offline_helpers import record, reverse
from tests.factories import bearer, make_branch, make_campaign, months_ago, staff_token


def _recorded(client, secretary, member, months):
    resp = record(client, secretary, member, months)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["payment"]


def test_a_reversal_keeps_the_original_and_owes_the_months_again(client, member, secretary):
    payment = _recorded(client, secretary, member, [months_ago(3), months_ago(2)])
    resp = reverse(client, secretary, payment["id"], reason="记错了人")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["payment"]["reversed"] is True and body["payment"]["amount_fen"] == 3000
    assert body["reversal"]["entry_type"] == "reversal" and body["reversal"]["amount_fen"] == -3000
    assert body["reversal"]["reverses_id"] == payment["id"] and body["reversal"]["note"] == "记错了人"
    db.session.expire_all()
    assert len(db.session.scalars(select(DuesPayment)).all()) == 2
    entries = db.session.scalars(select(DuesLedgerEntry).order_by(DuesLedgerEntry.id)).all()
    assert [e.amount_fen for e in entries] == [1500, 1500, -1500, -1500]
    assert entries[2].reverses_id == entries[0].id
    assert db.session.get(Member, member.id).paid_through is None
    dues = client.get(f"/api/v1/members/{member.id}/dues", headers=bearer(secretary)).get_json()
    assert dues["owed"][0]["month"] == months_ago(3)
    refunded = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "dues.refunded")).all()
    assert len(refunded) == 1
    data = refunded[0].data
    assert data["channel"] == "offline" and data["payment_id"] == payment["id"] and "order_no" not in data
    assert data["amount_fen"] == 3000 and data["reason"] == "记错了人" and data["paid_through"] is None
    assert data["paid_month"] == refunded[0].digest_month
    again = _recorded(client, secretary, member, [months_ago(3)])
    assert again["id"] != payment["id"]


def test_reversing_later_months_sets_paid_through_back_to_before_them(client, member, secretary):
    _recorded(client, secretary, member, [months_ago(3)])
    second = _recorded(client, secretary, member, [months_ago(2), months_ago(1)])
    assert reverse(client, secretary, f"P{second['id']}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == months_ago(3)


def test_a_second_reversal_and_a_reversal_of_a_reversal_are_409(client, member, secretary):
    payment = _recorded(client, secretary, member, [months_ago(3)])
    reversal = reverse(client, secretary, payment["id"]).get_json()["reversal"]
    twice = reverse(client, secretary, payment["id"])
    assert twice.status_code == 409 and twice.get_json()["code"] == "payment_already_reversed"
    of_reversal = reverse(client, secretary, reversal["id"])
    assert of_reversal.status_code == 409 and of_reversal.get_json()["code"] == "payment_is_reversal"
    assert len(db.session.scalars(select(DuesLedgerEntry)).all()) == 2


def test_a_wechat_payment_cannot_be_reversed_here(app, client, member, token, secretary):
    no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    pay(app, client, no)
    resp = reverse(client, secretary, no)
    assert resp.status_code == 409 and resp.get_json()["code"] == "wechat_payment"


def test_reason_is_required_and_scope_applies(client, member, secretary, token):
    payment = _recorded(client, secretary, member, [months_ago(3)])
    assert reverse(client, secretary, payment["id"], reason=None).status_code == 422
    assert reverse(client, secretary, payment["id"], reason="   ").status_code == 422
    other = staff_token("branch_secretary", make_branch().id)
    assert reverse(client, other, payment["id"]).status_code == 404
    assert reverse(client, token, payment["id"]).status_code == 403
    assert reverse(client, secretary, 999999).status_code == 404
    assert reverse(client, secretary, "DF-nothing").status_code == 404


def test_a_reversed_special_payment_nets_to_zero(client, member, secretary):
    campaign = make_campaign()
    payment = record(client, secretary, member, campaign_id=campaign.id, amount_fen=5000).get_json()["payment"]
    assert reverse(client, secretary, payment["id"]).status_code == 200
    entries = db.session.scalars(select(DuesLedgerEntry)).all()
    assert sorted(e.amount_fen for e in entries) == [-5000, 5000]
