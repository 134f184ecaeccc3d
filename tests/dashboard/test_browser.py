"""The dashboard page in real headless Chromium: password login, figures equal to the API, drill-down."""
from __future__ import annotations

import json
import os
import re
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from server.common.timeutil import current_month, month_add, utcnow
from server.dashboard import lostcontact
from server.dashboard.tasks import apply_outbox
from server.extensions import db
from tests.dashboard.conftest import checkin, paid, report
from tests.factories import make_branch, make_member, make_township

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts"


def _seed(app) -> dict:
    from server.core.accounts import StaffUser
    from server.core.orgs import default_county

    month = current_month()
    long_ago = utcnow() - timedelta(days=400)
    with app.app_context():
        db.session.add(StaffUser(username="county", password_hash=generate_password_hash("demo-county-2026"),
                                 role="county_admin", scope_id=default_county().id))
        db.session.commit()
        names = iter("张建国 李春梅 王德福 赵秀英 刘志强 陈桂兰 杨海波 黄丽华 周永红 吴俊杰 徐凤英 孙卫东 马晓燕 朱国庆".split())
        for town_name, size in (("金山镇", 8), ("西斗铺镇", 5), ("大河镇", 1)):
            town = make_township(town_name)
            branch = make_branch(town, name=f"{town_name}流动党员党支部")
            for i in range(size):
                paid_through = month_add(month, -(i % 9) + 1) if i % 4 else None
                member = make_member(branch, name=next(names, f"党员{i}"), paid_through=paid_through,
                                     created_at=long_ago, last_activity_at=long_ago if i == 1 else utcnow())
                for back in range(6):
                    m = month_add(month, -back)
                    if (i + back) % 3:
                        checkin(member, m)
                    if (i + back) % 2 == 0:
                        report(member, m)
                    if i % 4 and back < 3:
                        paid(member, m, 1500 + 500 * (i % 3))
        apply_outbox()
        lostcontact.flag_candidates()
        jinshan = db.session.query(type(town)).filter_by(name="金山镇").one().id
        db.session.add(StaffUser(username="jinshan", password_hash=generate_password_hash("demo-township-2026"),
                                 role="township_admin", scope_id=jinshan))
        db.session.commit()
    return {"month": month, "jinshan": jinshan}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _get(url: str, token: str) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def test_dashboard_in_headless_chromium(app, live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium was not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
                    "(the browser test never downloads a browser)")
    from playwright.sync_api import sync_playwright

    seeded = _seed(app)
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            # The only request allowed to fail is the deliberately wrong password below.
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and not re.search(
                r"/api/v1/staff/login$|/favicon\.ico$", r.url) else None)
            resp = page.goto(f"{live_server}/dashboard")
            assert "script-src 'self'" in resp.headers["content-security-policy"]
            page.fill("#username", "county")
            page.fill("#password", "wrong-password")
            page.click("#login-submit")
            page.wait_for_selector("#login-error:not([hidden])")
            assert "不正确" in page.inner_text("#login-error")
            problems.clear()  # the refused login is logged by the browser as a failed request

            page.fill("#password", "demo-county-2026")
            page.click("#login-submit")
            page.wait_for_selector('[data-field="members"][data-value]')
            page.wait_for_selector("#units tbody tr[data-id]")
            page.wait_for_selector("#chart-dues canvas")
            token = page.evaluate("sessionStorage.getItem('dashboard.token')")
            api = _get(f"{live_server}/api/v1/dashboard/county?month={seeded['month']}", token)
            totals = api["totals"]
            assert totals["members"] == 14 and totals["checkin_members"] > 0

            def card(field):
                return page.get_attribute(f'[data-field="{field}"]', "data-value"), page.inner_text(
                    f'[data-field="{field}"]')

            for field in ("members", "reported", "arrears_6m", "lost_contact"):
                assert card(field) == (str(totals[field]), str(totals[field])), field
            for field in ("checkin_rate", "dues_paid_rate"):
                value, text = card(field)
                assert float(value) == totals[field] and text == _percent(totals[field]), field
            rows = page.eval_on_selector_all(
                "#units tbody tr", "rows => rows.map(r => [...r.cells].slice(0, 7).map(c => c.innerText))")
            assert rows == [[t["name"], str(t["members"]), str(t["reported"]), _percent(t["checkin_rate"]),
                             _percent(t["dues_paid_rate"]), str(t["arrears_6m"]), str(t["lost_contact"])]
                            for t in api["townships"]]
            page.wait_for_selector("#lost tbody tr[data-id]")
            page.wait_for_timeout(600)  # let the chart animations finish before the picture
            page.screenshot(path=str(ARTIFACTS / "dashboard-county.png"), full_page=True)

            page.click(f'button[data-township="{seeded["jinshan"]}"]')
            page.wait_for_selector("#board-title:text-is('金山镇')")
            page.wait_for_selector("#arrears tbody tr[data-id]")
            town = _get(f"{live_server}/api/v1/dashboard/townships/{seeded['jinshan']}?month={seeded['month']}", token)
            assert card("members") == (str(town["totals"]["members"]),) * 2
            names = page.eval_on_selector_all("#arrears tbody tr td:first-child", "cells => cells.map(c => c.innerText)")
            assert names == [m["name"] for m in town["arrears"]["items"]] and names
            page.wait_for_timeout(600)
            page.screenshot(path=str(ARTIFACTS / "dashboard-township.png"), full_page=True)

            page.click("#arrears tbody tr:first-child a")
            page.wait_for_selector("#member-dialog[open]")
            assert names[0] in page.inner_text("#member-fields")
            page.click("#member-close")

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
            phone.goto(f"{live_server}/dashboard")
            phone.evaluate(f"sessionStorage.setItem('dashboard.token', '{token}')")
            phone.reload()
            phone.wait_for_selector('[data-field="members"][data-value]')
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "no sideways scrolling"
            font = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert font >= 18
            phone.wait_for_timeout(600)
            phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)

            # A township admin lands on their own township's board, named as such.
            town_page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            town_page.goto(f"{live_server}/dashboard")
            town_page.fill("#username", "jinshan")
            town_page.fill("#password", "demo-township-2026")
            town_page.click("#login-submit")
            town_page.wait_for_selector("#board-title:text-is('金山镇')")
            assert town_page.inner_text("#board-name") == "乡镇看板"
            assert "金山镇" in town_page.inner_text("#who-name")
        finally:
            browser.close()
    assert failed == []
    assert [p for p in problems if not p.startswith("Failed to load resource")] == [], "no script or CSP errors"
