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
@blp.alt_response(409, schema=ErrorOut, description="already_transferred, letter_no_busy")
@blp.doc(**SECURED)
@staff_required(*RECORDERS)
def record_transfer(body, member_id):
    """Record a transfer out or a return home: status, history, audit, feed; open orders are closed."""
    return {"transfer": service.record(current_principal(), member_id, **body)}


@blp.get("/members/<int:member_id>/transfers")
@blp.response(200, TransferListOut)
@blp.doc(**SECURED)
@staff_required(*STAFF)
def list_transfers(member_id):
    """A member's transfers and returns, newest first, each with its letter's address."""
    return {"items": service.of_member(current_principal(), member_id)}


@blp.post("/transfers/<int:transfer_id>/cancel")
@blp.arguments(TransferCancelIn)
@blp.response(200, TransferEnvelope)
@blp.alt_response(409, schema=ErrorOut, description="already_cancelled, transfer_not_current")
@blp.doc(**SECURED)
@staff_required(*RECORDERS)
def cancel_transfer(body, transfer_id):
    """Cancel a transfer recorded by mistake: a reversing status change back to the previous status."""
    return {"transfer": service.cancel(current_principal(), transfer_id, body["reason"])}


@blp.get("/transfers/<int:transfer_id>/letter")
@blp.arguments(LetterQuery, location="query")
@blp.response(200, content_type=PDF_MIMETYPE, description="介绍信 / 流动党员返乡回执 (PDF)")
@blp.doc(**SECURED)
@staff_required(*STAFF)
def transfer_letter(query, transfer_id):
    """The letter as PDF, stating paid_through (the read is audited)."""
    transfer = service.get(current_principal(), transfer_id)
    return Response(letters.letter_pdf(transfer), mimetype=PDF_MIMETYPE, headers={
        "Content-Disposition": f"inline; filename=transfer-letter-{transfer.id}.pdf"})
