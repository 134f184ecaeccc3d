"""Dashboard endpoints for the months with data, a branch's board, the county-wide lists and the xlsx exports."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, redirect, url_for

from server.common.apidoc import SECURED
from server.common.timeutil import current_month
from server.common.xlsx import XLSX_MIMETYPE
from server.core.guards import current_principal, staff_required
from server.dashboard import board, exports
from server.dashboard.board_schemas import BranchBoardOut, MonthsOut, PeopleOut
from server.dashboard.schemas import DashboardQuery
from server.dashboard.views import STAFF, blp, pages
from server.errors import ErrorOut

BINARY = {"type": "string", "format": "binary"}
_HTML_ICON = {"responses": {"301": {"description": "转到 SVG 图标"}}}


def _xlsx(content: bytes, filename: str, ascii_name: str) -> Response:
    return Response(content, mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"})


@blp.get("/dashboard/months")
@blp.response(200, MonthsOut)
@blp.alt_response(403, schema=ErrorOut, description="不是工作人员")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def dashboard_months():
    """看板月份：本月、最近有数据的月份（看板默认打开此月）

    “有数据”指该月在本人范围内（县、乡镇或支部）至少有一次报到、签到或缴费。
    """
    return board.months(current_principal())


@blp.get("/dashboard/county/people")
@blp.arguments(DashboardQuery, location="query")
@blp.response(200, PeopleOut)
@blp.alt_response(403, schema=ErrorOut, description="不是县级管理员")
@blp.alt_response(422, schema=ErrorOut, description="月份格式不正确")
@blp.doc(**SECURED)
@staff_required("county_admin")
def county_people(query):
    """全县欠缴满 6 个月名单与失联名单（不必逐个打开乡镇）

    即县级看板 arrears_6m、lost_contact、lost_contact_flagged 所计的党员；手机号脱敏（不含身份证号），每类最多 100 人
    （total 为总数，完整名单见导出）；每次查看写入审计日志。
    """
    return board.county_people(current_principal(), query["month"] or current_month())


@blp.get("/dashboard/branches/<int:branch_id>")
@blp.arguments(DashboardQuery, location="query")
@blp.response(200, BranchBoardOut)
@blp.alt_response(403, schema=ErrorOut, description="不是工作人员")
@blp.alt_response(404, schema=ErrorOut, description="支部不存在或不在权限范围内")
@blp.alt_response(422, schema=ErrorOut, description="月份格式不正确")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def branch_board(query, branch_id):
    """支部看板：本支部党员、报到、签到、党费、欠缴与失联（支部书记登录后看到的看板）

    口径同县级看板；名单最多各 100 人，手机号脱敏（不含身份证号）；每次查看写入审计日志。
    """
    return board.branch(current_principal(), branch_id, query["month"] or current_month())


@blp.get("/dashboard/county/export")
@blp.arguments(DashboardQuery, location="query")
@blp.alt_response(200, schema=BINARY, content_type=XLSX_MIMETYPE, success=True,
                  description="xlsx：汇总、近 12 个月、欠缴满 6 个月、失联党员四张表")
@blp.alt_response(403, schema=ErrorOut, description="不是县级管理员")
@blp.alt_response(422, schema=ErrorOut, description="月份格式不正确")
@blp.doc(**SECURED)
@staff_required("county_admin")
def county_export(query):
    """导出县级看板（xlsx）：各乡镇汇总、趋势和完整名单（脱敏），写入审计日志"""
    month = query["month"] or current_month()
    data = board.county_export(current_principal(), month)
    content = exports.board_xlsx("全县", "乡镇", data["townships"], data)
    return _xlsx(content, f"全县看板-{exports.month_label(month)}.xlsx", f"county-{month}.xlsx")


@blp.get("/dashboard/townships/<int:township_id>/export")
@blp.arguments(DashboardQuery, location="query")
@blp.alt_response(200, schema=BINARY, content_type=XLSX_MIMETYPE, success=True,
                  description="xlsx：汇总、近 12 个月、欠缴满 6 个月、失联党员四张表")
@blp.alt_response(403, schema=ErrorOut, description="角色不符（支部书记、党员）")
@blp.alt_response(404, schema=ErrorOut, description="乡镇不存在或不在权限范围内")
@blp.alt_response(422, schema=ErrorOut, description="月份格式不正确")
@blp.doc(**SECURED)
@staff_required("county_admin", "township_admin")
def township_export(query, township_id):
    """导出乡镇看板（xlsx）：各支部汇总、趋势和完整名单（脱敏），写入审计日志"""
    month = query["month"] or current_month()
    data = board.township_export(current_principal(), township_id, month)
    name = data["township"]["name"]
    content = exports.board_xlsx(name, "支部", data["branches"], data)
    return _xlsx(content, f"{name}看板-{exports.month_label(month)}.xlsx", f"township-{township_id}-{month}.xlsx")


@blp.get("/dashboard/branches/<int:branch_id>/export")
@blp.arguments(DashboardQuery, location="query")
@blp.alt_response(200, schema=BINARY, content_type=XLSX_MIMETYPE, success=True,
                  description="xlsx：汇总、近 12 个月、欠缴满 6 个月、失联党员四张表")
@blp.alt_response(403, schema=ErrorOut, description="不是工作人员")
@blp.alt_response(404, schema=ErrorOut, description="支部不存在或不在权限范围内")
@blp.alt_response(422, schema=ErrorOut, description="月份格式不正确")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def branch_export(query, branch_id):
    """导出支部看板（xlsx）：本支部汇总、趋势和完整名单（脱敏），写入审计日志"""
    month = query["month"] or current_month()
    data = board.branch(current_principal(), branch_id, month, limit=board.EXPORT_LIMIT)
    name = data["branch"]["name"]
    content = exports.board_xlsx(name, "支部", [data["totals"]], data, with_total=False)
    return _xlsx(content, f"{name}看板-{exports.month_label(month)}.xlsx", f"branch-{branch_id}-{month}.xlsx")



@pages.get("/favicon.ico")
@pages.doc(**_HTML_ICON)
def favicon():
    """站点图标（浏览器默认请求 /favicon.ico；看板页面本身引用 SVG 图标）"""
    return redirect(url_for("dashboard_pages.static", filename="favicon.svg"), 301)
