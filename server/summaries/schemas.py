"""Schemas of the yearly summary: the query, and the summary as JSON."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.bounds import YEAR_MAX, YEAR_MIN
from server.common.schemas import Instant, OrgRef, StrictSchema

FORMATS = ("json", "xlsx", "pdf")


class SummaryQuery(StrictSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(YEAR_MIN, YEAR_MAX, error="年份应在 2000–2100 之间"),
                          metadata={"description": "年度；不填为今年"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS, error="format 应为 json、xlsx 或 pdf"),
                           metadata={"description": "json，或 xlsx / pdf 打印表"})


class SummaryMember(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number_masked = fields.String(metadata={"description": "身份证号（打码）"})


class SummaryEvaluation(Schema):
    grade = fields.String(metadata={"description": "民主评议等次"})
    note = fields.String(allow_none=True)
    recorded_on = fields.Date()


class SummaryRow(Schema):
    member = fields.Nested(SummaryMember)
    mobile_branch = fields.Nested(OrgRef)
    status = fields.String(metadata={"description": "党员当前状态"})
    reports = fields.Integer(metadata={"description": "本年报到的月数"})
    meetings_expected = fields.Integer(metadata={"description": "应参加的会议和活动次数"})
    meetings_attended = fields.Integer(metadata={"description": "签到参加的次数"})
    meetings_on_leave = fields.Integer(metadata={"description": "经批准请假的次数（不计缺席）"})
    meetings_missed = fields.Integer(metadata={"description": "缺席次数（应到未到且未获准请假）"})
    paid_through = fields.String(allow_none=True, metadata={"description": "党费交至月份 YYYY-MM"})
    evaluation = fields.Nested(SummaryEvaluation, allow_none=True, metadata={"description": "本年民主评议；未评议为 null"})


class SummaryTotals(Schema):
    reports = fields.Integer()
    meetings_expected = fields.Integer()
    meetings_attended = fields.Integer()
    meetings_on_leave = fields.Integer()
    meetings_missed = fields.Integer()
    evaluated = fields.Integer(metadata={"description": "已评议人数"})


class SummaryOut(Schema):
    branch = fields.Nested(OrgRef)
    township = fields.Nested(OrgRef)
    year = fields.Integer()
    items = fields.List(fields.Nested(SummaryRow))
    totals = fields.Nested(SummaryTotals)
    made_at = Instant(metadata={"description": "生成时间"})
