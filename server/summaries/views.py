"""The yearly summary endpoint: JSON, or the printable sheet as XLSX or PDF."""
from __future__ import annotations

from flask import Response

from server.common.apidoc import SECURED
from server.common.pdf import PDF_MIMETYPE
from server.common.xlsx import XLSX_MIMETYPE
from server.core.guards import current_principal, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.summaries import service, sheets
from server.summaries.schemas import SummaryOut, SummaryQuery

blp = Blueprint("summaries", __name__, url_prefix="/api/v1", description="村党支部流动党员年度情况")


@blp.get("/branches/<int:branch_id>/yearly-summary")
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
@blp.alt_response(200, description="format=xlsx：可打印的年度情况表", content_type=XLSX_MIMETYPE, success=True)
@blp.alt_response(200, description="format=pdf：可打印的年度情况表", content_type=PDF_MIMETYPE, success=True)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该支部，或不在您的管辖范围内")
@blp.alt_response(422, schema=ErrorOut, description="not_village_branch：请选择村党支部；validation_error：年度有误")
@blp.doc(**SECURED)
@staff_required("county_admin", "township_admin")
def yearly_summary(query, branch_id):
    """村党支部每名流动党员的年度情况：报到、参会与缺席、请假、党费交至、民主评议（查看记入审计）"""
    data = service.yearly_summary(current_principal(), branch_id, query["year"])
    name = f"yearly-summary-{branch_id}-{data['year']}"
    if query["format"] == "xlsx":
        return Response(sheets.summary_xlsx(data), mimetype=XLSX_MIMETYPE,
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    if query["format"] == "pdf":
        return Response(sheets.summary_pdf(data), mimetype=PDF_MIMETYPE,
                        headers={"Content-Disposition": f"inline; filename={name}.pdf"})
    return data
