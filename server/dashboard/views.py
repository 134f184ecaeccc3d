"""Dashboard endpoints: county and township figures, lost-contact flags, and the staff web page."""
from __future__ import annotations

from flask import render_template

from server.common.apidoc import SECURED
from server.common.timeutil import current_month
from server.core.guards import current_principal, staff_required
from server.dashboard import lostcontact, viewcache
from server.dashboard.schemas import (
    CountyOut,
    DashboardQuery,
    FlagOut,
    FlagPage,
    LostContactQuery,
    ReasonIn,
    TownshipDashboardOut,
)
from server.errors import ErrorOut
from server.extensions import Blueprint

blp = Blueprint("dashboard", __name__, url_prefix="/api/v1", description="县级看板与失联党员标记")
pages = Blueprint("dashboard_pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/dashboard/static", description="看板网页（工作人员用）")

STAFF = ("branch_secretary", "township_admin", "county_admin")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@blp.get("/dashboard/county")
@blp.arguments(DashboardQuery, location="query")
@blp.response(200, CountyOut)
@blp.alt_response(403, schema=ErrorOut, description="不是县级管理员")
@blp.alt_response(422, schema=ErrorOut, description="月份格式不正确")
@blp.doc(**SECURED)
@staff_required("county_admin")
def county_dashboard(query):
    """县级看板：各乡镇汇总

    口径（所选月份 M，北京时间）：members = 本乡镇状态为 active 的党员数（members_by_status 给出各状态人数）；
    reported = 在 M 月至少报到一次的 active 党员数；checkin_rate = 在 M 月的活动中至少签到一次的 active 党员
    / members；dues_paid_rate = paid_through >= M 的 active 党员 / members；arrears_6m = paid_through <= M-6，
    或从未缴费且 M-5 月及以前入册的 active 党员数；lost_contact = 状态为 lost_contact 的党员数，
    lost_contact_flagged = 待书记确认的失联标记数。比率为 0..1 的数，保留 4 位小数；无党员时为 0。
    series 为截至 M 的 12 个月（比率以当前 active 人数为分母），paid_fen 为按缴费月份统计、已扣除退款的党费（分）。
    数据来自按 outbox 增量维护的汇总表，不扫描签到明细。
    """
    return viewcache.county(current_principal(), query["month"] or current_month(), CountyOut().dump)


@blp.get("/dashboard/townships/<int:township_id>")
@blp.arguments(DashboardQuery, location="query")
@blp.response(200, TownshipDashboardOut)
@blp.alt_response(403, schema=ErrorOut, description="角色不符（支部书记、党员）")
@blp.alt_response(404, schema=ErrorOut, description="乡镇不存在或不在权限范围内")
@blp.doc(**SECURED)
@staff_required("county_admin", "township_admin")
def township_dashboard(query, township_id):
    """乡镇看板：各流动党员党支部、近 12 个月趋势、欠缴 6 个月名单、失联名单

    口径同县级看板。名单最多各 100 人（total 为总数），手机号脱敏；每次查看写入审计日志。
    """
    return viewcache.township(current_principal(), township_id, query["month"] or current_month(),
                              TownshipDashboardOut().dump)


@blp.get("/lost-contact")
@blp.arguments(LostContactQuery, location="query")
@blp.response(200, FlagPage)
@blp.alt_response(403, schema=ErrorOut)
@blp.alt_response(404, schema=ErrorOut, description="支部不在权限范围内")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_lost_contact(query):
    """失联标记列表（按权限范围）

    每日任务把连续 6 个月（183 天）没有报到、签到或缴费的 active 党员标记出来，供支部书记确认或排除；
    任务本身从不修改党员状态。state 缺省为 open（待确认）。
    """
    return lostcontact.list_flags(current_principal(), query["branch_id"], query["state"],
                                  query["page"], query["per_page"])


@blp.post("/lost-contact/<int:member_id>/confirm")
@blp.arguments(ReasonIn)
@blp.response(200, FlagOut)
@blp.alt_response(404, schema=ErrorOut, description="党员不在权限范围内，或没有失联标记")
@blp.alt_response(409, schema=ErrorOut, description="标记已处理（flag_already_resolved）或党员不是 active（member_not_active）")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def confirm_lost_contact(body, member_id):
    """确认失联：党员状态改为 lost_contact（记录历史、审计并同步乡镇），关闭标记"""
    return lostcontact.confirm(current_principal(), member_id, body["reason"])


@blp.post("/lost-contact/<int:member_id>/dismiss")
@blp.arguments(ReasonIn)
@blp.response(200, FlagOut)
@blp.alt_response(404, schema=ErrorOut)
@blp.alt_response(409, schema=ErrorOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def dismiss_lost_contact(body, member_id):
    """排除失联标记：已联系上该党员，状态不变；此后 6 个月内不再标记"""
    return lostcontact.dismiss(current_principal(), member_id, body["reason"])


_HTML = {"responses": {"200": {"description": "HTML 页面", "content": {"text/html": {}}}}}


@pages.get("/dashboard")
@pages.doc(**_HTML)
def dashboard_page():
    """县级看板网页：工作人员用户名密码登录后查看（图表与名单均调用上面的 API）"""
    return render_template("dashboard/index.html")


@pages.get("/dashboard/members/<int:member_id>")
@pages.doc(**_HTML)
def member_page(member_id):
    """看板中的党员详情页（数据来自 GET /api/v1/members/{id}）"""
    return render_template("dashboard/index.html")


@pages.after_request
def security_headers(response):
    """No inline script anywhere on the dashboard; it is never framed."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
