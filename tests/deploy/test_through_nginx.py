"""A working day through nginx → gunicorn: staff and member logins, a check-in, a payment notice, the dashboard.

PostgreSQL and Redis only: the member logs in with a code this test mints in the WeChat emulator, whose
state lives in the deployment's Redis; an in-process memory:// store cannot be shared with gunicorn.
"""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from server.common.timeutil import current_month
from server.core.accounts import StaffUser
from server.core.audit import AuditEntry
from server.core.orgs import default_county
from server.dashboard.tasks import apply_outbox
from server.dues.models import DuesOrder
from server.extensions import db
from server.wechat.emulator import issue_login_code
from server.wechat.emulator import pay as emu_pay
from tests.factories import VENUE, make_branch, make_event, make_paying_member

pytestmark = pytest.mark.postgresql

JSON = {"Content-Type": "application/json"}


def call(client, method, path, body=None, token=None, headers=None):
    """A JSON call through nginx; returns (status, decoded body)."""
    sent = {**JSON, **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    status, got, raw = client.request(method, path, None if body is None else json.dumps(body).encode(), sent)
    assert got["content-type"].startswith("application/json"), (status, raw[:200])
    return status, json.loads(raw) if raw else None


def staff(username, password, role, scope_id=None):
    db.session.add(StaffUser(username=username, password_hash=generate_password_hash(password), role=role,
                             scope_id=scope_id))
    db.session.commit()


def test_staff_member_checkin_payment_and_dashboard_through_nginx(app, ctx, running):
    web = running.client(source="127.0.0.5")
    branch = make_branch(kind="mobile")
    member = make_paying_member(branch, name="张建国")
    event = make_event(branch)
    staff("county", "county-pass-2026", "county_admin", default_county().id)
    staff("secretary", "secretary-pass-2026", "branch_secretary", branch.id)

    status, body = call(web, "POST", "/api/v1/staff/login", {"username": "county", "password": "county-pass-2026"})
    assert status == 200 and body["roles"] == ["county_admin"]
    county = body["token"]
    status, body = call(web, "POST", "/api/v1/staff/login",
                        {"username": "secretary", "password": "secretary-pass-2026"})
    assert status == 200
    secretary = body["token"]

    status, body = call(web, "POST", "/api/v1/auth/login", {"code": issue_login_code(app.config, openid="o-zhang")})
    assert status == 200 and body["bound"] is False
    phone = body["token"]
    status, body = call(web, "POST", "/api/v1/auth/bind", {"name": "张建国", "id_number": member.id_number},
                        token=phone)
    assert status == 200 and body["member"]["id"] == member.id

    status, body = call(web, "GET", f"/api/v1/events/{event.id}/checkin-code", token=secretary)
    assert status == 200
    status, body = call(web, "POST", f"/api/v1/events/{event.id}/checkins",
                        {"token": body["token"], "lat": VENUE[0], "lng": VENUE[1]}, token=phone)
    assert status == 201 and body["checkin"]["member_id"] == member.id

    month = current_month()
    status, body = call(web, "POST", "/api/v1/dues/orders", {"months": [month]}, token=phone)
    assert status == 201 and body["status"] == "pending"
    order_no = body["order_no"]
    notice = emu_pay.pay_order(app.config, order_no).encode()
    status, headers, raw = web.request("POST", "/api/v1/pay/wechat/notify", notice, {"Content-Type": "text/xml"})
    assert status == 200 and b"<return_code><![CDATA[SUCCESS]]></return_code>" in raw
    status, body = call(web, "GET", f"/api/v1/dues/orders/{order_no}", token=phone)
    assert status == 200 and body["status"] == "paid"
    assert db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == order_no)) == "paid"

    apply_outbox()  # the worker's roll-up, run here instead of by RQ
    status, headers, raw = web.request("GET", "/dashboard")
    assert status == 200 and headers["content-type"].startswith("text/html")
    script = re.search(r'<script[^>]+src="([^"]+)"', raw.decode()).group(1)
    assert web.request("GET", script)[0] == 200
    status, body = call(web, "GET", f"/api/v1/dashboard/county?month={month}", token=county)
    assert status == 200
    assert body["totals"]["members"] == 1 and body["totals"]["checkin_members"] == 1, body["totals"]

    # The addresses the app recorded are the client's as nginx saw it, not nginx's own 127.0.0.1.
    logins = db.session.execute(select(AuditEntry.action, AuditEntry.ip).where(
        AuditEntry.action.in_(("staff.login", "member.bound")))).all()
    assert sorted(logins) == [("member.bound", "127.0.0.5"), ("staff.login", "127.0.0.5"), ("staff.login", "127.0.0.5")]
