"""Schemas at the edge of the notices feature (one per direction)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import Instant, MultilineText, OrgRef, PageOut, PageQuery, StrictSchema  # noqa: F401
from server.notices.models import AUDIENCE_TYPES

TITLE_MAX, BODY_MAX = 100, 5000


class NoticeIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, TITLE_MAX, error=f"标题应为 1–{TITLE_MAX} 个字"))
    body = MultilineText(required=True, validate=validate.Length(1, BODY_MAX, error=f"内容应为 1–{BODY_MAX} 个字"))
    township_id = fields.Integer(load_default=None, metadata={"description": "发给一个乡镇（县、乡镇管理员）"})
    branch_id = fields.Integer(load_default=None, metadata={"description": "发给一个支部；都不填则发给本人的整个范围"})
    pinned = fields.Boolean(load_default=False, metadata={"description": "置顶"})
    expires_on = fields.Date(load_default=None, metadata={"description": "有效期至（含当天，北京时间）"})


class AudienceOut(Schema):
    type = fields.String(metadata={"enum": list(AUDIENCE_TYPES)})
    id = fields.Integer()
    name = fields.String()


class StaffNoticeOut(Schema):
    """A notice as staff see it: who it addresses and how many of its active members have read it."""

    id = fields.Integer(attribute="notice.id")
    title = fields.String(attribute="notice.title")
    body = fields.String(attribute="notice.body")
    pinned = fields.Boolean(attribute="notice.pinned")
    expires_on = fields.Date(attribute="notice.expires_on", allow_none=True)
    created_at = Instant(attribute="notice.created_at")
    publisher = fields.String(attribute="notice.publisher", metadata={"description": "发布人账号"})
    audience = fields.Nested(AudienceOut)
    read_count = fields.Integer(metadata={"description": "已读的在册党员（含未绑定微信的）"})
    unread_count = fields.Integer(metadata={"description": "未读的在册党员（含未绑定微信的）"})


class StaffNoticePageOut(PageOut):
    items = fields.List(fields.Nested(StaffNoticeOut))


class UnreadMemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    phone_masked = fields.String(allow_none=True)
    mobile_branch = fields.Nested(OrgRef)
    bound = fields.Boolean(metadata={"description": "是否已绑定微信（未绑定的看不到通知，请电话告知）"})


class UnreadPageOut(PageOut):
    items = fields.List(fields.Nested(UnreadMemberOut))


class MyNoticeOut(Schema):
    id = fields.Integer(attribute="notice.id")
    title = fields.String(attribute="notice.title")
    body = fields.String(attribute="notice.body")
    pinned = fields.Boolean(attribute="notice.pinned")
    expires_on = fields.Date(attribute="notice.expires_on", allow_none=True)
    created_at = Instant(attribute="notice.created_at")
    read = fields.Boolean()


class MyNoticePageOut(PageOut):
    items = fields.List(fields.Nested(MyNoticeOut))
    unread = fields.Integer(metadata={"description": "未读通知条数（首页角标）"})
