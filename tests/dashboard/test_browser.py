"""The dashboard page in real headless Chromium: password login, figures equal to the API, drill-down."""
from __future__ import annotations

import io
import json
import os
import re
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

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
    from server.core.orgs import Branch, default_county

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
                for back in (1, 2, 4, 5, 6):  # nothing yet this month, nothing at all in month -3
                    m = month_add(month, -back)
                    if (i + back) % 3:
                        checkin(member, m)
                    if (i + back) % 2 == 0:
                        report(member, m)
                    if i % 4 and back < 4:
                        paid(member, m, 1500 + 500 * (i % 3))
        apply_outbox()
        lostcontact.flag_candidates()
        jinshan = db.session.query(type(town)).filter_by(name="金山镇").one().id
        db.session.add(StaffUser(username="jinshan", password_hash=generate_password_hash("demo-township-2026"),
                                 role="township_admin", scope_id=jinshan))
        xidou = db.session.query(Branch).filter_by(name="西斗铺镇流动党员党支部").one().id
        db.session.add(StaffUser(username="xidou", password_hash=generate_password_hash("demo-branch-2026"),
                                 role="branch_secretary", scope_id=xidou))
        db.session.commit()
    return {"month": month, "last": month_add(month, -1), "gap": month_add(month, -3), "jinshan": jinshan,
            "xidou": xidou}


def _label(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:])}月"


def _get(url: str, token: str) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _rates(page, chart_id: str) -> list:
    return page.evaluate(f"echarts.getInstanceByDom(document.getElementById('{chart_id}')).getOption()"
                         ".series.map(s => s.data)")


