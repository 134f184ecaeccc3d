"""The audit trail API (CONTRACT §14): county and township admins only."""
from __future__ import annotations

from flask import Response

from server.audit import service
from server.audit.schemas import AuditPageOut, AuditQuery
from server.audit.sheets import audit_xlsx
from server.common.apidoc import SECURED
from server.common.xlsx import XLSX_MIMETYPE
from server.core.guards import current_principal, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计日志")

BINARY = {"type": "string", "format": "binary"}


@blp.get("/audit")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditPageOut)
@blp.alt_response(200, schema=BINARY, content_type=XLSX_MIMETYPE, success=True,
                  description="JSON 分页列表；format=xlsx 时为筛选结果的 Excel 文件（身份证号、手机号已脱敏）")
@blp.alt_response(422, schema=ErrorOut, description="validation_error：输入有误；export_too_large：导出行数超过上限，请缩小范围")
@blp.doc(**SECURED, summary="审计日志：按操作人、党员、操作和日期筛选，最新在前（县、乡镇管理员）")
@staff_required("county_admin", "township_admin")
def list_audit(query):
    """The audit trail in the caller's scope; every read and export of it is audited too."""
    fmt, page, per_page = query.pop("format"), query.pop("page"), query.pop("per_page")
    if fmt == "xlsx":
        return Response(audit_xlsx(service.export_entries(current_principal(), **query)), mimetype=XLSX_MIMETYPE,
                        headers={"Content-Disposition": "attachment; filename=audit.xlsx"})
    return service.list_entries(current_principal(), page=page, per_page=per_page, **query)
