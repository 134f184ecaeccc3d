"""Dues endpoints (CONTRACT §7 and the agreed endpoint map)."""
from __future__ import annotations

from flask import Response, g, request

from server.common.apidoc import SECURED
from server.common.timeutil import current_month
from server.core.guards import (
    current_principal,
    login_required,
    member_required,
    staff_required,
)
from server.dues import ledger, mine, notices, orders, refunds, reminders, service, sheets
from server.dues.ledger import campaign_view
from server.dues.schemas import (
    ArrearsOut,
    ArrearsQuery,
    CampaignIn,
    CampaignOut,
    CampaignTotalsOut,
    LedgerOut,
    LedgerQuery,
    MyDuesOut,
    MyOrdersOut,
    MyOrdersQuery,
    OrderCreatedOut,
    OrderIn,
    OrderOut,
    OrderPendingOut,
    RefundIn,
    RemindersOut,
    RemindersQuery,
    StandardImportFiles,
    StandardImportOut,
    StandardIn,
    StandardOut,
)
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.wechat import gateway

blp = Blueprint("dues", __name__, url_prefix="/api/v1", description="党费：标准、微信支付、台账、特殊党费")

ANY_STAFF = ("branch_secretary", "township_admin", "county_admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.put("/members/<int:member_id>/dues-standard")
@blp.arguments(StandardIn)
@blp.response(200, StandardOut)
@blp.doc(**SECURED, description="设定某党员某年度的党费标准；每次设定都新增一个版本（保留历史，不改旧记录）。"
                                "生活困难标准由书记设定时须乡镇管理员批准后生效。")
@staff_required(*ANY_STAFF)
def set_standard(data, member_id):
    """核定党员的党费标准（按收入基数和比例，或支部核定的农民党员金额）"""
    return service.set_standard(current_principal(), member_id, data)


@blp.get("/members/<int:member_id>/dues-standards")
@blp.response(200, StandardOut(many=True))
@blp.doc(**SECURED, description="该党员全部党费标准版本（谁、何时、基数、费率、金额、是否批准），新的在前")
@staff_required(*ANY_STAFF)
def standard_history(member_id):
    """党员的党费标准历史"""
    return service.standard_history(current_principal(), member_id)


@blp.post("/dues/standards/<int:standard_id>/approve")
@blp.response(200, StandardOut)
@blp.doc(**SECURED, description="乡镇（或县）管理员批准生活困难党员的减免标准")
@staff_required("township_admin", "county_admin")
def approve_standard(standard_id):
    """审批一条待批的党费标准"""
    return service.approve_standard(current_principal(), standard_id)


@blp.post("/branches/<int:branch_id>/dues-standards/import")
@blp.arguments(StandardImportFiles, location="files")
@blp.response(200, StandardImportOut)
@blp.doc(**SECURED, description="从 XLSX 批量设定本支部党员的党费标准：全部成功或全部不导入，错误按行列出（第N行）")
@staff_required(*ANY_STAFF)
def import_standards(files, branch_id):
    """从表格批量导入支部党员的党费标准（xlsx）"""
    standards = sheets.import_standards(current_principal(), branch_id, files["file"].read())
    return {"imported": len(standards), "standards": standards}


@blp.get("/me/dues")
@blp.response(200, MyDuesOut)
@blp.doc(**SECURED, description="本人的党费：当月标准、缴至月份、欠缴月份（自起缴月起）与最近订单")
@member_required
def my_dues():
    """本人的党费：标准、已缴至、欠缴月份和最近的订单"""
    return mine.my_dues(g.member_id)


@blp.get("/me/dues/orders")
@blp.arguments(MyOrdersQuery, location="query")
@blp.response(200, MyOrdersOut)
@blp.doc(**SECURED)
@member_required
def my_orders(query):
    """本人的党费订单，最新在前"""
    page, per_page = query["page"], query["per_page"]
    return {"orders": orders.recent_orders(g.member_id, limit=per_page, offset=(page - 1) * per_page),
            "page": page, "per_page": per_page}


@blp.post("/dues/orders")
@blp.arguments(OrderIn, example={"months": ["2026-12", "2027-01"]})
@blp.response(201, OrderCreatedOut, description="新订单")
@blp.alt_response(200, schema=OrderCreatedOut, description="同一组月份已有本人的待支付订单：返回该订单和新的支付参数")
@blp.alt_response(409, schema=OrderPendingOut, description="order_pending：这些月份已有其他待支付订单；"
                  "member_left：已办理组织关系转出或返乡，不能再在线缴费（以往的订单和缴费记录仍可查看）")
@blp.doc(**SECURED, description="按月党费（金额由服务端按标准计算）或特殊党费下单，返回 wx.requestPayment 参数。"
                                "409 order_pending：这些月份已有其他待支付订单；正文带该订单的 order_no、months、amount_fen 和 "
                                "resumable（仍可支付时为 true：用同样的 months 再下单即返回该订单和新的支付参数）")
@member_required
def create_order(data):
    """交党费下单（按月党费或特殊党费），返回微信支付参数"""
    principal = current_principal()
    if "months" in data:
        order, pay_params, created = orders.create_monthly_order(principal, data["months"])
    else:
        order, pay_params, created = orders.create_special_order(principal, data["campaign_id"], data["amount_fen"])
    return {**orders.order_view(order), "pay_params": pay_params}, 201 if created else 200


@blp.get("/dues/orders/<order_no>")
@blp.response(200, OrderOut)
@blp.doc(**SECURED, description="订单状态；待支付超过 10 秒的订单会向微信支付查询（orderquery）")
@login_required
def get_order(order_no):
    """查看一个党费订单的状态"""
    return orders.order_view(orders.get_order(current_principal(), order_no))


@blp.post("/dues/orders/<order_no>/refund")
@blp.arguments(RefundIn)
@blp.response(200, OrderOut)
@blp.alt_response(409, schema=ErrorOut, description="order_not_paid：订单未支付；wechat_order_missing：微信支付查无此订单"
                                                    "（永久失败，重试无用，请在商户平台核对），数据库不作任何改动")
@blp.alt_response(503, schema=ErrorOut, description="wechat_unavailable：微信支付暂时不可用，可稍后重试（同一退款单号只退一次）")
@blp.doc(**SECURED, description="乡镇管理员退款：微信退款、台账冲正（不修改原记录）、月份重新计为欠缴")
@staff_required("township_admin", "county_admin")
def refund_order(data, order_no):
    """退款：乡镇管理员为已支付的订单原路退回"""
    return orders.order_view(refunds.refund_order(current_principal(), order_no, data["reason"].strip()))


NOTIFY_DOC = {
    "summary": "微信支付 v2 支付结果通知（XML）",
    "description": "微信支付用签名的支付结果通知调用本接口。回复微信的 XML：验签通过（重复通知也是）回 SUCCESS；"
                   "签名不对，或金额、appid、商户号不符，回 FAIL。",
    "requestBody": {"required": True, "content": {"text/xml": {"schema": {"type": "string"}}}},
    "responses": {"200": {"description": "回复微信的 XML：<xml><return_code>SUCCESS|FAIL</return_code>…</xml>",
                          "content": {"text/xml": {"schema": {"type": "string"}}}}},
}


@blp.post("/pay/wechat/notify")
@blp.doc(**NOTIFY_DOC)
def pay_notify():
    """微信支付结果通知（微信服务器调用，验签后入账，可重复）"""
    ok, message = notices.handle_notice(request.get_data(cache=False))
    return Response(gateway.notice_reply(ok, message), status=200, mimetype="text/xml")


@blp.get("/branches/<int:branch_id>/dues/ledger")
@blp.arguments(LedgerQuery, location="query")
@blp.response(200, LedgerOut)
@blp.alt_response(200, description="format=xlsx：可打印的党费收缴台账", content_type=XLSX, success=True)
@blp.doc(**SECURED, description="支部党费台账：每名党员每月的标准、实缴、日期、订单号；支部与乡镇合计")
@staff_required(*ANY_STAFF)
def branch_ledger(query, branch_id):
    """支部党费收缴台账（按年；?format=xlsx 导出）"""
    year = query.get("year") or int(current_month()[:4])
    data = ledger.branch_ledger(current_principal(), branch_id, year)
    if query["format"] == "xlsx":
        return Response(sheets.ledger_xlsx(data), mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename=dues-ledger-{branch_id}-{year}.xlsx"})
    return data


@blp.get("/branches/<int:branch_id>/dues/arrears")
@blp.arguments(ArrearsQuery, location="query")
@blp.response(200, ArrearsOut)
@blp.alt_response(200, description="format=xlsx：欠缴名单", content_type=XLSX, success=True)
@blp.doc(**SECURED, description="连续 6 个月以上未缴的在册党员（只提示支部，不改变党员状态）")
@staff_required(*ANY_STAFF)
def branch_arrears(query, branch_id):
    """支部欠缴党费名单（?format=xlsx 导出）"""
    data = ledger.branch_arrears(current_principal(), branch_id)
    if query["format"] == "xlsx":
        return Response(sheets.arrears_xlsx(data), mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename=dues-arrears-{branch_id}-{data['month']}.xlsx"})
    return data


@blp.get("/branches/<int:branch_id>/dues/reminders")
@blp.arguments(RemindersQuery, location="query")
@blp.response(200, RemindersOut)
@blp.doc(**SECURED, description="本支部党员在某月收到的党费与报到提醒（订阅消息）：谁、哪种提醒、何时、是否送达及微信错误码；"
                                "只发给授权过订阅消息的党员，每次授权一条，静默期内（REMINDER_QUIET_HOURS，默认 24 小时）同一党员最多一条；读取记入审计")
@staff_required(*ANY_STAFF)
def branch_reminders(query, branch_id):
    """支部党员收到的党费与报到提醒"""
    return reminders.branch_reminders(current_principal(), branch_id, query.get("month") or current_month(),
                                      query.get("kind"), query["page"], query["per_page"])


@blp.post("/dues/campaigns")
@blp.arguments(CampaignIn)
@blp.response(201, CampaignOut)
@blp.doc(**SECURED, description="县委组织部发起特殊党费活动")
@staff_required("county_admin")
def create_campaign(data):
    """发起特殊党费活动"""
    return campaign_view(ledger.create_campaign(current_principal(), data))


@blp.get("/dues/campaigns")
@blp.response(200, CampaignOut(many=True))
@blp.doc(**SECURED, description="党员看到进行中的活动；工作人员看到全部")
@login_required
def list_campaigns():
    """特殊党费活动列表"""
    return [campaign_view(c) for c in ledger.list_campaigns(current_principal())]


@blp.get("/dues/campaigns/<int:campaign_id>/totals")
@blp.response(200, CampaignTotalsOut)
@blp.doc(**SECURED, description="特殊党费活动合计与各乡镇捐款人数（不含已退款）")
@staff_required(*ANY_STAFF)
def campaign_totals(campaign_id):
    """特殊党费活动的收缴合计"""
    return ledger.campaign_totals(current_principal(), campaign_id)
