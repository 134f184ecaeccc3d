"""Schemas at the edge of the evaluations feature (one per direction)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.bounds import YEAR_MAX, YEAR_MIN
from server.common.schemas import Instant, OrgRef, StrictSchema
from server.evaluations.models import GRADES


class EvaluationIn(StrictSchema):
    grade = fields.String(required=True, validate=validate.OneOf(GRADES, error="等次应为 优秀、合格、基本合格 或 不合格"),
                          metadata={"enum": list(GRADES)})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                         metadata={"description": "说明"})
    recorded_on = fields.Date(required=True, metadata={"description": "评定日期 YYYY-MM-DD"})


class EvaluationOut(Schema):
    member_id = fields.Integer()
    year = fields.Integer()
    grade = fields.String(metadata={"enum": list(GRADES)})
    note = fields.String(allow_none=True)
    recorded_on = fields.Date()
    recorded_by = fields.String(metadata={"description": "记录人账号"})
    recorded_at = Instant()


class EvaluationYearQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(YEAR_MIN, YEAR_MAX, error="年份应在 2000–2100 之间"))


class BranchEvaluationOut(Schema):
    member = fields.Nested(OrgRef)
    evaluation = fields.Nested(EvaluationOut, allow_none=True)


class BranchEvaluationsOut(Schema):
    branch = fields.Nested(OrgRef)
    year = fields.Integer()
    items = fields.List(fields.Nested(BranchEvaluationOut))
    grades = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "各等次人数"})
    unrecorded = fields.Integer(metadata={"description": "尚未评议的在册党员人数"})