def test_dashboard_in_headless_chromium(app, live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium was not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
                    "(the browser test never downloads a browser)")
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    seeded = _seed(app)
    last, now = seeded["last"], seeded["month"]
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    failed: list[str] = []

    def watch(page):
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        # The only request allowed to fail is the deliberately wrong password below.
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and not re.search(
            r"/api/v1/staff/login$", r.url) else None)
        return page

    def login(page, username, password):
        page.goto(f"{live_server}/dashboard")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("#login-submit")
        page.wait_for_selector('[data-field="members"][data-value]')

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = watch(browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                          accept_downloads=True))
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

            # Nothing yet this month: the board opens on last month and says so, with a way to this month.
            assert page.input_value("#month") == last
            assert page.inner_text("#month option:checked") == _label(last)
            assert page.inner_text("#month option:first-child") == f"{_label(now)}（无数据）"
            note = page.inner_text("#month-note")
            assert f"本月（{_label(now)}）还没有报到、签到或缴费数据" in note and _label(last) in note
            assert page.title() == f"全县 · {_label(last)} · 县级看板 | 流动党员之家"
            icon = page.get_attribute("link[rel=icon]", "href")
            assert page.request.get(f"{live_server}{icon}").headers["content-type"].startswith("image/svg+xml")

            api = _get(f"{live_server}/api/v1/dashboard/county?month={last}", token)
            totals = api["totals"]
            assert totals["members"] == 14 and totals["checkin_members"] > 0

            def card(field, on=page):
                return on.get_attribute(f'[data-field="{field}"]', "data-value"), on.inner_text(
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

            # The gap month is a gap (null) in the API and in both charts, and is named under them.
            gap = [i for i, p in enumerate(api["series"]) if not p["has_data"]]
            assert [api["series"][i]["month"] for i in gap] == [m for m in (p["month"] for p in api["series"])
                                                               if m <= month_add(now, -7) or m == seeded["gap"]]
            report_line, checkin_line = _rates(page, "chart-rates")
            (dues,) = _rates(page, "chart-dues")
            for i, point in enumerate(api["series"]):
                expected = None if i in gap else point["checkin_rate"] * 100
                assert checkin_line[i] == expected or abs(checkin_line[i] - expected) < 1e-9, point["month"]
                assert (report_line[i] is None) == (dues[i] is None) == (i in gap)
            assert _label(seeded["gap"]) in page.inner_text("#series-gaps")

            # The county's own arrears and lost-contact lists, masked, without opening a township.
            people = _get(f"{live_server}/api/v1/dashboard/county/people?month={last}", token)
            page.wait_for_selector("#arrears tbody tr[data-id]")
            arrears = page.eval_on_selector_all("#arrears tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
            assert len(arrears) == people["arrears"]["total"] == totals["arrears_6m"] > 0
            assert [r[0] for r in arrears] == [m["name"] for m in people["arrears"]["items"]]
            assert {r[1].split(" · ")[0] for r in arrears} == {"金山镇", "西斗铺镇", "大河镇"} & {
                m["township"]["name"] for m in people["arrears"]["items"]}
            assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", r[2]) for r in arrears)
            lost_ids = page.eval_on_selector_all("#lost tbody tr[data-id]", "rows => rows.map(r => Number(r.dataset.id))")
            assert lost_ids == [m["id"] for m in people["flagged"]["items"]] and lost_ids
            page.wait_for_timeout(600)  # let the chart animations finish before the picture
            page.screenshot(path=str(ARTIFACTS / "dashboard-county.png"), full_page=True)

            with page.expect_download() as download:
                page.click("#export")
            assert download.value.suggested_filename == f"全县看板-{_label(last)}.xlsx"
            workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
            assert workbook["汇总"]["A1"].value == f"全县 {_label(last)} 看板汇总"

            page.emulate_media(media="print")
            assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "none"
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
            assert page.evaluate("getComputedStyle(document.getElementById('units-panel')).breakBefore") == "page"
            page.screenshot(path=str(ARTIFACTS / "dashboard-print.png"), full_page=True)
            page.pdf(path=str(ARTIFACTS / "dashboard-print.pdf"), format="A4")
            page.emulate_media(media="screen")

            # This month, chosen on purpose: said to be empty, with a link back to the last month with data.
            page.click('#month-note a[data-month]')
            page.wait_for_selector(f'#month-note a[data-month="{last}"]')
            page.wait_for_selector(f'#board[data-shown="county {now}"]')
            assert page.input_value("#month") == now and card("reported") == ("0", "0")
            assert "还没有报到、签到或缴费数据" in page.inner_text("#month-note")
            page.click(f'#month-note a[data-month="{last}"]')
            page.wait_for_selector("#month-note", state="hidden")

            page.click(f'button[data-township="{seeded["jinshan"]}"]')
            page.wait_for_selector("#board-title:text-is('金山镇')")
            page.wait_for_selector("#arrears tbody tr[data-id]")
            town = _get(f"{live_server}/api/v1/dashboard/townships/{seeded['jinshan']}?month={last}", token)
            assert card("members") == (str(town["totals"]["members"]),) * 2
            names = page.eval_on_selector_all("#arrears tbody tr td:first-child", "cells => cells.map(c => c.innerText)")
            assert names == [m["name"] for m in town["arrears"]["items"]] and names
            page.click("#arrears tbody tr:first-child a")
            page.wait_for_selector("#member-dialog[open]")
            assert names[0] in page.inner_text("#member-fields")
            page.click("#member-close")

            phone = watch(browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                           is_mobile=True))
            phone.goto(f"{live_server}/dashboard")
            phone.evaluate(f"sessionStorage.setItem('dashboard.token', '{token}')")
            phone.reload()
            phone.wait_for_selector("#arrears tbody tr[data-id]")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "no sideways scrolling"
            assert phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
            widest = phone.evaluate("Math.max(...[...document.querySelectorAll('table.grid')].map(t => t.scrollWidth))")
            assert widest <= 390, "every table fits the phone"
            assert phone.eval_on_selector("#arrears tbody tr td:nth-child(3)", "td => getComputedStyle(td, '::before')"
                                          ".content") == '"手机"'
            phone.wait_for_timeout(600)
            phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
            phone.screenshot(path=str(ARTIFACTS / "dashboard-phone-top.png"))
            phone.eval_on_selector("#arrears-panel", "el => el.scrollIntoView()")
            phone.screenshot(path=str(ARTIFACTS / "dashboard-phone-arrears.png"))
            phone.close()

            # A branch secretary lands on their own branch's board with its figures, not a refusal.
            secretary = watch(browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
            login(secretary, "xidou", "demo-branch-2026")
            secretary.wait_for_selector("#board-title:text-is('西斗铺镇流动党员党支部')")
            assert secretary.inner_text("#board-name") == "支部看板"
            assert secretary.is_hidden("#board-error")
            sec_token = secretary.evaluate("sessionStorage.getItem('dashboard.token')")
            mine = _get(f"{live_server}/api/v1/dashboard/branches/{seeded['xidou']}?month={last}", sec_token)
            for field in ("members", "reported", "arrears_6m"):
                assert card(field, secretary) == (str(mine["totals"][field]),) * 2, field
            assert mine["totals"]["members"] == 5
            assert secretary.title() == f"西斗铺镇流动党员党支部 · {_label(last)} · 支部看板 | 流动党员之家"
            secretary.wait_for_selector("#arrears tbody tr[data-id]")
            secretary.wait_for_timeout(600)
            secretary.screenshot(path=str(ARTIFACTS / "dashboard-secretary.png"), full_page=True)
            secretary.close()

            # A township admin lands on their own township's board, named as such.
            town_page = watch(browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
            login(town_page, "jinshan", "demo-township-2026")
            town_page.wait_for_selector("#board-title:text-is('金山镇')")
            assert town_page.inner_text("#board-name") == "乡镇看板"
            assert "金山镇" in town_page.inner_text("#who-name")
        finally:
            browser.close()
    assert failed == []
    assert [p for p in problems if not p.startswith("Failed to load resource")] == [], "no script or CSP errors"
