"""Endpoints of dues paid outside WeChat, their reversal, receipts and forwarding (CONTRACT §11)."""
from __future__ import annotations

from flask import Response, g

from server.common.apidoc import SECURED
from server.common.pdf import PDF_MIMETYPE
from server.common.xlsx import XLSX_MIMETYPE
from server.core.guards import current_principal, login_required, member_required, staff_required
from server.dues import forwarding as forwarding_service
from server.dues import offline, receipts
from server.dues import offline_schemas as s
from server.errors import ErrorOut
from server.extensions import Blueprint

blp = Blueprint("dues_offline", __name__, url_prefix="/api/v1", description="党费：线下收缴、冲正、收据、大额特殊党费转交")

RECORDERS = ("branch_secretary", "township_admin")
ANY_STAFF = ("branch_secretary", "township_admin", "county_admin")
PDF = {"content_type": PDF_MIMETYPE, "success": True}


def _errors(*codes, description="错误（code/message）"):
    def decorator(func):
        for code in codes:
            func = blp.alt_response(code, schema=ErrorOut, description=description)(func)
        return func
    return decorator


@blp.post("/branches/<int:branch_id>/dues/payments")
@blp.arguments(s.PaymentIn)
@blp.response(201, s.PaymentCreatedOut)
@_errors(409, description="month_already_paid（月份已缴）、order_pending（有待支付的微信订单占用）")
@blp.doc(**SECURED, description="支部书记（或其乡镇管理员）记录现金、银行转账等线下缴纳的党费或特殊党费。金额按标准核对"
                                "（422 amount_mismatch，消息中写明应缴金额）；月份须从最早未缴起连续，可含 6 个月以前的欠缴。"
                                "写入台账、移动缴至月份、记入审计，并以 dues.paid（channel offline）同步给乡镇")
@staff_required(*RECORDERS)
def record_payment(data, branch_id):
    """登记线下缴纳的党费（现金、银行转账等）"""
    return {"payment": offline.payment_view(offline.record_payment(current_principal(), branch_id, data))}, 201


@blp.post("/dues/payments/<ref>/reverse")
@blp.arguments(s.ReverseIn)
@blp.response(200, s.ReversedOut)
@_errors(409, description="payment_is_reversal、payment_already_reversed、wechat_payment（微信支付请走退款）")
@blp.doc(**SECURED, description="冲正一笔线下缴费（路径为缴费 id 或 P<id>）：新增冲正记录，原记录保留；月份重新计为欠缴，"
                                "乡镇收到 dues.refunded（channel offline），摘要中净额抵消")
@staff_required(*RECORDERS)
def reverse_payment(data, ref):
    """冲正一笔线下缴费（原记录保留）"""
    payment, reversal = offline.reverse_payment(current_principal(), ref, data["reason"].strip())
    return {"payment": offline.payment_view(payment), "reversal": offline.payment_view(reversal)}


@blp.get("/members/<int:member_id>/dues")
@blp.response(200, s.MemberDuesOut)
@blp.doc(**SECURED, description="工作人员查看某党员的党费标准、缴至月份和全部未缴月份（含 6 个月以前的欠缴）")
@staff_required(*ANY_STAFF)
def member_dues(member_id):
    """党员的党费情况：标准、已缴至和全部欠缴月份（工作人员）"""
    return offline.member_dues(current_principal(), member_id)


@blp.get("/me/dues/receipts")
@blp.response(200, s.ReceiptsOut)
@blp.doc(**SECURED, description="本人全部缴费的电子收据（微信支付和交给支部的），新的在前")
@member_required
def my_receipts():
    """本人的电子收据"""
    return receipts.my_receipts(g.member_id)


@blp.get("/dues/receipts/<receipt_no>")
@blp.arguments(s.ReceiptQuery, location="query")
@blp.response(200, s.ReceiptOut)
@blp.alt_response(200, description="format=pdf：收据 PDF", **PDF)
@blp.doc(**SECURED, description="一张收据（本人，或范围内的工作人员；其他人 404）；format=pdf 打印")
@login_required
def get_receipt(query, receipt_no):
    """查看一张电子收据（?format=pdf 打印）"""
    receipt = receipts.get_receipt(current_principal(), receipt_no)
    if query["format"] == "pdf":
        return Response(receipts.receipts_pdf([receipt], f"党费收据 {receipt_no}"), mimetype=PDF_MIMETYPE, headers={
            "Content-Disposition": f"inline; filename=receipt-{receipt_no}.pdf"})
    return receipt


@blp.get("/branches/<int:branch_id>/dues/receipts")
@blp.arguments(s.BranchReceiptsQuery, location="query")
@blp.response(200, s.BranchReceiptsOut)
@blp.alt_response(200, description="format=pdf：当月全部收据，每页一张", **PDF)
@blp.doc(**SECURED, description="支部某月全部缴费的收据（批量打印）")
@staff_required(*ANY_STAFF)
def branch_receipts(query, branch_id):
    """支部某月的全部收据（批量打印）"""
    data = receipts.branch_receipts(current_principal(), branch_id, query["month"])
    if query["format"] == "pdf":
        return Response(receipts.receipts_pdf(data["items"], f"{data['branch']['name']} {data['month']} 党费收据"),
                        mimetype=PDF_MIMETYPE, headers={
                            "Content-Disposition": f"inline; filename=receipts-{branch_id}-{data['month']}.pdf"})
    return data


@blp.get("/dues/forwarding")
@blp.arguments(s.ForwardingQuery, location="query")
@blp.response(200, s.ForwardingOut)
@blp.alt_response(200, description="format=xlsx：导出", content_type=XLSX_MIMETYPE, success=True)
@blp.doc(**SECURED, description="县委组织部：一次性超过 1000 元的特殊党费（微信和线下，不含已退款或已冲正），是否已向上级转交")
@staff_required("county_admin")
def forwarding(query):
    """大额特殊党费上交清单（县委组织部）"""
    data = forwarding_service.list_forwarding(current_principal(), query.get("campaign_id"), query.get("forwarded"))
    if query["format"] == "xlsx":
        return Response(forwarding_service.forwarding_xlsx(data), mimetype=XLSX_MIMETYPE, headers={
            "Content-Disposition": "attachment; filename=special-dues-forwarding.xlsx"})
    return data


@blp.post("/dues/forwarding/<ref>/forwarded")
@blp.arguments(s.ForwardedIn)
@blp.response(200, s.ForwardingItem)
@_errors(409, description="already_forwarded：该笔已标记为上交")
@blp.doc(**SECURED, description="标记一笔大额特殊党费已向上级转交（只能标记一次，记入审计）")
@staff_required("county_admin")
def mark_forwarded(data, ref):
    """标记一笔大额特殊党费已上交"""
    return forwarding_service.mark_forwarded(current_principal(), ref, data.get("note"))
