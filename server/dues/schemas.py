"""Dues schemas, one per direction (…In, …Out, …Query)."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Instant, Month, OrgRef, PageOut, PageQuery, StrictSchema
from server.common.timeutil import isoformat
from server.dues.models import CATEGORIES, ORDER_STATUSES, REMINDER_KINDS
from server.dues.service import rate_text


class StandardIn(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES),
                             metadata={"description": "salaried（在职/年薪制/个体）、retired、farmer、student、unemployed、hardship"})
    income_base_fen = fields.Integer(validate=validate.Range(min=0), metadata={
        "description": "月计算基数（分，税后），在职与离退休必填。整档计算（非超额累进），base×rate 用 Decimal 精确计算后四舍五入（ROUND_HALF_UP）到分"})
    monthly_fen = fields.Integer(validate=validate.Range(min=0), metadata={
        "description": "农民由支部在 20–100 分之间确定（必填）；生活困难党员减免后的月额 0–10000 分（必填）；学生、失业为 20 分"})
    reason = fields.String(validate=validate.Length(max=255), metadata={"description": "生活困难减免的原因（必填）"})


class StandardOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    year = fields.Integer()
    version = fields.Integer()
    category = fields.String()
    income_base_fen = fields.Integer(allow_none=True)
    rate = fields.Function(lambda s: rate_text(s.rate), metadata={"description": "费率，精确小数字符串，如 \"0.005\"；定额类别为 null"})
    monthly_fen = fields.Integer()
    reason = fields.String(allow_none=True)
    set_by = fields.String()
    set_at = fields.Function(lambda s: isoformat(s.set_at))
    approved = fields.Boolean(metadata={"description": "生活困难标准须乡镇批准后才生效；批准前沿用此前已生效的标准（没有则暂不计欠缴）"})
    approved_by = fields.String(allow_none=True)
    approved_at = fields.Function(lambda s: isoformat(s.approved_at))


class StandardImportFiles(Schema):
    file = Upload(required=True, metadata={"description": "XLSX，表头：姓名,身份证号,年度,类别,计算基数（元）,月缴纳额（元）,原因"})


class StandardImportOut(Schema):
    imported = fields.Integer()
    standards = fields.List(fields.Nested(StandardOut))


class PayParams(Schema):
    timeStamp = fields.String()
    nonceStr = fields.String()
    package = fields.String()
    signType = fields.String()
    paySign = fields.String()


class OrderOut(Schema):
    order_no = fields.String()
    kind = fields.String(metadata={"description": "monthly 按月党费 | special 特殊党费"})
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES), metadata={"description": "pending 待支付 | paid 已支付 | closed 已关闭 | refunded 已退款"})
    amount_fen = fields.Integer()
    months = fields.List(fields.String())
    campaign_id = fields.Integer(allow_none=True)
    forward_upward = fields.Boolean(metadata={"description": "一次超过 1000 元的特殊党费，标记为需向上级转交"})
    created_at = fields.String()
    expires_at = fields.String()
    paid_at = fields.String(allow_none=True)
    refunded_at = fields.String(allow_none=True)


class OrderCreatedOut(OrderOut):
    pay_params = fields.Nested(PayParams, metadata={"description": "wx.requestPayment 的参数"})


class OrderIn(StrictSchema):
    months = fields.List(Month(), validate=validate.Length(min=1, max=13), metadata={
        "description": "按月党费：必须是最早未缴的若干个月（连续、按顺序），且在当月前后 6 个月内；金额由服务端计算"})
    campaign_id = fields.Integer()
    amount_fen = fields.Integer(metadata={"description": "仅特殊党费：1–10000000 分"})

    @validates_schema
    def one_kind(self, data, **kwargs):
        monthly = "months" in data
        special = "campaign_id" in data or "amount_fen" in data
        if monthly == special:
            raise ValidationError("请提供 months（按月党费）或 campaign_id 与 amount_fen（特殊党费）其中之一", "_schema")
        if special and not ("campaign_id" in data and "amount_fen" in data):
            raise ValidationError("特殊党费须同时提供 campaign_id 和 amount_fen", "_schema")


class OwedMonth(Schema):
    month = fields.String()
    amount_fen = fields.Integer()


class MyDuesOut(Schema):
    monthly_fen = fields.Integer(allow_none=True, metadata={"description": "当月适用的月缴纳额；尚未定标准时为 null"})
    category = fields.String(allow_none=True)
    standard_pending = fields.Boolean(metadata={"description": "有待乡镇批准的减免标准"})
    paid_through = fields.String(allow_none=True)
    owed = fields.List(fields.Nested(OwedMonth))
    payable_from = fields.String(metadata={"description": "可补缴的最早月份（当月前 6 个月）"})
    payable_to = fields.String(metadata={"description": "可预缴的最晚月份（当月后 6 个月）"})
    orders = fields.List(fields.Nested(OrderOut))


class MyOrdersOut(Schema):
    orders = fields.List(fields.Nested(OrderOut))
    page = fields.Integer()
    per_page = fields.Integer()


class RefundIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class LedgerQuery(StrictSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")))


class LedgerRow(Schema):
    member_id = fields.Integer()
    name = fields.String()
    month = fields.String()
    standard_fen = fields.Integer(allow_none=True)
    paid_fen = fields.Integer()
    paid_at = fields.String(allow_none=True)
    order_no = fields.String(allow_none=True)


class LedgerTotals(Schema):
    members = fields.Integer()
    due_fen = fields.Integer()
    paid_fen = fields.Integer()
    special_fen = fields.Integer()


class LedgerMember(Schema):
    member_id = fields.Integer()
    name = fields.String()
    paid_through = fields.String(allow_none=True)


class LedgerOut(Schema):
    year = fields.Integer()
    branch = fields.Nested(OrgRef)
    township = fields.Nested(OrgRef)
    members = fields.List(fields.Nested(LedgerMember))
    rows = fields.List(fields.Nested(LedgerRow))
    totals = fields.Dict(keys=fields.String(), values=fields.Nested(LedgerTotals))


class ArrearsMember(Schema):
    member_id = fields.Integer()
    name = fields.String()
    paid_through = fields.String(allow_none=True)
    unpaid_since = fields.String()
    months_unpaid = fields.Integer()
    owed_fen = fields.Integer(metadata={"description": "应缴未缴的金额合计（分），按各月标准"})


class ArrearsQuery(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")))


class ArrearsOut(Schema):
    month = fields.String()
    branch = fields.Nested(OrgRef)
    township = fields.Nested(OrgRef)
    members = fields.List(fields.Nested(ArrearsMember))


class CampaignIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class CampaignOut(Schema):
    id = fields.Integer()
    title = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    active = fields.Boolean()


class CampaignTownship(Schema):
    id = fields.Integer()
    name = fields.String()
    amount_fen = fields.Integer()
    donors = fields.Integer()
    orders = fields.Integer()
    forward_upward = fields.Integer()


class CampaignTotalsOut(Schema):
    campaign = fields.Nested(CampaignOut)
    amount_fen = fields.Integer()
    donors = fields.Integer()
    forward_upward = fields.Integer()
    townships = fields.List(fields.Nested(CampaignTownship))


class MyOrdersQuery(PageQuery):
    pass


class OrderPendingOut(Schema):
    """409 order_pending: another open order covers some of these months."""

    code = fields.String(metadata={"description": "order_pending：这些月份已有待支付订单"})
    message = fields.String()
    order_no = fields.String(metadata={"description": "占着这些月份的订单号"})
    months = fields.List(Month())
    amount_fen = fields.Integer()
    resumable = fields.Boolean(metadata={"description": "该订单仍可支付时为 true：用同样的 months 再下单即可取回该订单和新的支付参数"})


class RemindersQuery(PageQuery):
    month = Month(metadata={"description": "发送提醒的月份（YYYY-MM，北京时间），默认本月"})
    kind = fields.String(validate=validate.OneOf(REMINDER_KINDS), metadata={
        "description": "只看一种提醒：dues_due 本月党费到期、arrears_3 欠缴满3个月、arrears_6 欠缴满6个月、report_in 本月报到"})


class ReminderMember(Schema):
    id = fields.Integer()
    name = fields.String()
    phone_masked = fields.String(allow_none=True, metadata={"description": "手机号（脱敏）"})


class ReminderOut(Schema):
    id = fields.Integer()
    member = fields.Nested(ReminderMember)
    kind = fields.String(metadata={"enum": list(REMINDER_KINDS), "description": "提醒种类"})
    kind_label = fields.String(metadata={"description": "提醒种类（中文）"})
    period = fields.String(metadata={"description": "提醒所关于的月份：到期的月份、欠缴满3或6个月的那个月、报到的月份"})
    status = fields.String(metadata={"enum": ["sending", "sent", "failed"],
                                     "description": "sending 发送中、sent 已发送、failed 未送达（见 errcode）"})
    status_label = fields.String(metadata={"description": "发送结果（中文）"})
    errcode = fields.Integer(allow_none=True, metadata={"description": "微信拒绝时返回的错误码，例如 43101（用户未授权或授权已用完）"})
    created_at = Instant(metadata={"description": "发送时间"})
    sent_at = Instant(allow_none=True, metadata={"description": "微信确认收到的时间"})


class WithoutGrantOut(Schema):
    member = fields.Nested(ReminderMember)
    bound = fields.Boolean(metadata={"description": "是否已绑定微信（未绑定的党员收不到任何提醒）"})
    dues_granted = fields.Boolean(metadata={"description": "是否还有党费提醒的订阅授权"})
    report_granted = fields.Boolean(metadata={"description": "是否还有报到提醒的订阅授权"})


class RemindersOut(PageOut):
    month = fields.String()
    branch = fields.Nested(OrgRef)
    items = fields.List(fields.Nested(ReminderOut))
    without_grant = fields.List(fields.Nested(WithoutGrantOut), metadata={
        "description": "本支部在册正常党员中收不到提醒的人：未绑定微信，或党费、报到提醒的订阅授权已用完或从未授权（不分页）"})
