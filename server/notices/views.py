"""HTTP endpoints of notices (CONTRACT §12): staff publish and follow up, members read."""
from __future__ import annotations

from flask import g

from server.common.apidoc import SECURED
from server.core.guards import current_principal, member_required, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.notices import mine, service
from server.notices import schemas as s

blp = Blueprint("notices", __name__, url_prefix="/api/v1", description="通知公告")
STAFF = ("county_admin", "township_admin", "branch_secretary")


@blp.post("/notices")
@blp.arguments(s.NoticeIn)
@blp.response(201, s.StaffNoticeOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：该乡镇或支部不在您的发布范围内")
@blp.doc(**SECURED, summary="发布通知（县：全县、乡镇或支部；乡镇：本乡镇或其支部；书记：本支部）")
@staff_required(*STAFF)
def publish(body):
    return service.publish(current_principal(), **body)


@blp.get("/notices")
@blp.arguments(s.PageQuery, location="query")
@blp.response(200, s.StaffNoticePageOut)
@blp.doc(**SECURED, summary="本人范围内的通知（新的在前），带已读、未读人数")
@staff_required(*STAFF)
def list_notices(query):
    return service.list_for_staff(current_principal(), query["page"], query["per_page"])


@blp.get("/notices/<int:notice_id>")
@blp.response(200, s.StaffNoticeOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该记录，或不在您的管辖范围内")
@blp.doc(**SECURED, summary="一条通知：发给谁、已读和未读人数（在册党员，含未绑定微信的）")
@staff_required(*STAFF)
def get_notice(notice_id):
    return service.notice_detail(current_principal(), notice_id)


@blp.get("/notices/<int:notice_id>/unread")
@blp.arguments(s.PageQuery, location="query")
@blp.response(200, s.UnreadPageOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该记录，或不在您的管辖范围内")
@blp.doc(**SECURED, summary="还没有读这条通知的在册党员（手机号打码，便于电话告知；此查询记入审计）")
@staff_required(*STAFF)
def unread(query, notice_id):
    return service.unread_members(current_principal(), notice_id, query["page"], query["per_page"])


@blp.get("/me/notices")
@blp.arguments(s.PageQuery, location="query")
@blp.response(200, s.MyNoticePageOut)
@blp.doc(**SECURED, summary="我的通知：置顶的在前，其余新的在前，过期的不显示；unread 为未读条数")
@member_required
def my_notices(query):
    return mine.my_notices(g.member_id, query["page"], query["per_page"])


@blp.post("/me/notices/<int:notice_id>/read")
@blp.response(204)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有发给您的这条通知")
@blp.doc(**SECURED, summary="标记已读（可重复调用）")
@member_required
def mark_read(notice_id):
    mine.mark_read(g.member_id, notice_id)
