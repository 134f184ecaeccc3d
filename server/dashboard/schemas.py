"""Dashboard and lost-contact schemas (rates are numbers 0..1 with 4 decimals, money is fen)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from server.common.schemas import (
    Instant,
    Month,
    OrgRef,
    PageOut,
    PageQuery,
    StrictSchema,
)
from server.dashboard.models import FLAG_STATES


class DashboardQuery(StrictSchema):
    month = Month(load_default=None, metadata={"description": "YYYY-MM；缺省为本月（北京时间）"})


class StatusCounts(Schema):
    active = fields.Integer()
    returned = fields.Integer()
    transferred = fields.Integer()
    lost_contact = fields.Integer()
    suspended = fields.Integer()


class Figures(Schema):
    members = fields.Integer(metadata={"description": "状态为 active 的党员数"})
    reported = fields.Integer(metadata={"description": "本月至少报到一次的 active 党员数"})
    report_rate = fields.Float()
    checkin_members = fields.Integer(metadata={"description": "本月活动至少签到一次的 active 党员数"})
    checkin_rate = fields.Float()
    dues_paid_members = fields.Integer(metadata={"description": "paid_through >= 本月的 active 党员数"})
    dues_paid_rate = fields.Float()
    arrears_6m = fields.Integer()
    lost_contact = fields.Integer()
    lost_contact_flagged = fields.Integer(metadata={"description": "待支部书记确认的失联标记数"})
    members_by_status = fields.Nested(StatusCounts)
    checkins = fields.Integer(metadata={"description": "本月活动签到人次"})
    paid_fen = fields.Integer(metadata={"description": "本月缴纳党费（分，已扣除退款）"})
    special_fen = fields.Integer()
    refunded_fen = fields.Integer()


class NamedFigures(Figures):
    id = fields.Integer()
    name = fields.String()


class SeriesPoint(Schema):
    """One month of the series; a month without any report-in, check-in or payment is a gap (all figures null)."""
    month = fields.String()
    has_data = fields.Boolean(metadata={"description": "该月是否有报到、签到或缴费数据；false 时其余数字均为 null（图表留空，不画 0%）"})
    reported = fields.Integer(allow_none=True)
    report_rate = fields.Float(allow_none=True)
    checkin_members = fields.Integer(allow_none=True)
    checkin_rate = fields.Float(allow_none=True)
    checkins = fields.Integer(allow_none=True)
    paid_fen = fields.Integer(allow_none=True)


class RollupStatus(Schema):
    high_water = fields.Integer()
    applied = fields.Integer()
    open_gaps = fields.Integer()


class CountyOut(Schema):
    month = fields.String()
    totals = fields.Nested(Figures)
    townships = fields.List(fields.Nested(NamedFigures))
    series = fields.List(fields.Nested(SeriesPoint), metadata={"description": "截至所选月份的 12 个月"})
    rollup = fields.Nested(RollupStatus)


class MemberRow(Schema):
    id = fields.Integer()
    name = fields.String()
    phone_masked = fields.String(allow_none=True)
    mobile_branch = fields.Nested(OrgRef)
    status = fields.String()
    paid_through = fields.String(allow_none=True)
    last_activity_at = Instant(allow_none=True)
    url = fields.String()


class ArrearsRow(MemberRow):
    months_owed = fields.Integer()


class FlaggedRow(MemberRow):
    flag_id = fields.Integer()
    flagged_at = Instant()
    last_seen_at = Instant()


class ArrearsList(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(ArrearsRow))


class MemberList(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(MemberRow))


class FlaggedList(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(FlaggedRow))


class TownshipDashboardOut(Schema):
    month = fields.String()
    township = fields.Nested(OrgRef)
    totals = fields.Nested(NamedFigures)
    branches = fields.List(fields.Nested(NamedFigures))
    series = fields.List(fields.Nested(SeriesPoint))
    arrears = fields.Nested(ArrearsList)
    lost_contact = fields.Nested(MemberList)
    flagged = fields.Nested(FlaggedList)


class LostContactQuery(PageQuery):
    branch_id = fields.Integer(load_default=None)
    state = fields.String(load_default="open", validate=validate.OneOf(FLAG_STATES))


class FlagOut(Schema):
    id = fields.Integer()
    member = fields.Nested(MemberRow)
    state = fields.String()
    last_seen_at = Instant()
    flagged_at = Instant()
    resolved_at = Instant(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class FlagPage(PageOut):
    items = fields.List(fields.Nested(FlagOut))


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("不能为空")


class ReasonIn(StrictSchema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=255), _not_blank])
