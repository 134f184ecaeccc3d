"""The township member view prints a transfer's letter (CONTRACT §13), in real headless Chromium."""
from __future__ import annotations

import os
from datetime import date

import pytest
from werkzeug.security import generate_password_hash

from server.core.accounts import StaffUser
from server.core.tokens import Principal
from server.extensions import db
from server.transfers import service as transfers
from tests.dashboard.test_browser import ARGS, ARTIFACTS, CHROMIUM
from tests.factories import make_branch, make_member, make_township


def test_the_member_dialog_lists_letters_and_opens_the_pdf(app, live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium was not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with app.app_context():
        town = make_township("金山镇")
        branch = make_branch(town, name="金山镇流动党员党支部")
        member = make_member(branch, name="王建国", paid_through="2026-10")
        admin = StaffUser(username="jinshan", password_hash=generate_password_hash("demo-township-2026"),
                          role="township_admin", scope_id=town.id)
        db.session.add(admin)
        db.session.commit()
        with app.test_request_context():
            principal = Principal(kind="staff", subject_id=admin.id, roles=["township_admin"], scope_id=town.id)
            letter_no = transfers.record(principal, member.id, "transfer_out", "在深圳落户", date.today(),
                                         "深圳市宝安区西乡街道党工委").letter_no
        member_id = member.id

    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live_server}/dashboard")
            page.fill("#username", "jinshan")
            page.fill("#password", "demo-township-2026")
            page.click("#login-submit")
            page.wait_for_selector("#board-title:text-is('金山镇')")
            page.goto(f"{live_server}/dashboard/members/{member_id}")
            page.wait_for_selector("#member-dialog[open] .letter-link")
            assert page.inner_text(".letter-link") == f"打印介绍信 {letter_no}"
            assert "已转出" in page.inner_text("#member-fields")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "dashboard-member-letter.png"))
            with page.expect_popup() as popup:
                page.click(".letter-link")
            assert popup.value.url.startswith("blob:")
            assert problems == []
        finally:
            browser.close()
