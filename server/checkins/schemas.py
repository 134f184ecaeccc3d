"""Schemas at the edge of the checkins feature (one per direction).

Coordinates are GCJ-02 everywhere (what `wx.getLocation({type: 'gcj02'})` returns); the geofence is
stored in GCJ-02 too. Instants are ISO 8601 with an offset and leave the service in Beijing time.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.checkins.models import EVENT_KINDS
from server.common.schemas import (  # noqa: F401 - PageQuery re-used by views
    Instant,
    Month,
    MultilineText,
    OrgRef,
    PageOut,
    PageQuery,
    Quarter,
    StrictSchema,
)

GCJ02 = "GCJ-02 (wx.getLocation type 'gcj02')"


# ---- events ---------------------------------------------------------------------------------------

class LocationIn(StrictSchema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"description": f"纬度，{GCJ02}"})
    lng = fields.Float(required=True, validate=validate.Range(-180, 180), metadata={"description": f"经度，{GCJ02}"})
    radius_m = fields.Integer(required=True, validate=validate.Range(20, 5000),
                              metadata={"description": "签到范围半径（米）"})


class LocationOut(Schema):
    lat = fields.Float(metadata={"description": GCJ02})
    lng = fields.Float(metadata={"description": GCJ02})
    radius_m = fields.Integer()


def check_window(data):
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends <= starts:
        raise ValidationError({"ends_at": ["结束时间须晚于开始时间"]})
    if starts and ends and (ends - starts).total_seconds() > 3 * 24 * 3600:
        raise ValidationError({"ends_at": ["一次活动不能超过 3 天"]})


class EventIn(StrictSchema):
    branch_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(EVENT_KINDS)))
    title = fields.String(required=True, validate=validate.Length(1, 100))
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    location = fields.Nested(LocationIn, required=True)
    place_name = fields.String(load_default=None, validate=validate.Length(max=128), metadata={"description": "地点名称"})
    chair = fields.String(load_default=None, validate=validate.Length(max=64), metadata={"description": "主持人"})
    recorder = fields.String(load_default=None, validate=validate.Length(max=64), metadata={"description": "记录人"})
    topic = MultilineText(load_default=None, validate=validate.Length(max=500), metadata={"description": "议题"})

    @validates_schema
    def _window(self, data, **kwargs):
        check_window(data)


class EventPatch(StrictSchema):
    kind = fields.String(validate=validate.OneOf(list(EVENT_KINDS)))
    title = fields.String(validate=validate.Length(1, 100))
    starts_at = Instant()
    ends_at = Instant()
    location = fields.Nested(LocationIn)
    place_name = fields.String(allow_none=True, validate=validate.Length(max=128))
    chair = fields.String(allow_none=True, validate=validate.Length(max=64))
    recorder = fields.String(allow_none=True, validate=validate.Length(max=64))
    topic = MultilineText(allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _window(self, data, **kwargs):
        check_window(data)


class CancelIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 255))


class EventOut(Schema):
    id = fields.Integer()
    branch = fields.Nested(OrgRef)
    kind = fields.String()
    kind_label = fields.String(metadata={"description": "活动类型（中文）"})
    title = fields.String()
    topic = fields.String(allow_none=True)
    place_name = fields.String(allow_none=True)
    location = fields.Method("_location", metadata={"description": f"签到范围，{GCJ02}"})
    starts_at = Instant()
    ends_at = Instant()
    chair = fields.String(allow_none=True)
    recorder = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "scheduled 或 cancelled"})
    phase = fields.String(metadata={"enum": ["upcoming", "ongoing", "ended", "cancelled"],
                                    "description": "此刻的进度：未开始、进行中、已结束（已过结束时间）、已取消"})
    phase_label = fields.String(metadata={"description": "进度（中文）"})
    cancelled_at = Instant(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    expected_frozen_at = Instant(allow_none=True, metadata={"description": "应到名单冻结时间（活动开始时）"})
    created_at = Instant()

    def _location(self, event):
        return {"lat": event.lat, "lng": event.lng, "radius_m": event.radius_m}


class EventListQuery(PageQuery):
    branch_id = fields.Integer()
    month = Month(metadata={"description": "YYYY-MM（北京时间，按开始时间）"})
    upcoming = fields.Boolean(load_default=False, metadata={"description": "1: 只列未结束且未取消的活动"})


class EventPageOut(PageOut):
    items = fields.List(fields.Nested(EventOut))


class CodeQuery(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "png"]))


class CheckinCodeOut(Schema):
    token = fields.String(metadata={"description": "轮换签到码，≤32 字符，形如 <event_id>.<其余>，也是小程序码的 scene"})
    expires_in = fields.Integer(metadata={"description": "剩余有效秒数（≤60）"})


# ---- check-ins and leave --------------------------------------------------------------------------

class CheckinIn(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(1, 64))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"description": f"纬度，{GCJ02}"})
    lng = fields.Float(required=True, validate=validate.Range(-180, 180), metadata={"description": f"经度，{GCJ02}"})
    accuracy = fields.Float(load_default=None, validate=validate.Range(0, 100000),
                            metadata={"description": "定位精度（米），wx.getLocation 的 accuracy"})


class MemberRef(Schema):
    id = fields.Integer()
    name = fields.String()
    phone_masked = fields.String(allow_none=True)


class CheckinOut(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    member_id = fields.Integer()
    checked_in_at = Instant(metadata={"description": "服务器时间"})
    late = fields.Boolean()
    manual = fields.Boolean(metadata={"description": "书记补签"})
    reason = fields.String(allow_none=True, metadata={"description": "补签原因"})
    distance_m = fields.Float(allow_none=True, metadata={"description": "距签到点的距离（米）"})
    accuracy_m = fields.Float(allow_none=True)


class CheckinResultOut(Schema):
    checkin = fields.Nested(CheckinOut)


class ManualCheckinIn(StrictSchema):
    member_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 255))


class LeaveIn(StrictSchema):
    reason = MultilineText(required=True, validate=validate.Length(1, 255))


class LeaveOut(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    member = fields.Nested(MemberRef)
    reason = fields.String()
    status = fields.String(metadata={"description": "pending, approved 或 denied"})
    note = fields.String(allow_none=True)
    decided_at = Instant(allow_none=True)
    created_at = Instant()


class MyLeaveOut(Schema):
    id = fields.Integer()
    reason = fields.String()
    status = fields.String()
    note = fields.String(allow_none=True)
    decided_at = Instant(allow_none=True)


class LeaveListOut(Schema):
    items = fields.List(fields.Nested(LeaveOut))


class DecisionIn(StrictSchema):
    approve = fields.Boolean(required=True)
    note = fields.String(load_default=None, validate=validate.Length(max=255))


# ---- attendance and compliance --------------------------------------------------------------------

class AttendanceQuery(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "xlsx"]))


class AttendeeOut(Schema):
    member = fields.Nested(MemberRef)
    checked_in_at = Instant(allow_none=True)
    late = fields.Boolean(allow_none=True)
    manual = fields.Boolean(allow_none=True)
    manual_reason = fields.String(allow_none=True)
    leave_reason = fields.String(allow_none=True)
    leave_status = fields.String(allow_none=True)


class AttendanceOut(Schema):
    event = fields.Nested(EventOut)
    expected_count = fields.Integer()
    expected_frozen = fields.Boolean(metadata={"description": "应到名单是否已在活动开始时冻结"})
    present = fields.List(fields.Nested(AttendeeOut))
    on_leave = fields.List(fields.Nested(AttendeeOut))
    absent = fields.List(fields.Nested(AttendeeOut))


class ComplianceQuery(StrictSchema):
    quarter = Quarter(required=True, metadata={"description": "季度，YYYY-Qn，例如 2026-Q4"})


class CompliancePeriodOut(Schema):
    period = fields.String(metadata={"description": "YYYY-MM（按月）、YYYY-Qn（按季度）或 YYYY（按年）"})
    held = fields.Integer(metadata={"description": "已召开次数；民主评议为已评定等次的党员数"})
    required = fields.Integer(metadata={"description": "规定次数；民主评议为本支部 active 党员数"})
    status = fields.String(metadata={"description": "met 已达标, missed 未达标, pending 期间未结束"})


class ComplianceItemOut(Schema):
    kind = fields.String(metadata={"description": "活动类型，或 evaluation（民主评议党员）"})
    label = fields.String(metadata={"description": "中文名称"})
    rule = fields.String(metadata={"description": "规则（中文）"})
    cycle = fields.String(metadata={"description": "month 按月, quarter 按季度, year 按年"})
    held = fields.Integer(metadata={"description": "本季度（按年的规则为全年）合计"})
    periods = fields.List(fields.Nested(CompliancePeriodOut))
    status = fields.String(metadata={"description": "met, missed 或 pending"})


class ComplianceMissOut(Schema):
    kind = fields.String(metadata={"description": "活动类型，或 evaluation"})
    label = fields.String(metadata={"description": "中文名称"})
    rule = fields.String(metadata={"description": "违反的规则（中文）"})
    period = fields.String(metadata={"description": "期间：YYYY-MM、YYYY-Qn 或 YYYY"})
    held = fields.Integer(metadata={"description": "已召开次数（民主评议为已评定人数）"})
    required = fields.Integer(metadata={"description": "规定次数（民主评议为应评定人数）"})


class ComplianceOut(Schema):
    branch = fields.Nested(OrgRef)
    quarter = fields.String(metadata={"description": "季度 YYYY-Qn"})
    year = fields.Integer(metadata={"description": "按年规则所属年度"})
    items = fields.List(fields.Nested(ComplianceItemOut))
    misses = fields.List(fields.Nested(ComplianceMissOut), metadata={"description": "已结束仍未达标的期间，各附所违反的规则"})
    due = fields.List(fields.Nested(ComplianceMissOut), metadata={"description": "尚未结束、仍需召开的期间（本月、本季度、本年）"})
    status = fields.String(metadata={"description": "met, missed 或 pending"})


class BranchComplianceOut(Schema):
    branch = fields.Nested(OrgRef)
    status = fields.String(metadata={"description": "met, missed 或 pending"})
    rules_met = fields.Integer(metadata={"description": "已达标的规则数"})
    rules_missed = fields.Integer(metadata={"description": "未达标的规则数"})
    rules_pending = fields.Integer(metadata={"description": "尚在进行中的规则数"})
    misses = fields.List(fields.Nested(ComplianceMissOut), metadata={"description": "未达标的期间及所违反的规则"})


class TownshipComplianceOut(Schema):
    township = fields.Nested(OrgRef)
    quarter = fields.String(metadata={"description": "季度 YYYY-Qn"})
    branches = fields.List(fields.Nested(BranchComplianceOut), metadata={"description": "各流动党员党支部"})
    branches_met = fields.Integer(metadata={"description": "全部达标的支部数"})
    branches_missed = fields.Integer(metadata={"description": "有未达标规则的支部数"})
    branches_pending = fields.Integer(metadata={"description": "无未达标、尚有进行中规则的支部数"})


class RuleMissOut(Schema):
    kind = fields.String(metadata={"description": "活动类型，或 evaluation"})
    label = fields.String(metadata={"description": "中文名称"})
    rule = fields.String(metadata={"description": "规则（中文）"})
    branches = fields.Integer(metadata={"description": "违反该规则的支部数"})


class TownshipComplianceRow(Schema):
    township = fields.Nested(OrgRef)
    branches = fields.Integer(metadata={"description": "流动党员党支部数"})
    branches_met = fields.Integer(metadata={"description": "全部达标的支部数"})
    branches_missed = fields.Integer(metadata={"description": "有未达标规则的支部数"})
    branches_pending = fields.Integer(metadata={"description": "无未达标、尚有进行中规则的支部数"})
    misses = fields.Integer(metadata={"description": "未达标的期间合计"})
    rules_missed = fields.List(fields.Nested(RuleMissOut), metadata={"description": "按规则：违反的支部数"})


class CountyComplianceOut(Schema):
    quarter = fields.String(metadata={"description": "季度 YYYY-Qn"})
    townships = fields.List(fields.Nested(TownshipComplianceRow))


# ---- member-facing --------------------------------------------------------------------------------

class MyEventsQuery(PageQuery):
    upcoming = fields.Boolean(load_default=False)


class MyEventOut(EventOut):
    my_state = fields.String(metadata={
        "description": "本人状态：present 已签到、on_leave 请假已批准、leave_pending 请假待批、leave_denied 请假未批准、"
                       "absent 签到已截止仍未签到也未获准请假、none 尚无记录",
        "enum": ["present", "on_leave", "leave_pending", "leave_denied", "absent", "none"]})
    my_checkin = fields.Nested(CheckinOut, allow_none=True)
    my_leave = fields.Nested("MyLeaveOut", allow_none=True)


class MyEventPageOut(PageOut):
    items = fields.List(fields.Nested(MyEventOut))


class EventBrief(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    place_name = fields.String(allow_none=True)
    starts_at = Instant()


class MyCheckinOut(CheckinOut):
    event = fields.Nested(EventBrief)


class MyCheckinPageOut(PageOut):
    items = fields.List(fields.Nested(MyCheckinOut))


class SubscriptionIn(StrictSchema):
    template_id = fields.String(required=True, validate=validate.Length(1, 64))


class SubscriptionOut(Schema):
    template_id = fields.String()
    remaining = fields.Integer(metadata={"description": "尚可发送的订阅消息条数"})


class LeaveResultOut(Schema):
    leave = fields.Nested(LeaveOut)
