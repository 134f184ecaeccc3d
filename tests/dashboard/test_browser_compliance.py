"""The compliance panel of the dashboard in real headless Chromium: the county per township, then one township
per branch with each miss naming its rule, equal to the API."""
from __future__ import annotations

import json
import os
import urllib.request
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from server.common.timeutil import SHANGHAI, utcnow
from server.core.accounts import StaffUser
from server.core.orgs import default_county
from server.extensions import db
from tests.dashboard.test_browser import ARGS, ARTIFACTS, CHROMIUM
from tests.factories import make_branch, make_event, make_township

STATUS = {"met": "已达标", "missed": "未达标", "pending": "进行中"}


def _get(url: str, token: str) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def test_compliance_panel_matches_the_api(app, live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium was not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    today = utcnow().astimezone(SHANGHAI)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    with app.app_context():
        db.session.add(StaffUser(username="county", password_hash=generate_password_hash("demo-county-2026"),
                                 role="county_admin", scope_id=default_county().id))
        jinshan = make_township("金山镇")
        busy = make_branch(jinshan, name="金山镇驻武汉流动党员党支部")
        make_branch(jinshan, name="金山镇驻广州流动党员党支部")
        make_branch(make_township("大河镇"), name="大河镇流动党员党支部")
        ended = utcnow() - timedelta(hours=3)
        for kind in ("committee", "group", "theme_day", "lecture"):
            make_event(busy, kind=kind, starts_at=ended, ends_at=ended + timedelta(hours=2))
        town_id = jinshan.id

    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(f"{live_server}/dashboard")
            page.fill("#username", "county")
            page.fill("#password", "demo-county-2026")
            page.click("#login-submit")
            page.wait_for_selector(f"#compliance-panel[data-quarter='{quarter}'] #compliance tbody tr")
            token = page.evaluate("sessionStorage.getItem('dashboard.token')")
            county = _get(f"{live_server}/api/v1/county/compliance?quarter={quarter}", token)
            rows = page.eval_on_selector_all("#compliance tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
            assert [r[:6] for r in rows] == [
                [t["township"]["name"], str(t["branches"]), str(t["branches_met"]), str(t["branches_missed"]),
                 str(t["branches_pending"]), str(t["misses"])] for t in county["townships"]]
            assert "组织生活达标（各乡镇）" in page.inner_text("#compliance-title")

            page.click(f"button[data-township='{town_id}']")
            page.wait_for_selector("#compliance-title:text-is('组织生活达标（各流动党员党支部）')")
            town = _get(f"{live_server}/api/v1/townships/{town_id}/compliance?quarter={quarter}", token)
            page.wait_for_function("document.querySelectorAll('#compliance tbody tr').length === 2")
            rows = page.eval_on_selector_all("#compliance tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
            assert [r[:4] for r in rows] == [[b["branch"]["name"], STATUS[b["status"]], str(b["rules_met"]),
                                              str(b["rules_missed"])] for b in town["branches"]]
            for row, branch in zip(rows, town["branches"]):
                for miss in branch["misses"]:
                    assert miss["rule"] in row[4]
                if not branch["misses"]:
                    assert row[4] == "—"
            page.screenshot(path=str(ARTIFACTS / "dashboard-compliance.png"), full_page=True)
            assert problems == []
        finally:
            browser.close()
