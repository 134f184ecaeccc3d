"""Signed calls to the sync API (CONTRACT §8), and the pull and verify a township runs with them."""
from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import requests

from township_sync.ledger import Ledger
from township_sync.signing import signed_headers

PAGE_LIMIT = 1000
BEIJING = timezone(timedelta(hours=8))


class SyncError(Exception):
    """The service refused a request, answered something that is not the sync API, or could not be reached.
    `message` is one Chinese sentence for the operator; status 0 means no HTTP answer at all."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def line(self) -> str:
        """The one line the command prints."""
        if self.status == 0:
            return self.message
        return f"同步失败：{self.message or self.code}（HTTP {self.status}，{self.code}）"


def _bad_url(base_url: str) -> SyncError:
    return SyncError(0, "bad_url", f"服务地址不正确：{base_url}（应为 http:// 或 https:// 开头的网址，例如 https://dangyuan.example.cn）")


class SyncClient:
    """Signed requests to the sync API. `session` may be anything with requests' `request()`."""

    def __init__(self, base_url: str, key_id: str, secret: str, session=None, clock=time.time, timeout: float = 30):
        try:
            parts = urlsplit((base_url or "").strip().rstrip("/"))
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            raise _bad_url(base_url) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _bad_url(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path
        self.key_id, self.secret = key_id, secret
        self.session = session or requests.Session()
        self.clock, self.timeout = clock, timeout

    def call(self, method: str, path: str, params: dict | None = None, body: dict | None = None) -> dict:
        """Send one signed request and return its JSON body (SyncError unless a 2xx JSON object)."""
        # A nonce keeps two identical requests in the same second from sharing a (single-use) signature.
        params = {**(params or {}), "nonce": secrets.token_hex(8)} if method == "GET" else params
        target = self.prefix + path + (f"?{urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = signed_headers(self.key_id, self.secret, method, target, data, now=self.clock())
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            resp = self.session.request(method, self.origin + target, headers=headers, data=data, timeout=self.timeout)
        except requests.RequestException:
            raise SyncError(0, "unreachable", f"无法连接服务器 {self.origin}，请检查 --url 和网络") from None
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) and resp.status_code >= 500:
            raise SyncError(resp.status_code, "unavailable", f"{self.origin} 暂时无法提供服务，请稍后再试")
        if not isinstance(payload, dict) or resp.status_code == 404:
            raise self._not_sync_api(resp.status_code)
        if not 200 <= resp.status_code < 300:
            raise SyncError(resp.status_code, payload.get("code", "http_error"), payload.get("message", ""))
        return payload

    def _not_sync_api(self, status: int) -> SyncError:
        return SyncError(status, "not_sync_api", f"{self.origin}{self.prefix} 不是流动党员之家的同步接口，请检查 --url")

    def _expect(self, payload: dict, fields: tuple[str, ...]) -> dict:
        if not all(field in payload for field in fields):
            raise self._not_sync_api(200)
        return payload

    def changes(self, after: int, limit: int = PAGE_LIMIT) -> dict:
        page = self.call("GET", "/api/v1/sync/changes", {"after": after, "limit": limit})
        return self._expect(page, ("changes", "next", "more"))

    def digest(self, month: str) -> dict:
        figures = self.call("GET", "/api/v1/sync/digest", {"month": month})
        return self._expect(figures, ("members", "checkins", "paid_fen", "hash"))

    def set_webhook(self, url: str) -> dict:
        """Register the push target; the body is hashed and signed with the request."""
        return self.call("PUT", "/api/v1/sync/webhook", body={"url": url})


def pull(client: SyncClient, ledger: Ledger, limit: int = PAGE_LIMIT, echo=print) -> int:
    """Page from the ledger's cursor until `more` is false; returns the changes newly applied."""
    applied = 0
    while True:
        after = ledger.cursor()
        page = client.changes(after, limit)
        applied += ledger.apply(page["changes"], page["next"], after)
        if not page["more"]:
            break
    echo(f"已同步到 seq {ledger.cursor()}，本次新增 {applied} 条变更")
    return applied


FIGURES = (("members", "党员人数"), ("checkins", "签到次数"), ("paid_fen", "党费实缴（分）"), ("hash", "校验值"))


def verify(client: SyncClient, ledger: Ledger, month: str, echo=print) -> bool:
    """Compare the service's digest with the ledger's, print the result in Chinese and keep it in the ledger."""
    for _ in range(3):
        remote = client.digest(month)
        if remote.get("through_seq", 0) <= ledger.cursor():
            break
        # The service counted changes we have not pulled yet: catch up, then compare.
        pull(client, ledger, echo=lambda *_: None)
    local = ledger.digest(month)
    differing = [(field, label) for field, label in FIGURES if remote[field] != local[field]]
    ledger.record_verification(month, datetime.now(BEIJING).isoformat(timespec="seconds"),
                               {field: remote[field] for field, _ in FIGURES}, local, not differing)
    if not differing:
        echo(f"{month} 核对一致：党员 {local['members']} 人，签到 {local['checkins']} 次，"
             f"党费实缴 {local['paid_fen'] / 100:.2f} 元（{local['paid_fen']} 分）")
        return True
    echo(f"{month} 核对不一致：")
    for field, label in differing:
        echo(f"  {label}：服务器 {remote[field]}，本地台账 {local[field]}")
    return False


def this_month() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m")
