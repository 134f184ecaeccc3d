"""Schemas of offline payments, reversals, receipts and forwarding (CONTRACT §11), one per direction."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Month, OrgRef, StrictSchema
from server.dues.models import PAYMENT_METHODS
from server.dues.schemas import OwedMonth


class PaymentIn(StrictSchema):
    member_id = fields.Integer(required=True)
    months = fields.List(Month(), validate=validate.Length(min=1, max=120), metadata={
        "description": "按月党费：该党员最早未缴的若干个月（连续、按顺序），可含 6 个月以前的欠缴，最多预缴到当月后 6 个月"})
    campaign_id = fields.Integer(metadata={"description": "特殊党费：活动 id（与 months 二选一）"})
    amount_fen = fields.Integer(required=True, metadata={
        "description": "收到的金额（分）；按月党费须等于这些月份的标准之和，否则 422 amount_mismatch"})
    paid_on = fields.Date(required=True, metadata={"description": "交款日期 YYYY-MM-DD（北京时间），不晚于今天"})
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS),
                           metadata={"description": "cash（现金）、bank_transfer（银行转账）、other（其他）"})
    note = fields.String(validate=validate.Length(max=255))

    @validates_schema
    def one_kind(self, data, **kwargs):
        if ("months" in data) == ("campaign_id" in data):
            raise ValidationError("请提供 months（按月党费）或 campaign_id（特殊党费）其中之一", "_schema")


class PaymentOut(Schema):
    id = fields.Integer()
    ref = fields.String(metadata={"description": "缴费编号 P<id>（同步变更和核对摘要里用的编号）"})
    entry_type = fields.String(metadata={"description": "payment 缴费 | reversal 冲正"})
    receipt_no = fields.String(allow_none=True, metadata={"description": "收据号（冲正记录为 null）"})
    member_id = fields.Integer()
    branch_id = fields.Integer()
    kind = fields.String(metadata={"description": "monthly 按月党费 | special 特殊党费"})
    months = fields.List(fields.String())
    campaign_id = fields.Integer(allow_none=True)
    amount_fen = fields.Integer(metadata={"description": "冲正记录为负数"})
    paid_on = fields.Date()
    method = fields.String()
    note = fields.String(allow_none=True, metadata={"description": "备注；冲正记录为冲正原因"})
    forward_upward = fields.Boolean()
    recorded_by = fields.String()
    recorded_at = fields.String()
    reverses_id = fields.Integer(allow_none=True)
    reversed = fields.Boolean()
    reversed_at = fields.String(allow_none=True)


class PaymentCreatedOut(Schema):
    payment = fields.Nested(PaymentOut)


class ReverseIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))

    @validates_schema
    def not_blank(self, data, **kwargs):
        if not data["reason"].strip():
            raise ValidationError("请写明冲正原因", "reason")


class ReversedOut(Schema):
    payment = fields.Nested(PaymentOut, metadata={"description": "被冲正的原缴费记录"})
    reversal = fields.Nested(PaymentOut, metadata={"description": "新增的冲正记录"})


class MemberDuesOut(Schema):
    member_id = fields.Integer()
    name = fields.String()
    monthly_fen = fields.Integer(allow_none=True)
    category = fields.String(allow_none=True)
    paid_through = fields.String(allow_none=True)
    owed = fields.List(fields.Nested(OwedMonth), metadata={"description": "全部未缴月份，含 6 个月以前的欠缴"})
    payable_to = fields.String(metadata={"description": "最多可预缴到的月份"})


class CampaignRef(Schema):
    id = fields.Integer()
    title = fields.String()


class ReceiptOut(Schema):
    receipt_no = fields.String()
    ref = fields.String(metadata={"description": "微信订单为 order_no，线下缴费为 P<id>"})
    channel = fields.String(metadata={"enum": ["wechat", "offline"]})
    method = fields.String(metadata={"enum": ["wechat", "cash", "bank_transfer", "other"]})
    kind = fields.String()
    months = fields.List(fields.String())
    campaign = fields.Nested(CampaignRef, allow_none=True)
    amount_fen = fields.Integer()
    amount_capitals = fields.String(metadata={"description": "人民币大写，如 壹拾元整"})
    paid_at = fields.String()
    status = fields.String(metadata={"enum": ["paid", "refunded", "reversed"]})
    member = fields.Nested(OrgRef)
    branch = fields.Nested(OrgRef)
    township = fields.Nested(OrgRef)


class ReceiptsOut(Schema):
    items = fields.List(fields.Nested(ReceiptOut))


class ReceiptQuery(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "pdf")))


class BranchReceiptsQuery(ReceiptQuery):
    month = Month(required=True)


class BranchReceiptsOut(ReceiptsOut):
    month = fields.String()
    branch = fields.Nested(OrgRef)


class ForwardingQuery(StrictSchema):
    campaign_id = fields.Integer()
    forwarded = fields.Boolean(metadata={"description": "true：只看已上交；false：只看未上交"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")))


class ForwardingMember(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number_masked = fields.String()


class ForwardingItem(Schema):
    ref = fields.String(metadata={"description": "微信订单号 order_no，或线下缴费 P<id>"})
    channel = fields.String(metadata={"enum": ["wechat", "offline"]})
    amount_fen = fields.Integer()
    paid_at = fields.String()
    member = fields.Nested(ForwardingMember)
    township = fields.Nested(OrgRef)
    campaign = fields.Nested(CampaignRef)
    forwarded = fields.Boolean()
    forwarded_at = fields.String(allow_none=True)
    forwarded_by = fields.String(allow_none=True)


class ForwardingOut(Schema):
    items = fields.List(fields.Nested(ForwardingItem))
    amount_fen = fields.Integer()


class ForwardedIn(StrictSchema):
    note = fields.String(validate=validate.Length(max=255))
