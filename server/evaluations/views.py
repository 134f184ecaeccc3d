"""HTTP endpoints of the yearly democratic evaluation (民主评议党员)."""
from __future__ import annotations

from server.common.apidoc import SECURED
from server.core.guards import current_principal, staff_required
from server.errors import ErrorOut
from server.evaluations import schemas as s
from server.evaluations import service
from server.extensions import Blueprint

blp = Blueprint("evaluations", __name__, url_prefix="/api/v1", description="民主评议党员")


@blp.put("/members/<int:member_id>/evaluations/<int:year>")
@blp.arguments(s.EvaluationIn)
@blp.response(200, s.EvaluationOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：该党员不在您的支部或乡镇")
@blp.doc(**SECURED, summary="记录党员某年度的民主评议等次（流动党员党支部书记或乡镇管理员；同一年再记录则替换）")
@staff_required("branch_secretary", "township_admin")
def record(body, member_id, year):
    return service.record_evaluation(current_principal(), member_id, year, **body)


@blp.get("/branches/<int:branch_id>/evaluations")
@blp.arguments(s.EvaluationYearQuery, location="query")
@blp.response(200, s.BranchEvaluationsOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该记录，或不在您的管辖范围内")
@blp.doc(**SECURED, summary="支部党员某年度的民主评议（流动支部或村支部；未评议的 evaluation 为 null）")
@staff_required("county_admin", "township_admin", "branch_secretary")
def branch_list(query, branch_id):
    return service.branch_evaluations(current_principal(), branch_id, query["year"])
