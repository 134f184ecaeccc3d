"""Transfer endpoints (CONTRACT §13): record, list, cancel, and the letter as PDF."""
from __future__ import annotations

from flask import Response

from server.common.apidoc import SECURED
from server.common.pdf import PDF_MIMETYPE
from server.core.guards import current_principal, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.transfers import letters, service
from server.transfers.schemas import LetterQuery, TransferCancelIn, TransferEnvelope, TransferIn, TransferListOut

blp = Blueprint("transfers", __name__, url_prefix="/api/v1", description="组织关系转出与返乡")

RECORDERS = ("township_admin", "branch_secretary")
STAFF = ("county_admin", "township_admin", "branch_secretary")


@blp.post("/members/<int:member_id>/transfers")
@blp.arguments(TransferIn)
@blp.response(201, TransferEnvelope)
@blp.alt_response(409, schema=ErrorOut, description="already_transferred：已转出或已返乡；letter_no_busy：介绍信编号繁忙，请重试")
@blp.doc(**SECURED)
@staff_required(*RECORDERS)
def record_transfer(body, member_id):
    """登记转出或返乡：变更状态、留痕、审计、同步乡镇，并关闭未支付订单"""
    return {"transfer": service.record(current_principal(), member_id, **body)}


@blp.get("/members/<int:member_id>/transfers")
@blp.response(200, TransferListOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_transfers(member_id):
    """党员的转出和返乡记录，最新在前"""
    return {"items": service.of_member(current_principal(), member_id)}


@blp.post("/transfers/<int:transfer_id>/cancel")
@blp.arguments(TransferCancelIn)
@blp.response(200, TransferEnvelope)
@blp.alt_response(409, schema=ErrorOut, description="already_cancelled：已撤销；transfer_not_current：状态已变，不能撤销")
@blp.doc(**SECURED)
@staff_required(*RECORDERS)
def cancel_transfer(body, transfer_id):
    """撤销误登记的转出或返乡（反向状态变更，不修改原记录）"""
    return {"transfer": service.cancel(current_principal(), transfer_id, body["reason"])}


@blp.get("/transfers/<int:transfer_id>/letter")
@blp.arguments(LetterQuery, location="query")
@blp.response(200, content_type=PDF_MIMETYPE, description="介绍信 / 流动党员返乡回执 (PDF)")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def transfer_letter(query, transfer_id):
    """介绍信或返乡回执（PDF，写明党费缴至月份；查看记入审计）"""
    transfer = service.get(current_principal(), transfer_id)
    return Response(letters.letter_pdf(transfer), mimetype=PDF_MIMETYPE, headers={
        "Content-Disposition": f"inline; filename=transfer-letter-{transfer.id}.pdf"})
