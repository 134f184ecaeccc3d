"""Large special dues (over 1000 yuan, WeChat or cash) listed for the county to forward upward."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from server.core.audit import AuditEntry
from server.extensions import db
from tests.dues.helpers import order, pay
from tests.dues.offline_helpers import record, reverse
from tests.factories import bearer, make_campaign, make_paying_member, staff_token


def _setup(app, client, branch, secretary, token):
    campaign = make_campaign()
    big = order(client, token, campaign_id=campaign.id, amount_fen=200000).get_json()["order_no"]
    pay(app, client, big)
    small = order(client, token, campaign_id=campaign.id, amount_fen=100000).get_json()["order_no"]
    pay(app, client, small)  # exactly 1000 yuan: not over it
    giver = make_paying_member(branch)
    cash = record(client, secretary, giver, campaign_id=campaign.id, amount_fen=150050).get_json()["payment"]
    wrong = record(client, secretary, giver, campaign_id=campaign.id, amount_fen=500000).get_json()["payment"]
    reverse(client, secretary, wrong["id"])
    return campaign, big, cash


def test_the_county_sees_wechat_and_cash_payments_over_1000_yuan(app, client, branch, secretary, token, member):
    campaign, big, cash = _setup(app, client, branch, secretary, token)
    county = staff_token("county_admin", branch.township.county_id)
    body = client.get("/api/v1/dues/forwarding", headers=bearer(county)).get_json()
    refs = {item["ref"]: item for item in body["items"]}
    assert set(refs) == {big, f"P{cash['id']}"} and body["amount_fen"] == 350050
    item = refs[big]
    assert item["member"]["name"] == member.name and "*" in item["member"]["id_number_masked"]
    assert item["township"]["id"] == branch.township_id and item["campaign"]["title"] == campaign.title
    assert item["forwarded"] is False and refs[f"P{cash['id']}"]["channel"] == "offline"
    assert client.get("/api/v1/dues/forwarding", headers=bearer(secretary)).status_code == 403
    other_county = staff_token("county_admin", 999)
    assert client.get("/api/v1/dues/forwarding", headers=bearer(other_county)).get_json()["items"] == []


def test_marking_forwarded_is_audited_and_only_once(app, client, branch, secretary, token):
    _campaign, big, _cash = _setup(app, client, branch, secretary, token)
    county = staff_token("county_admin", branch.township.county_id)
    resp = client.post(f"/api/v1/dues/forwarding/{big}/forwarded", json={"note": "已汇县委组织部"}, headers=bearer(county))
    assert resp.status_code == 200 and resp.get_json()["forwarded"] is True
    again = client.post(f"/api/v1/dues/forwarding/{big}/forwarded", json={}, headers=bearer(county))
    assert again.status_code == 409 and again.get_json()["code"] == "already_forwarded"
    assert client.post("/api/v1/dues/forwarding/P999999/forwarded", json={}, headers=bearer(county)).status_code == 404
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dues.forwarded")).one().target_id == big
    pending = client.get("/api/v1/dues/forwarding?forwarded=false", headers=bearer(county)).get_json()["items"]
    assert big not in {i["ref"] for i in pending} and len(pending) == 1


def test_the_export_has_numbers_dates_and_a_totals_row(app, client, branch, secretary, token):
    _setup(app, client, branch, secretary, token)
    county = staff_token("county_admin", branch.township.county_id)
    resp = client.get("/api/v1/dues/forwarding?format=xlsx", headers=bearer(county))
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert "1000" in ws.cell(1, 1).value and ws.cell(2, 6).value == "金额（元）"
    assert float(ws.cell(3, 6).value) in (2000.0, 1500.5) and ws.cell(3, 6).number_format == "0.00"
    assert ws.cell(3, 7).is_date
    assert ws.cell(5, 1).value == "合计" and float(ws.cell(5, 6).value) == 3500.5
    assert ws.column_dimensions["E"].width >= 10

