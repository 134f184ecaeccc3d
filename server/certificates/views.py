"""Certificate endpoints: issue, read, review, renew; a branch's due list, a township's counts, the member's own."""
from __future__ import annotations

from flask import g

from server.certificates import schemas as s
from server.certificates import service
from server.common.apidoc import SECURED
from server.core.guards import current_principal, member_required, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint

blp = Blueprint("certificates", __name__, url_prefix="/api/v1", description="流动党员活动证")

WRITERS = ("township_admin", "branch_secretary")
STAFF = ("county_admin", "township_admin", "branch_secretary")


@blp.post("/members/<int:member_id>/certificate")
@blp.arguments(s.CertificateIn)
@blp.response(201, s.CertificateEnvelope)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该党员，或不在您的管辖范围内")
@blp.alt_response(409, schema=ErrorOut, description="certificate_no_taken：本县已有该编号；certificate_exists：该党员已有活动证")
@blp.doc(**SECURED)
@staff_required(*WRITERS)
def issue_certificate(body, member_id):
    """登记发放流动党员活动证（编号全县唯一，有效期一年；记入审计并同步乡镇）"""
    return {"certificate": service.issue(current_principal(), member_id, body["number"], body["issued_on"])}, 201


@blp.get("/members/<int:member_id>/certificate")
@blp.response(200, s.CertificateEnvelope)
@blp.alt_response(404, schema=ErrorOut, description="not_found：不在管辖范围内；no_certificate：尚未登记活动证")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def member_certificate(member_id):
    """党员的活动证，含历次有效期和年审（查看记入审计）"""
    return {"certificate": service.of_member(current_principal(), member_id)}


@blp.post("/certificates/<int:certificate_id>/reviews")
@blp.arguments(s.ReviewIn)
@blp.response(201, s.CertificateEnvelope)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该活动证，或不在您的管辖范围内")
@blp.doc(**SECURED)
@staff_required(*WRITERS)
def review_certificate(body, certificate_id):
    """登记活动证年审：日期、年审人、结果（通过/不通过）和说明"""
    return {"certificate": service.review(current_principal(), certificate_id, **body)}, 201


@blp.post("/certificates/<int:certificate_id>/renewals")
@blp.arguments(s.RenewIn)
@blp.response(201, s.CertificateEnvelope)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该活动证，或不在您的管辖范围内")
@blp.alt_response(409, schema=ErrorOut, description="review_not_passed：本期未通过年审；already_renewed：已换发")
@blp.doc(**SECURED)
@staff_required(*WRITERS)
def renew_certificate(body, certificate_id):
    """年审通过后换发新的一年有效期（历次有效期保留）"""
    return {"certificate": service.renew(current_principal(), certificate_id, body["note"])}, 201


@blp.get("/branches/<int:branch_id>/certificates")
@blp.arguments(s.CertificateQuery, location="query")
@blp.response(200, s.CertificatePageOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该支部，或不在您的管辖范围内")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def branch_certificates(query, branch_id):
    """支部在册党员的活动证，按有效期先后；due=this_month 为本月待年审，due=expired 为已过期（查看记入审计）"""
    return service.branch_certificates(current_principal(), branch_id, query["due"], query["page"],
                                       query["per_page"])


@blp.get("/townships/<int:township_id>/certificates/counts")
@blp.response(200, s.TownshipCertificateCountsOut)
@blp.alt_response(404, schema=ErrorOut, description="not_found：没有该乡镇，或不在您的管辖范围内")
@blp.doc(**SECURED)
@staff_required("county_admin", "township_admin")
def township_counts(township_id):
    """乡镇在册党员活动证的数量：已过期、本月待年审、合计"""
    return service.township_counts(current_principal(), township_id)


@blp.get("/me/certificate")
@blp.response(200, s.MyCertificateOut)
@blp.alt_response(404, schema=ErrorOut, description="no_certificate：尚未登记活动证")
@blp.doc(**SECURED)
@member_required
def my_certificate():
    """本人的流动党员活动证：编号和有效期"""
    return {"certificate": service.mine(g.member_id)}
