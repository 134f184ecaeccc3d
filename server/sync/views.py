"""Sync endpoints: the signed pull API for townships, and dead letters for the county (CONTRACT §8)."""
from __future__ import annotations

from flask import Response, g

from server.common.apidoc import SECURED
from server.common.schemas import PageQuery
from server.core.guards import current_principal, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.sync import feed, service
from server.sync.schemas import (
    DIGEST_HASH_DOC,
    ChangesOut,
    ChangesQuery,
    DeadLetterOut,
    DeadLettersOut,
    DigestOut,
    DigestQuery,
    WebhookIn,
    WebhookOut,
)
from server.sync.signing import sync_signed

blp = Blueprint("sync", __name__, url_prefix="/api/v1", description="乡镇台账同步（HMAC 签名请求，见 docs/sync-api.md）")

SIGNED = {"security": [{"syncSignature": []}]}
SIGNING_DOC = (
    "签名请求：请求头 X-Sync-Key、X-Sync-Timestamp（Unix 秒，与服务器相差不超过 300 秒）、"
    "X-Sync-Signature = hex(HMAC-SHA256(secret, METHOD + \"\\n\" + path_with_query + \"\\n\" + timestamp))；"
    "有正文的请求还要带 X-Sync-Body-SHA256（正文的 SHA-256，十六进制），并把它作为第四行一起签名；"
    "缺少或不符的一律拒绝。每个签名只接受一次。失败：401 sync_auth_failed。"
)


@blp.get("/sync/changes")
@sync_signed
@blp.arguments(ChangesQuery, location="query")
@blp.response(200, ChangesOut)
@blp.alt_response(401, schema=ErrorOut, description="sync_auth_failed：签名、时间戳或密钥不对")
@blp.doc(**SIGNED, description=SIGNING_DOC + " Changes after the cursor, in seq (commit) order, each exactly once; "
         "a township key sees only its township. `next` is the cursor to resume from, also when `more` is false.")
def changes(args):
    """拉取某游标之后的变更（乡镇台账系统，签名请求）"""
    # The body is built by the feed (stored payloads passed through); ChangesOut documents it.
    return Response(feed.changes_page_json(g.sync_key, args["after"], args["limit"]), mimetype="application/json")


@blp.get("/sync/digest")
@sync_signed
@blp.arguments(DigestQuery, location="query")
@blp.response(200, DigestOut)
@blp.alt_response(401, schema=ErrorOut, description="sync_auth_failed：签名、时间戳或密钥不对")
@blp.doc(**SIGNED, description=SIGNING_DOC + " Members in scope now, check-ins of events in the month (event_month), "
         "fen paid net of refunds with a payment time in the month (paid_month, Asia/Shanghai). " + DIGEST_HASH_DOC)
def digest(args):
    """双方各自计算的核对摘要，用来证明两边记录一致"""
    return feed.digest(g.sync_key, args["month"])


@blp.put("/sync/webhook")
@sync_signed
@blp.arguments(WebhookIn)
@blp.response(200, WebhookOut)
@blp.alt_response(401, schema=ErrorOut, description="sync_auth_failed：签名、时间戳或密钥不对")
@blp.doc(**SIGNED, description=SIGNING_DOC + " Registers the key's push target (http/https). Pushes are "
         "POST {key_id, after, next, changes} in seq order, signed the same way with X-Sync-Body-SHA256 always "
         "present; a batch is sent only after the previous one was answered 2xx; delivery is at least once, "
         "so the receiver dedupes by seq.")
def webhook(args):
    """登记推送地址（乡镇台账系统）"""
    return service.set_webhook(g.sync_key, args["url"])


@blp.get("/sync/dead-letters")
@blp.arguments(PageQuery, location="query")
@blp.response(200, DeadLettersOut)
@blp.doc(**SECURED)
@staff_required("county_admin")
def dead_letters(args):
    """多次推送失败的批次（该密钥的推送暂停，待重放）"""
    return service.dead_letters(args["page"], args["per_page"])


@blp.post("/sync/dead-letters/<int:dead_letter_id>/replay")
@blp.response(200, DeadLetterOut)
@blp.alt_response(409, schema=ErrorOut, description="already_replayed：该批次已重放；sync_key_revoked：密钥已吊销")
@blp.doc(**SECURED)
@staff_required("county_admin")
def replay_dead_letter(dead_letter_id):
    """重新推送一个失败批次，并按顺序推送其后的全部变更"""
    return service.replay_dead_letter(dead_letter_id, current_principal())
