"""Certificate schemas: what staff send, and the register as staff and members read it."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.certificates.models import REVIEW_RESULTS
from server.certificates.service import passed_review, status_of
from server.common.schemas import Instant, OrgRef, PageOut, PageQuery, StrictSchema


class _NumberNotBlank:
    @validates_schema
    def _number_not_blank(self, data, **kwargs):
        if "number" in data and not data["number"].strip():
            raise ValidationError("活动证编号不能为空", "number")


class CertificateIn(_NumberNotBlank, StrictSchema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "活动证编号，全县唯一"})
    issued_on = fields.Date(required=True, metadata={"description": "发证日期 YYYY-MM-DD，有效期一年"})


class ReviewIn(StrictSchema):
    reviewed_on = fields.Date(required=True, metadata={"description": "年审日期 YYYY-MM-DD"})
    result = fields.String(required=True, validate=validate.OneOf(REVIEW_RESULTS, error="年审结果应为 通过 或 不通过"),
                           metadata={"enum": list(REVIEW_RESULTS), "description": "年审结果"})
    reviewer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata={"description": "年审人；不填则为当前账号"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"description": "说明"})


class RenewIn(StrictSchema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"description": "说明"})


class CertificateQuery(PageQuery):
    due = fields.String(load_default=None, validate=validate.OneOf(("this_month", "expired"),
                                                                    error="due 应为 this_month 或 expired"),
                        metadata={"description": "this_month：本月到期待年审；expired：已过期；不填为全部"})


class PeriodOut(Schema):
    period = fields.Integer(metadata={"description": "第几个有效期（1 为首次发证）"})
    valid_from = fields.Date()
    valid_until = fields.Date()
    note = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = Instant()


class ReviewOut(Schema):
    period = fields.Integer(metadata={"description": "年审的有效期序号"})
    reviewed_on = fields.Date()
    reviewer = fields.String()
    result = fields.String(metadata={"enum": list(REVIEW_RESULTS)})
    note = fields.String(allow_none=True)
    recorded_at = Instant()


class _CertificateFields(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "活动证编号"})
    issued_on = fields.Date()
    valid_from = fields.Date()
    valid_until = fields.Date(metadata={"description": "有效期至（含当天）"})
    status = fields.Function(status_of, metadata={"enum": ["valid", "expired"], "description": "有效或已过期"})
    review_passed = fields.Function(lambda c: passed_review(c) is not None,
                                    metadata={"description": "本期是否已通过年审"})


class CertificateOut(_CertificateFields):
    member = fields.Function(lambda c: {"id": c.member.id, "name": c.member.name,
                                        "id_number_masked": c.member.id_number_masked},
                             metadata={"description": "党员（身份证号已打码）"})
    mobile_branch = fields.Function(lambda c: {"id": c.member.mobile_branch.id, "name": c.member.mobile_branch.name})
    period = fields.Integer()
    source = fields.String(metadata={"enum": ["roster", "secretary"], "description": "名册导入或书记登记"})
    periods = fields.List(fields.Nested(PeriodOut), metadata={"description": "历次有效期"})
    reviews = fields.List(fields.Nested(ReviewOut), metadata={"description": "历次年审"})


class CertificateEnvelope(Schema):
    certificate = fields.Nested(CertificateOut)


class CertificatePageOut(PageOut):
    items = fields.List(fields.Nested(CertificateOut))


class MyCertificateOut(Schema):
    certificate = fields.Nested(_CertificateFields)


class TownshipCertificateCountsOut(Schema):
    township = fields.Nested(OrgRef)
    total = fields.Integer(metadata={"description": "在册党员已登记的活动证数"})
    expired = fields.Integer(metadata={"description": "已过期的活动证数"})
    due_this_month = fields.Integer(metadata={"description": "本月到期待年审的活动证数"})
    on = fields.Date(metadata={"description": "统计日期（北京时间）"})
