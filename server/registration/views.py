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
@blp.alt_response(409, schema=ErrorOut, description="registration_pending, already_bound")
@blp.alt_response(429, schema=ErrorOut, description="rate_limited")
@blp.doc(**SECURED)
@login_required
def submit(body):
    """File a registration request (a WeChat account not yet bound); the answer never tells whether the ID
    number is on the roster. Phone from `phone_code`, else the typed `phone`."""
    return {"registration": service.submit(current_principal(), body)}


@blp.get("/auth/registrations/mine")
@blp.response(200, RegistrationEnvelope)
@blp.alt_response(404, schema=ErrorOut, description="registration_not_found")
@blp.doc(**SECURED)
@login_required
def mine():
    """The account's latest request with its outcome and note."""
    return {"registration": service.mine(current_principal())}


@blp.get("/registrations")
@blp.arguments(RegistrationQuery, location="query")
@blp.response(200, RegistrationPageOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_registrations(query):
    """Requests to the caller's mobile branch, township or county, masked, with any roster near-match."""
    return service.list_for_staff(current_principal(), query.get("status"), query["page"], query["per_page"])


@blp.post("/registrations/<int:registration_id>/decision")
@blp.arguments(RegistrationDecisionIn)
@blp.response(200, StaffRegistrationEnvelope)
@blp.alt_response(409, schema=ErrorOut, description="already_decided, already_bound")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def decide(body, registration_id):
    """Approve (creates or links the roster member and binds the account) or deny with a `note`."""
    return {"registration": service.decide(current_principal(), registration_id, body["approve"], body["note"])}
