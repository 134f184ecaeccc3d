"""The branch ledger (JSON and the printable XLSX), arrears flags, special-dues campaigns, the OpenAPI document."""
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from server.common.timeutil import current_month
from server.core.members import Member
from server.extensions import db
from tests.dues.helpers import order, pay
from tests.factories import (
    bearer,
    make_branch,
    make_member,
    make_paying_member,
    member_token,
    months_ago,
    staff_token,
)

YEAR = int(current_month()[:4])


def test_ledger_rows_and_totals_for_the_branch_and_township(app, client, branch, member, token, secretary):
    order_no = order(client, token, [months_ago(3)]).get_json()["order_no"]
    pay(app, client, order_no)
    resp = client.get(f"/api/v1/branches/{branch.id}/dues/ledger?year={YEAR}", headers=bearer(secretary))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    rows = {(r["member_id"], r["month"]): r for r in body["rows"]}
    if months_ago(3).startswith(str(YEAR)):
        paid = rows[(member.id, months_ago(3))]
        assert paid["paid_fen"] == 1500 and paid["standard_fen"] == 1500 and paid["order_no"] == order_no
        assert paid["paid_at"]
        assert body["totals"]["branch"]["paid_fen"] == 1500
    assert rows[(member.id, current_month())]["paid_fen"] == 0
    assert body["totals"]["township"]["members"] >= body["totals"]["branch"]["members"] == 1
    assert client.get(f"/api/v1/branches/{make_branch().id}/dues/ledger", headers=bearer(secretary)).status_code == 404
    assert client.get(f"/api/v1/branches/{branch.id}/dues/ledger", headers=bearer(token)).status_code == 403


def test_ledger_xlsx_reads_back_with_chinese_headings(app, client, branch, member, token, secretary):
    pay(app, client, order(client, token, [months_ago(3)]).get_json()["order_no"])
    resp = client.get(f"/api/v1/branches/{branch.id}/dues/ledger?year={YEAR}&format=xlsx", headers=bearer(secretary))
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert "党费收缴台账" in ws.cell(1, 1).value and branch.name in ws.cell(1, 1).value
    headings = [ws.cell(3, c).value for c in range(1, 18)]
    assert headings[:3] == ["序号", "姓名", "月缴纳额（元）"] and headings[3] == "1月" and headings[-1] == "缴至月份"
    assert ws.cell(4, 2).value == member.name and ws.cell(4, 3).value == 15
    assert ws.cell(4, 3).number_format == "0.00"  # money is a number Excel can add up, shown as 15.00
    month_col = 3 + int(current_month()[5:])
    assert ws.cell(4, month_col).value == "未缴"
    if months_ago(3).startswith(str(YEAR)):
        assert ws.cell(4, 3 + int(months_ago(3)[5:])).value == 15
    assert ws.page_setup.orientation == "landscape" and ws.cell(4, 2).font.size >= 14


def test_months_settled_before_the_system_are_not_shown_unpaid(client, branch, secretary):
    """A member imported with a paid-through month has no payments here for the months up to it: they are
    已缴 on the printed ledger, never 未缴; the months after it that are due are 未缴."""
    imported = make_paying_member(branch, joined_months_ago=8, name="导入者")
    imported.paid_through = months_ago(2)
    db.session.commit()
    resp = client.get(f"/api/v1/branches/{branch.id}/dues/ledger?year={YEAR}&format=xlsx", headers=bearer(secretary))
    ws = load_workbook(io.BytesIO(resp.data)).active
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == "导入者")
    for back in (2, 1, 0):
        if months_ago(back).startswith(str(YEAR)):
            expected = "已缴" if back == 2 else "未缴"
            assert ws.cell(row, 3 + int(months_ago(back)[5:])).value == expected, months_ago(back)


def test_arrears_flags_six_months_without_changing_status(client, branch, secretary):
    behind = make_paying_member(branch, joined_months_ago=8, name="欠缴者")
    behind.paid_through = months_ago(6)
    recent = make_paying_member(branch, joined_months_ago=8, name="按时者")
    recent.paid_through = months_ago(1)
    never = make_member(branch, name="新党员")
    db.session.commit()
    body = client.get(f"/api/v1/branches/{branch.id}/dues/arrears", headers=bearer(secretary)).get_json()
    assert [m["name"] for m in body["members"]] == ["欠缴者"]
    assert body["members"][0]["months_unpaid"] == 6 and body["members"][0]["unpaid_since"] == months_ago(5)
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(Member))} == {"active"}
    assert never.paid_through is None


