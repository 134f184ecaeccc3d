"""Registration endpoints (CONTRACT §10): the member files and follows a request; staff list and decide."""
from __future__ import annotations

from server.common.apidoc import SECURED
from server.core.guards import current_principal, login_required, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.registration import service
from server.registration.schemas import (
    RegistrationDecisionIn,
    RegistrationEnvelope,
    RegistrationIn,
    RegistrationPageOut,
    RegistrationQuery,
    StaffRegistrationEnvelope,
)

blp = Blueprint("registration", __name__, url_prefix="/api/v1", description="名册外党员的登记申请")

STAFF = ("county_admin", "township_admin", "branch_secretary")


@blp.post("/auth/registrations")
@blp.arguments(RegistrationIn)
@blp.response(201, RegistrationEnvelope)
@blp.alt_response(409, schema=ErrorOut, description="registration_pending：已有待审核的申请；already_bound：已绑定")
@blp.alt_response(429, schema=ErrorOut, description="rate_limited：提交太频繁，请稍后再试")
@blp.doc(**SECURED)
@login_required
def submit(body):
    """提交登记申请（花名册上找不到本人时；答复不会透露身份证号是否在花名册上）"""
    return {"registration": service.submit(current_principal(), body)}


@blp.get("/auth/registrations/mine")
@blp.response(200, RegistrationEnvelope)
@blp.alt_response(404, schema=ErrorOut, description="registration_not_found：还没有登记申请")
@blp.doc(**SECURED)
@login_required
def mine():
    """本人最近一次登记申请及其结果"""
    return {"registration": service.mine(current_principal())}


@blp.get("/registrations")
@blp.arguments(RegistrationQuery, location="query")
@blp.response(200, RegistrationPageOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_registrations(query):
    """待审核的登记申请（打码，附花名册近似匹配，仅工作人员可见）"""
    return service.list_for_staff(current_principal(), query.get("status"), query["page"], query["per_page"])


@blp.post("/registrations/<int:registration_id>/decision")
@blp.arguments(RegistrationDecisionIn)
@blp.response(200, StaffRegistrationEnvelope)
@blp.alt_response(409, schema=ErrorOut, description="already_decided：已审核过；already_bound：该党员已绑定其他微信")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def decide(body, registration_id):
    """审核登记申请：同意（建立或关联花名册党员并绑定微信）或不同意（须写明原因）"""
    return {"registration": service.decide(current_principal(), registration_id, body["approve"], body["note"])}
