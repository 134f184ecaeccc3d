"""Member endpoints: the member's own profile and report-ins; staff reads of the roster."""
from __future__ import annotations

from flask import g

from server.common.apidoc import SECURED
from server.common.schemas import PageQuery
from server.core.guards import current_principal, member_required, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.members import service
from server.members.schemas import (
    MemberDetailOut,
    MemberPageOut,
    MemberQuery,
    MeOut,
    ReportIn,
    ReportOut,
    ReportPageOut,
    StatusIn,
)

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="党员本人与党员名册")

STAFF = ("county_admin", "township_admin", "branch_secretary")


@blp.get("/me")
@blp.response(200, MeOut)
@blp.alt_response(403, schema=ErrorOut, description="not_bound：已登录但尚未绑定花名册")
@blp.doc(**SECURED)
@member_required
def me():
    """当前党员（身份证号、手机号已打码）及其角色"""
    return {"member": service.get_member(g.member_id), "roles": current_principal().roles}


@blp.post("/me/reports")
@blp.arguments(ReportIn, example={"city": "武汉市", "address": "武汉市江汉区解放大道 688 号",
                                  "employer": "武汉光谷电子科技公司", "lat": 30.5928, "lng": 114.3055})
@blp.response(201, ReportOut, description="本月第一次报到")
@blp.alt_response(200, schema=ReportOut, description="本月已报到过：改写本月的报到记录（updated_at 为改写时间）",
                  success=True)
@blp.alt_response(409, schema=ErrorOut, description="member_left：已办理组织关系转出或返乡，不再向流动党支部报到")
@blp.doc(**SECURED)
@member_required(counts=("report", service.REPORT_WINDOW_S))
def create_report(body):
    """每月报到：本月住在哪里、在哪里工作（月份和时间由服务器定；同月再次提交即更新）"""
    report, created = service.create_report(g.member_id, **body)
    return report, 201 if created else 200


@blp.get("/me/reports")
@blp.arguments(PageQuery, location="query")
@blp.response(200, ReportPageOut)
@blp.doc(**SECURED)
@member_required
def list_reports(query):
    """本人的报到记录，最新在前"""
    return service.list_reports(g.member_id, query["page"], query["per_page"])


@blp.get("/members")
@blp.arguments(MemberQuery, location="query")
@blp.response(200, MemberPageOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_members(query):
    """管辖范围内的党员，打码、分页（每次查看都记入审计）"""
    return service.search_members(current_principal(), **query)


@blp.get("/members/<int:member_id>")
@blp.response(200, MemberDetailOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该党员，或不在您的管辖范围内")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def get_member(member_id):
    """管辖范围内的一名党员，打码，含状态变更历史（查看记入审计）"""
    return service.member_detail(current_principal(), member_id)


@blp.post("/members/<int:member_id>/status")
@blp.arguments(StatusIn)
@blp.response(200, MemberDetailOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该党员，或不在您的管辖范围内")
@blp.alt_response(422, schema=ErrorOut, description="validation_error：输入有误；status_unchanged：状态与现在相同")
@blp.doc(**SECURED)
@staff_required("county_admin", "township_admin")
def change_status(body, member_id):
    """变更党员状态并说明原因（留痕、审计并同步给乡镇）"""
    return service.staff_change_status(current_principal(), member_id, body["status"], body["reason"])