def _campaign(client, token, **body):
    today = date.today()
    payload = {"title": "抗洪救灾特殊党费", "starts_on": (today - timedelta(days=1)).isoformat(),
               "ends_on": (today + timedelta(days=30)).isoformat(), **body}
    return client.post("/api/v1/dues/campaigns", json=payload, headers=bearer(token))


def test_campaigns_special_dues_bounds_forwarding_and_totals(app, client, branch, member, token, secretary):
    county = staff_token("county_admin")
    assert _campaign(client, secretary).status_code == 403
    assert _campaign(client, county, ends_on="2000-01-01").status_code == 422
    created = _campaign(client, county)
    assert created.status_code == 201
    campaign = created.get_json()
    assert campaign["active"] is True
    past = _campaign(client, county, title="往年活动", starts_on="2008-05-13", ends_on="2008-06-30").get_json()
    assert [c["id"] for c in client.get("/api/v1/dues/campaigns", headers=bearer(token)).get_json()] == [campaign["id"]]
    assert len(client.get("/api/v1/dues/campaigns", headers=bearer(county)).get_json()) == 2

    for amount in (0, -100, 10_000_001, 10**20):
        resp = order(client, token, campaign_id=campaign["id"], amount_fen=amount)
        assert resp.status_code == 422, amount
    assert order(client, token, campaign_id=campaign["id"], amount_fen="很多").status_code == 422
    assert order(client, token, campaign_id=past["id"], amount_fen=100).status_code == 422
    assert order(client, token, campaign_id=999999, amount_fen=100).status_code == 404

    small = order(client, token, campaign_id=campaign["id"], amount_fen=5000).get_json()
    big = order(client, token, campaign_id=campaign["id"], amount_fen=100001).get_json()
    assert small["forward_upward"] is False and big["forward_upward"] is True
    pay(app, client, small["order_no"])
    pay(app, client, big["order_no"])
    other = make_paying_member(make_branch())
    other_order = order(client, member_token(other), campaign_id=campaign["id"], amount_fen=2000).get_json()
    pay(app, client, other_order["order_no"])

    totals = client.get(f"/api/v1/dues/campaigns/{campaign['id']}/totals", headers=bearer(county)).get_json()
    assert totals["amount_fen"] == 107001 and totals["donors"] == 2 and totals["forward_upward"] == 1
    assert sorted(t["amount_fen"] for t in totals["townships"]) == [2000, 105001]
    scoped = client.get(f"/api/v1/dues/campaigns/{campaign['id']}/totals",
                        headers=bearer(staff_token("township_admin", branch.township_id))).get_json()
    assert [t["amount_fen"] for t in scoped["townships"]] == [105001]
    # Special dues never touch the monthly months or paid_through.
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through is None


def test_every_dues_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    expected = {
        "/api/v1/members/{member_id}/dues-standard": {"put"},
        "/api/v1/members/{member_id}/dues-standards": {"get"},
        "/api/v1/dues/standards/{standard_id}/approve": {"post"},
        "/api/v1/branches/{branch_id}/dues-standards/import": {"post"},
        "/api/v1/me/dues": {"get"},
        "/api/v1/me/dues/orders": {"get"},
        "/api/v1/dues/orders": {"post"},
        "/api/v1/dues/orders/{order_no}": {"get"},
        "/api/v1/dues/orders/{order_no}/refund": {"post"},
        "/api/v1/pay/wechat/notify": {"post"},
        "/api/v1/branches/{branch_id}/dues/ledger": {"get"},
        "/api/v1/branches/{branch_id}/dues/arrears": {"get"},
        "/api/v1/dues/campaigns": {"get", "post"},
        "/api/v1/dues/campaigns/{campaign_id}/totals": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert "text/xml" in paths["/api/v1/pay/wechat/notify"]["post"]["requestBody"]["content"]
