"""Sync API schemas (CONTRACT §8)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import BigInteger, Month, PageOut, StrictSchema
from server.common.timeutil import isoformat
from server.core.outbox import CHANGE_TYPES

MAX_SEQ = 2**62


def nonce_field() -> fields.String:
    """Each signature is accepted once; a client repeating a request within one second varies this."""
    return fields.String(load_default=None, validate=validate.Length(max=64), metadata={
        "description": "可选：任意唯一字符串，使同一秒内的相同请求签名不同（签名只能使用一次）"})


class ChangesQuery(StrictSchema):
    after = BigInteger(load_default=0, validate=validate.Range(min=0, max=MAX_SEQ),
                           metadata={"description": "上次响应的 next；不传表示从头开始"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    nonce = nonce_field()



class ChangeOut(Schema):
    seq = fields.Integer(required=True)
    type = fields.String(required=True, metadata={"enum": list(CHANGE_TYPES), "description": (
        "变更类型（data 见 docs/changes.md）；不认识的类型请跳过。后加的类型：evaluation.recorded 年度民主评议党员结果 "
        "{year, grade: 优秀|合格|基本合格|不合格, note, recorded_on}；report.updated 同月再次报到改写了该月的报到 "
        "（data 同 report.created，另有 updated_at；按 report_id 覆盖）；certificate.recorded 流动党员活动证登记、年审、换发 "
        "{certificate_id, action: issued|reviewed|renewed|renumbered, number, issued_on, period, valid_from, "
        "valid_until, review}（按党员覆盖，seq 大者为准）")})
    member_id = fields.Integer(allow_none=True)
    township_id = fields.Integer(allow_none=True)
    at = fields.String(required=True, metadata={"description": "ISO 8601，北京时间带时区"})
    data = fields.Dict(required=True, metadata={"description": "见 docs/changes.md"})


class ChangesOut(Schema):
    changes = fields.List(fields.Nested(ChangeOut), required=True)
    next = fields.Integer(required=True, metadata={"description": "下次请求的 after（无论 more 是否为 false）"})
    more = fields.Boolean(required=True)


class DigestQuery(StrictSchema):
    month = Month(required=True)
    nonce = nonce_field()


DIGEST_HASH_DOC = (
    "hash = hex(SHA-256(各行用 \"\\n\" 连接后的 UTF-8，末尾不加换行))。各行依次为："
    "当前范围内每名党员一行 \"M <member_id> <status>\"，按党员 id 升序；"
    "data.event_month 为该月的每个不同的 checkin.created 一行 \"C <checkin_id>\"，按签到 id 升序；"
    "data.paid_month 为该月、有 dues.paid 或 dues.refunded 的每笔缴费一行 \"O <ref> <net_fen>\"，按 ref 升序（字节序）；"
    "ref 为 data.order_no，线下登记的缴费（data.channel \"offline\"，其冲正只带 payment_id）为 \"P<payment_id>\"；"
    "net_fen = dues.paid 的 amount_fen 减去其各 dues.refunded 的 amount_fen 之和（可为 0）。"
    "一行也没有时为空串的 SHA-256。paid_fen 为各 net_fen 之和。"
)


class DigestOut(Schema):
    month = fields.String(required=True)
    members = fields.Integer(required=True)
    checkins = fields.Integer(required=True)
    paid_fen = fields.Integer(required=True)
    hash = fields.String(required=True, metadata={"description": DIGEST_HASH_DOC})
    through_seq = fields.Integer(required=True, metadata={
        "description": "计入本摘要的最大 seq：本地游标小于它时请先继续拉取再比对"})


class WebhookIn(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=512))


class WebhookOut(Schema):
    key_id = fields.String()
    url = fields.String(attribute="webhook_url")
    delivered_seq = fields.Integer()
    parked = fields.Boolean(attribute="push_parked")


class DeadLetterOut(Schema):
    id = fields.Integer()
    key_id = fields.Function(lambda letter: letter.sync_key.key_id)
    township_id = fields.Function(lambda letter: letter.sync_key.township_id)
    first_seq = fields.Integer()
    last_seq = fields.Integer()
    changes = fields.Integer()
    attempts = fields.Integer()
    last_error = fields.String()
    created_at = fields.Function(lambda letter: isoformat(letter.created_at))
    replayed_at = fields.Function(lambda letter: isoformat(letter.replayed_at), allow_none=True)
    replayed_by = fields.String(allow_none=True)


class DeadLettersOut(PageOut):
    items = fields.List(fields.Nested(DeadLetterOut))
