"""Transfers out and returns home (CONTRACT §13): status, history, feed, open orders, letters, cancelling."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.common.timeutil import local, utcnow
from server.core.members import Member, MemberStatusChange
from server.core.outbox import OutboxChange
from server.dues.models import DuesMonthClaim, DuesOrder
from server.extensions import db
from server.transfers.models import Transfer
from server.wechat import gateway
from server.wechat.emulator import pay as emu_pay
from tests.callers import assert_error_shape
from tests.dues.helpers import order, run_threads
from tests.factories import (
    bearer,
    make_branch,
    make_campaign,
    make_paying_member,
    member_token,
    months_ago,
    staff_token,
)
from tests.pdfs import pdf_text


@pytest.fixture
def people(ctx):
    branch = make_branch()
    member = make_paying_member(branch, joined_months_ago=3, name="王建国", paid_through=months_ago(2))
    token = member_token(member)
    return {
        "branch": branch, "member": member, "token": token,
        "secretary": bearer(staff_token("branch_secretary", branch.id)),
        "township_admin": bearer(staff_token("township_admin", branch.township_id)),
    }


def _today():
    return local(utcnow()).date()


def transfer(client, headers, member_id, **body):
    body = {"kind": "transfer_out", "reason": "在深圳落户", "effective_on": _today().isoformat(),
            "destination": "深圳市宝安区西乡街道党工委", **body}
    return client.post(f"/api/v1/members/{member_id}/transfers", headers=headers, json=body)


def _changes(member_id, kind="member.status_changed"):
    return db.session.scalars(select(OutboxChange).where(OutboxChange.member_id == member_id,
                                                         OutboxChange.type == kind).order_by(OutboxChange.id)).all()


def test_transfer_out_changes_status_closes_orders_and_reaches_the_feed(client, people):
    member = people["member"]
    pending = order(client, people["token"], [months_ago(1)])
    assert pending.status_code == 201
    resp = transfer(client, people["secretary"], member.id)
    assert resp.status_code == 201, resp.get_json()
    t = resp.get_json()["transfer"]
    assert t["paid_through"] == months_ago(2) and t["kind"] == "transfer_out" and t["status"] == "recorded"
    assert t["letter_no"] == f"本县转〔{_today().year}〕1号"
    assert t["letter_url"] == f"/api/v1/transfers/{t['id']}/letter?format=pdf"

    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "transferred"
    (history,) = db.session.scalars(select(MemberStatusChange).where(MemberStatusChange.member_id == member.id)).all()
    assert (history.from_status, history.to_status, history.reason) == ("active", "transferred", "在深圳落户")
    (change,) = _changes(member.id)
    assert change.data == {"from": "active", "to": "transferred", "reason": "在深圳落户", "by": change.data["by"],
                           "transfer_id": t["id"], "letter_no": t["letter_no"],
                           "effective_on": _today().isoformat(), "destination": "深圳市宝安区西乡街道党工委"}
    order_no = pending.get_json()["order_no"]
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == order_no)) == "closed"
    assert db.session.scalar(select(DuesMonthClaim.id)) is None

    # The member keeps reading their own history.
    me = bearer(people["token"])
    assert client.get("/api/v1/me", headers=me).get_json()["member"]["status"] == "transferred"
    assert client.get("/api/v1/me/dues", headers=me).status_code == 200
    assert client.get("/api/v1/me/reports", headers=me).status_code == 200
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=me).get_json()["status"] == "closed"


def test_a_member_already_transferred_or_returned_is_409(client, people):
    member = people["member"]
    assert transfer(client, people["secretary"], member.id).status_code == 201
    assert_error_shape(transfer(client, people["township_admin"], member.id), 409, "already_transferred")
    assert_error_shape(transfer(client, people["secretary"], member.id, kind="return_home", destination=None),
                       409, "already_transferred")
    assert len(_changes(member.id)) == 1


def test_return_home_by_the_township_admin(client, people):
    member = people["member"]
    resp = transfer(client, people["township_admin"], member.id, kind="return_home", destination=None,
                    reason="回乡务农")
    assert resp.status_code == 201, resp.get_json()
    t = resp.get_json()["transfer"]
    assert t["letter_no"] == f"本县返〔{_today().year}〕1号" and t["destination"] is None
    (change,) = _changes(member.id)
    assert change.data["to"] == "returned" and change.data["destination"] is None
    assert change.data["letter_no"] == t["letter_no"]


def test_letter_numbers_count_per_county_and_kind(client, people):
    other = make_paying_member(people["branch"], name="李秀英")
    first = transfer(client, people["secretary"], people["member"].id).get_json()["transfer"]
    second = transfer(client, people["secretary"], other.id).get_json()["transfer"]
    assert (first["letter_no"], second["letter_no"]) == (f"本县转〔{_today().year}〕1号", f"本县转〔{_today().year}〕2号")


def test_bad_input_and_wrong_callers(client, people, ctx):
    member = people["member"]
    sec = people["secretary"]
    cases = [
        ({"destination": None}, "destination"),
        ({"destination": "  "}, "destination"),
        ({"kind": "return_home"}, "destination"),
        ({"kind": "moved"}, "kind"),
        ({"reason": " "}, "reason"),
        ({"effective_on": (_today() - timedelta(days=400)).isoformat()}, "effective_on"),
        ({"effective_on": (_today() + timedelta(days=120)).isoformat()}, "effective_on"),
        ({"effective_on": "1900-01-01"}, "effective_on"),
    ]
    for changes, field in cases:
        errors = assert_error_shape(transfer(client, sec, member.id, **changes), 422)["errors"]
        assert field in errors, (changes, errors)
    other_secretary = bearer(staff_token("branch_secretary", make_branch().id))
    assert_error_shape(transfer(client, other_secretary, member.id), 404)
    assert_error_shape(transfer(client, sec, 999999), 404)
    assert_error_shape(transfer(client, bearer(staff_token("county_admin")), member.id), 403)
    assert_error_shape(transfer(client, bearer(people["token"]), member.id), 403)
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "active" and _changes(member.id) == []


def test_the_letter_states_paid_through_name_masked_id_and_branches(client, people):
    member = people["member"]
    t = transfer(client, people["secretary"], member.id).get_json()["transfer"]
    resp = client.get(f"/api/v1/transfers/{t['id']}/letter?format=pdf", headers=people["secretary"])
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data).replace(" ", "").replace("\n", "")
    paid = months_ago(2)
    for expected in ("介绍信", t["letter_no"], "王建国", member.id_number_masked, member.mobile_branch.name,
                     member.village_branch.name, "深圳市宝安区西乡街道党工委", f"{paid[:4]}年{int(paid[5:])}月"):
        assert expected in text, expected
    assert member.id_number not in text
    # The township and the county may print it too; another branch may not.
    assert client.get(f"/api/v1/transfers/{t['id']}/letter", headers=people["township_admin"]).status_code == 200
    assert client.get(f"/api/v1/transfers/{t['id']}/letter", headers=bearer(staff_token("county_admin"))).status_code == 200
    other = bearer(staff_token("branch_secretary", make_branch().id))
    assert_error_shape(client.get(f"/api/v1/transfers/{t['id']}/letter", headers=other), 404)
    assert_error_shape(client.get(f"/api/v1/transfers/{t['id']}/letter?format=docx", headers=people["secretary"]), 422)


def test_the_return_receipt_is_titled_for_the_village_branch(client, people):
    member = people["member"]
    t = transfer(client, people["secretary"], member.id, kind="return_home", destination=None).get_json()["transfer"]
    text = pdf_text(client.get(f"/api/v1/transfers/{t['id']}/letter", headers=people["secretary"]).data).replace(" ", "")
    assert "流动党员返乡回执" in text and t["letter_no"] in text and member.village_branch.name in text


def test_cancelling_reverses_the_status_and_the_feed_sees_it(client, people):
    member = people["member"]
    t = transfer(client, people["secretary"], member.id).get_json()["transfer"]
    resp = client.post(f"/api/v1/transfers/{t['id']}/cancel", headers=people["secretary"], json={"reason": "录错了人"})
    assert resp.status_code == 200 and resp.get_json()["transfer"]["status"] == "cancelled"
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "active"
    first, undo = _changes(member.id)
    assert (undo.data["from"], undo.data["to"]) == ("transferred", "active")
    assert undo.data["cancelled_transfer_id"] == t["id"] and "录错了人" in undo.data["reason"]
    assert_error_shape(client.post(f"/api/v1/transfers/{t['id']}/cancel", headers=people["secretary"],
                                   json={"reason": "再撤"}), 409, "already_cancelled")
    assert_error_shape(client.post(f"/api/v1/transfers/{t['id']}/cancel", headers=people["secretary"], json={}), 422)
    # The transfer itself is kept, marked cancelled; the member can be transferred again (a new letter number).
    listed = client.get(f"/api/v1/members/{member.id}/transfers", headers=people["township_admin"]).get_json()["items"]
    assert [x["status"] for x in listed] == ["cancelled"]
    again = transfer(client, people["secretary"], member.id).get_json()["transfer"]
    assert again["letter_no"].endswith("2号")


def test_a_transfer_not_current_cannot_be_cancelled(client, people):
    member = people["member"]
    t = transfer(client, people["secretary"], member.id).get_json()["transfer"]
    client.post(f"/api/v1/members/{member.id}/status", headers=people["township_admin"],
                json={"status": "active", "reason": "重新登记"})
    assert_error_shape(client.post(f"/api/v1/transfers/{t['id']}/cancel", headers=people["secretary"],
                                   json={"reason": "录错"}), 409, "transfer_not_current")


def test_open_orders_are_closed_at_wechat_too(app, client, people):
    pending = order(client, people["token"], [months_ago(1)]).get_json()
    assert transfer(client, people["secretary"], people["member"].id).status_code == 201
    # The member can no longer pay it with the pay_params still on the phone: WeChat has closed it.
    with pytest.raises(ValueError, match="CLOSED"):
        emu_pay.pay_order(app.config, pending["order_no"])


def test_an_order_paid_meanwhile_is_credited_and_the_letter_states_it(app, client, people):
    pending = order(client, people["token"], [months_ago(1)]).get_json()
    emu_pay.lose_notice(app.config, pending["order_no"])  # paid on the phone, the notice not yet here
    resp = transfer(client, people["secretary"], people["member"].id)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["transfer"]["paid_through"] == months_ago(1)
    db.session.expire_all()
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == pending["order_no"])) == "paid"


def test_wechat_down_refuses_the_transfer_and_changes_nothing(client, people, monkeypatch):
    member = people["member"]
    pending = order(client, people["token"], [months_ago(1)]).get_json()

    def down(out_trade_no):
        raise gateway.WechatUnavailable("closeorder", "ConnectionError")

    monkeypatch.setattr(gateway, "close_order", down)
    resp = transfer(client, people["secretary"], member.id)
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"
    assert "未作任何变更" in resp.get_json()["message"]
    assert_error_shape(resp, 503)
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "active"
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == pending["order_no"])) == "pending"
    assert db.session.scalars(select(Transfer)).all() == [] and _changes(member.id) == []
    monkeypatch.undo()
    assert transfer(client, people["secretary"], member.id).status_code == 201


@pytest.mark.parametrize("kind, destination", [("transfer_out", "深圳市宝安区西乡街道党工委"), ("return_home", None)])
def test_a_member_who_left_cannot_order_dues_or_report_in_but_reads_history(client, people, kind, destination):
    member, token = people["member"], people["token"]
    assert transfer(client, people["secretary"], member.id, kind=kind, destination=destination).status_code == 201
    campaign = make_campaign()
    for body in ({"months": [months_ago(1)]}, {"campaign_id": campaign.id, "amount_fen": 5000}):
        resp = order(client, token, **body)
        assert resp.status_code == 409 and resp.get_json()["code"] == "member_left", resp.get_json()
        assert "不能再在线缴纳党费" in resp.get_json()["message"]
    report = client.post("/api/v1/me/reports", headers=bearer(token),
                         json={"city": "深圳市", "address": "宝安区西乡街道 1 号", "employer": "某厂"})
    assert report.status_code == 409 and report.get_json()["code"] == "member_left"
    assert db.session.scalar(select(func.count()).select_from(DuesOrder)) == 0
    me = bearer(token)
    assert client.get("/api/v1/me/dues", headers=me).status_code == 200
    assert client.get("/api/v1/me/dues/orders", headers=me).status_code == 200
    assert client.get("/api/v1/me/reports", headers=me).status_code == 200


@pytest.mark.postgresql
def test_an_order_racing_a_transfer_never_stays_open_for_a_member_who_left(app, client, people):
    member = people["member"]

    def work(i):
        if i == 0:
            return transfer(app.test_client(), people["secretary"], member.id).status_code
        return order(app.test_client(), people["token"], [months_ago(1)]).status_code

    results = run_threads(app, 4, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == 201 and set(results[1:]) <= {200, 201, 409}, results
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "transferred"
    assert db.session.scalars(select(DuesOrder.status).where(DuesOrder.status == "pending")).all() == []
    assert db.session.scalar(select(func.count()).select_from(DuesMonthClaim)) == 0
