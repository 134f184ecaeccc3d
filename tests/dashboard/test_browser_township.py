"""The township view shows the activity-certificate counts and prints each village branch's yearly summary
(issue 11), in real headless Chromium."""
from __future__ import annotations

import os
import urllib.request
from calendar import monthrange
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.security import generate_password_hash

from server.certificates.models import Certificate
from server.certificates.service import today
from server.core.accounts import StaffUser
from server.core.orgs import default_county
from server.extensions import db
from tests.dashboard.test_browser import ARGS, ARTIFACTS, CHROMIUM
from tests.factories import make_branch, make_member, make_township


def _certificate(member, number: str, valid_until) -> None:
    start = valid_until - timedelta(days=364)
    db.session.add(Certificate(member_id=member.id, county_id=default_county().id, number=number, issued_on=start,
                               valid_from=start, valid_until=valid_until, period=1, source="secretary",
                               created_by="test"))


def _seed(app) -> dict:
    with app.app_context():
        town = make_township("金山镇")
        mobile = make_branch(town, name="金山镇流动党员党支部")
        village = make_branch(town, kind="village", name="红星村党支部")
        make_branch(town, kind="village", name="青山村党支部")
        now = today()
        month_end = now.replace(day=monthrange(now.year, now.month)[1])
        members = [make_member(mobile, village_branch=village, name=name, paid_through="2026-10")
                   for name in ("王建国", "李春梅", "赵秀英")]
        # Ended last month: expired, and not among this month's 年审 (which counts the whole month, lapsed or not).
        _certificate(members[0], "JS-2025-001", now.replace(day=1) - timedelta(days=3))
        _certificate(members[1], "JS-2025-002", month_end)
        _certificate(members[2], "JS-2025-003", month_end + timedelta(days=90))
        db.session.add(StaffUser(username="jinshan", password_hash=generate_password_hash("demo-township-2026"),
                                 role="township_admin", scope_id=town.id))
        db.session.commit()
        return {"village_id": village.id, "year": now.year}


def test_township_view_counts_certificates_and_prints_the_yearly_summary(app, live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium was not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    seeded = _seed(app)
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live_server}/dashboard")
            page.fill("#username", "jinshan")
            page.fill("#password", "demo-township-2026")
            page.click("#login-submit")
            page.wait_for_selector("#board-title:text-is('金山镇')")
            page.wait_for_selector("#certificates-panel[data-township]")
            assert page.inner_text("#cert-expired") == "1"
            assert page.inner_text("#cert-due") == "1"
            assert page.inner_text("#cert-total") == "3"
            page.wait_for_selector("#summaries-panel[data-township] .summary-pdf")
            rows = page.locator("#summaries tbody tr")
            assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == \
                ["红星村党支部", "青山村党支部"]
            assert page.inner_text("#summary-year option:checked") == f"{seeded['year']}年"
            page.locator("#certificates-panel").scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "dashboard-township-certificates.png"), full_page=True)

            pdf = page.locator(f".summary-pdf[data-branch-id='{seeded['village_id']}']")
            with page.expect_popup() as popup:
                pdf.click()
            assert popup.value.url.startswith("blob:")
            token = page.evaluate("() => sessionStorage.getItem('dashboard.token')")
            request = urllib.request.Request(
                f"{live_server}/api/v1/branches/{seeded['village_id']}/yearly-summary?year={seeded['year']}&format=pdf",
                headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request) as resp:  # the same PDF, kept to be rendered and looked at
                (ARTIFACTS / "yearly-summary.pdf").write_bytes(resp.read())
            with page.expect_download() as download:
                page.click(f".summary-xlsx[data-branch-id='{seeded['village_id']}']")
            assert download.value.suggested_filename == f"红星村党支部{seeded['year']}年流动党员年度情况.xlsx"
            sheet = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
            cells = {value for row in sheet.iter_rows(values_only=True) for value in row}
            assert {"王建国", "李春梅", "赵秀英", "合计"} <= cells
            assert page.is_hidden("#summary-error")
            assert problems == []
        finally:
            browser.close()
