"""Minutes schemas: what a secretary sends, and the record, its photos and its history as staff read them."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Instant, MultilineText, StrictSchema
from server.minutes.models import MINUTES_FIELDS, MINUTES_STATUSES

# Text limits (docs/limits.md): a page of content, a half page of decisions.
CONTENT_MAX = 10000
DECISIONS_MAX = 5000


class MinutesIn(StrictSchema):
    chair = fields.String(allow_none=True, validate=validate.Length(max=64), metadata={"description": "主持人"})
    recorder = fields.String(allow_none=True, validate=validate.Length(max=64), metadata={"description": "记录人"})
    topic = MultilineText(allow_none=True, validate=validate.Length(max=500), metadata={"description": "会议议题"})
    content = MultilineText(allow_none=True, validate=validate.Length(max=CONTENT_MAX),
                            metadata={"description": f"会议内容，最多 {CONTENT_MAX} 字"})
    decisions = MultilineText(allow_none=True, validate=validate.Length(max=DECISIONS_MAX),
                              metadata={"description": f"会议决定事项，最多 {DECISIONS_MAX} 字"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("请至少填写一项", "_schema")


class MinutesQuery(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "pdf", "xlsx")),
                           metadata={"description": "json：会议记录；pdf 或 xlsx：可打印的会议记录"})


class MinutesPhotoQuery(StrictSchema):
    size = fields.String(load_default="phone", validate=validate.OneOf(("phone", "original")),
                         metadata={"description": "phone：适合手机的 JPEG 副本（默认）；original：原图（已去除 EXIF）"})


class MinutesPhotoFiles(Schema):
    file = Upload(required=True, metadata={"description": "照片（JPEG 或 PNG，按内容识别，最大 5 MB）"})


class MinutesEventOut(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    kind_label = fields.String(metadata={"description": "会议类型（中文）"})
    starts_at = Instant()
    ends_at = Instant()
    place_name = fields.String(allow_none=True)
    branch_id = fields.Integer()
    status = fields.String(metadata={"description": "scheduled 或 cancelled"})


class MinutesPhotoOut(Schema):
    id = fields.Integer()
    file_name = fields.String(metadata={"description": "上传时的文件名（仅作显示）"})
    format = fields.String(metadata={"enum": ["JPEG", "PNG"]})
    width = fields.Integer()
    height = fields.Integer()
    size_bytes = fields.Integer(metadata={"description": "原图（去除 EXIF 后）的字节数"})
    phone_width = fields.Integer(metadata={"description": "手机副本宽度"})
    phone_height = fields.Integer(metadata={"description": "手机副本高度"})
    uploaded_by = fields.String()
    uploaded_at = Instant()


class MinutesAttendeeOut(Schema):
    member_id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": ["present"]})
    checked_in_at = Instant(allow_none=True)
    late = fields.Boolean()
    manual = fields.Boolean(metadata={"description": "补签"})
    note = fields.String(metadata={"description": "迟到、补签原因"})


class MinutesAbsenteeOut(Schema):
    member_id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": ["on_leave", "absent"], "description": "on_leave 已批准请假；absent 缺席"})
    reason = fields.String(metadata={"description": "请假事由，或缺席原因（未请假、请假未获批准……）"})


class MinutesTextOut(Schema):
    chair = fields.String(allow_none=True)
    recorder = fields.String(allow_none=True)
    topic = fields.String(allow_none=True)
    content = fields.String(allow_none=True)
    decisions = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(MINUTES_STATUSES), "description": "open 可修改；locked 已锁定"})
    version = fields.Integer(metadata={"description": "保存次数；0 表示尚未保存"})
    updated_by = fields.String(allow_none=True)
    updated_at = Instant(allow_none=True)
    locked_by = fields.String(allow_none=True)
    locked_at = Instant(allow_none=True)


class MinutesOut(MinutesTextOut):
    event = fields.Nested(MinutesEventOut)
    expected_count = fields.Integer(metadata={"description": "应到人数"})
    attendees = fields.List(fields.Nested(MinutesAttendeeOut), metadata={"description": "出席人员（签到）"})
    absentees = fields.List(fields.Nested(MinutesAbsenteeOut), metadata={"description": "请假和缺席人员及原因"})
    photos = fields.List(fields.Nested(MinutesPhotoOut))


class MinutesChangeOut(Schema):
    field = fields.String(metadata={"enum": list(MINUTES_FIELDS)})
    before = fields.String(allow_none=True, data_key="from", metadata={"description": "修改前"})
    after = fields.String(allow_none=True, data_key="to", metadata={"description": "修改后"})


class MinutesAmendmentOut(Schema):
    version = fields.Integer()
    changed_by = fields.String()
    changed_at = Instant()
    changes = fields.Function(
        lambda a: MinutesChangeOut(many=True).dump(
            [{"field": name, "before": c["from"], "after": c["to"]} for name, c in sorted(a.changes.items())]),
        metadata={"description": "修改的字段及修改前后的内容"})


class MinutesHistoryOut(Schema):
    items = fields.List(fields.Nested(MinutesAmendmentOut))
