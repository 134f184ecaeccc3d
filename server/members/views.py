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
@blp.alt_response(403, schema=ErrorOut, description="not_bound: log in but not yet bound")
@blp.doc(**SECURED)
@member_required
def me():
    """The signed-in member (ID number and phone masked) and their roles."""
    return {"member": service.get_member(g.member_id), "roles": current_principal().roles}


@blp.post("/me/reports")
@blp.arguments(ReportIn)
@blp.response(201, ReportOut, description="本月第一次报到")
@blp.alt_response(200, schema=ReportOut, description="本月已报到过：改写本月的报到记录（updated_at 为改写时间）",
                  success=True)
@blp.doc(**SECURED)
@member_required
def create_report(body):
    """Report in: where the member lives and works this month (the server sets month and time)."""
    report, created = service.create_report(g.member_id, **body)
    return report, 201 if created else 200


@blp.get("/me/reports")
@blp.arguments(PageQuery, location="query")
@blp.response(200, ReportPageOut)
@blp.doc(**SECURED)
@member_required
def list_reports(query):
    """The member's own report-ins, newest first."""
    return service.list_reports(g.member_id, query["page"], query["per_page"])


@blp.get("/members")
@blp.arguments(MemberQuery, location="query")
@blp.response(200, MemberPageOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_members(query):
    """Members in the caller's scope, masked and paged (each read is audited)."""
    return service.search_members(current_principal(), **query)


@blp.get("/members/<int:member_id>")
@blp.response(200, MemberDetailOut)
@blp.alt_response(404, schema=ErrorOut, description="not found or out of scope")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def get_member(member_id):
    """One member in scope, masked, with the status history (the read is audited)."""
    return service.member_detail(current_principal(), member_id)


@blp.post("/members/<int:member_id>/status")
@blp.arguments(StatusIn)
@blp.response(200, MemberDetailOut)
@blp.alt_response(404, schema=ErrorOut, description="not found or out of scope")
@blp.alt_response(422, schema=ErrorOut, description="validation_error, status_unchanged")
@blp.doc(**SECURED)
@staff_required("county_admin", "township_admin")
def change_status(body, member_id):
    """Change a member's status with a reason (recorded, audited and sent to the township)."""
    return service.staff_change_status(current_principal(), member_id, body["status"], body["reason"])
