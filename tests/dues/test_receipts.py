"""CONTRACT §11: every payment, WeChat or offline, has a receipt; the member sees it and prints it as PDF."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.core.audit import AuditEntry
from server.extensions import db
from tests.dues.helpers import order, pay
from tests.dues.offline_helpers import record, reverse, today
from tests.factories import bearer, make_branch, make_paying_member, member_token, months_ago, staff_token
from tests.pdfs import pdf_pages, pdf_text


def _wechat_paid(app, client, token, months):
    no = order(client, token, months).get_json()["order_no"]
    pay(app, client, no)
    return no


def test_my_receipts_list_wechat_and_offline_payments(app, client, member, token, secretary):
    no = _wechat_paid(app, client, token, [months_ago(3)])
    offline = record(client, secretary, member, [months_ago(2), months_ago(1)]).get_json()["payment"]
    body = client.get("/api/v1/me/dues/receipts", headers=bearer(token)).get_json()
    by_channel = {item["channel"]: item for item in body["items"]}
    assert set(by_channel) == {"wechat", "offline"}
    wechat = by_channel["wechat"]
    assert re.fullmatch(r"R\d{6}W\d{6,}", wechat["receipt_no"]) and wechat["ref"] == no
    assert wechat["months"] == [months_ago(3)] and wechat["amount_fen"] == 1500 and wechat["method"] == "wechat"
    cash = by_channel["offline"]
    assert cash["receipt_no"] == offline["receipt_no"] and cash["amount_fen"] == 3000
    assert cash["amount_capitals"] == "叁拾元整" and cash["paid_at"].startswith(today())
    assert {"receipt_no", "months", "amount_fen", "paid_at", "channel"} <= set(cash)


def test_an_unpaid_order_has_no_receipt(client, token):
    order(client, token, [months_ago(3)])
    assert client.get("/api/v1/me/dues/receipts", headers=bearer(token)).get_json() == {"items": []}


def test_a_receipt_for_its_member_and_staff_in_scope_only(app, client, member, token, secretary):
    no = record(client, secretary, member, [months_ago(3)]).get_json()["payment"]["receipt_no"]
    mine = client.get(f"/api/v1/dues/receipts/{no}", headers=bearer(token))
    assert mine.status_code == 200 and mine.get_json()["member"]["name"] == member.name
    assert client.get(f"/api/v1/dues/receipts/{no}", headers=bearer(secretary)).status_code == 200
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dues.receipt_read")).all()
    stranger = make_paying_member(make_branch())
    assert client.get(f"/api/v1/dues/receipts/{no}", headers=bearer(member_token(stranger))).status_code == 404
    other_secretary = staff_token("branch_secretary", stranger.mobile_branch_id)
    assert client.get(f"/api/v1/dues/receipts/{no}", headers=bearer(other_secretary)).status_code == 404
    for wrong in ("R000000X000001", "nonsense", no[:-1] + "9", no.replace("X", "W")):
        assert client.get(f"/api/v1/dues/receipts/{wrong}", headers=bearer(token)).status_code == 404


def test_the_wechat_receipt_number_is_stable(app, client, token):
    _wechat_paid(app, client, token, [months_ago(3)])
    first = client.get("/api/v1/me/dues/receipts", headers=bearer(token)).get_json()["items"][0]["receipt_no"]
    again = client.get(f"/api/v1/dues/receipts/{first}", headers=bearer(token)).get_json()
    assert again["receipt_no"] == first and again["channel"] == "wechat"


def test_a_reversed_payment_keeps_its_receipt_marked_reversed(client, member, token, secretary):
    payment = record(client, secretary, member, [months_ago(3)]).get_json()["payment"]
    reverse(client, secretary, payment["id"])
    receipt = client.get(f"/api/v1/dues/receipts/{payment['receipt_no']}", headers=bearer(token)).get_json()
    assert receipt["status"] == "reversed"
    assert len(client.get("/api/v1/me/dues/receipts", headers=bearer(token)).get_json()["items"]) == 1


def test_the_receipt_pdf_names_payer_branch_months_amount_and_capitals(client, member, token, secretary):
    payment = record(client, secretary, member, [months_ago(3), months_ago(2)], method="bank_transfer")
    no = payment.get_json()["payment"]["receipt_no"]
    resp = client.get(f"/api/v1/dues/receipts/{no}?format=pdf", headers=bearer(token))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)
    for expected in ("党费收据", no, member.name, member.mobile_branch.name, "¥30.00", "人民币叁拾元整", "银行转账",
                     f"{int(months_ago(3)[5:])}月"):
        assert expected in text, (expected, text)


def test_bulk_print_puts_one_receipt_per_page(app, client, member, token, secretary, branch):
    _wechat_paid(app, client, token, [months_ago(3)])
    record(client, secretary, member, [months_ago(2)])
    second = make_paying_member(branch)
    record(client, secretary, second, [months_ago(0)], method="other")
    month = today()[:7]
    listing = client.get(f"/api/v1/branches/{branch.id}/dues/receipts?month={month}", headers=bearer(secretary))
    assert listing.status_code == 200 and len(listing.get_json()["items"]) == 3
    resp = client.get(f"/api/v1/branches/{branch.id}/dues/receipts?month={month}&format=pdf",
                      headers=bearer(secretary))
    pages = pdf_pages(resp.data)
    assert len(pages) == 3 and all("党费收据" in page for page in pages)
    assert "微信支付" in "".join(pages) and "其他" in "".join(pages)
    empty = client.get(f"/api/v1/branches/{branch.id}/dues/receipts?month=2001-01", headers=bearer(secretary))
    assert empty.get_json()["items"] == []
    assert client.get(f"/api/v1/branches/{branch.id}/dues/receipts", headers=bearer(secretary)).status_code == 422
    other = staff_token("branch_secretary", make_branch().id)
    assert client.get(f"/api/v1/branches/{branch.id}/dues/receipts?month={month}",
                      headers=bearer(other)).status_code == 404
