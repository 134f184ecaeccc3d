"""The mini-program's side of WeChat: login (code2session), phone numbers, mini-program codes and
subscribe messages, through wechatpy's client (see WECHAT.md).

Every call runs inside `_calling`, which turns wechatpy's and requests' exceptions into the gateway's own
(server/wechat/errors.py). Chaining is cut (`from None`): a wechatpy exception carries the HTTP request
and response, and code2session's response holds the session key, which must never reach a log.
"""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from server.store import get_redis
from server.wechat.emulator import ensure_running
from server.wechat.emulator.wxa import grant_subscription
from server.wechat.errors import WechatRejected, WechatUnavailable

if TYPE_CHECKING:
    from wechatpy import WeChatClient

# wechatpy is imported where it is used (about 11 MB of a worker that never calls WeChat).
log = logging.getLogger(__name__)

# errcodes that mean "not now" rather than "no": system busy, and the API's frequency limits.
BUSY_ERRCODES = frozenset({-1, 45009, 45011})


@dataclass(frozen=True)
class WechatSession:
    """Who logged in. code2session's session_key is deliberately not kept: nothing is decrypted with it."""
    openid: str
    unionid: str | None


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number from getuserphonenumber, with the appid its watermark names."""
    pure_phone_number: str
    country_code: str | None
    appid: str | None


@functools.cache
def _client_class() -> type:
    """wechatpy's client, but fetching the access token from the configured base (see WECHAT.md)."""
    from wechatpy import WeChatClient

    class _Client(WeChatClient):
        def fetch_access_token(self):
            return self._fetch_access_token(
                url=f"{self.API_BASE_URL}cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )

    return _Client


def emulator_base() -> str | None:
    """The loopback emulator's base URL when WECHAT_EMULATOR is on (started on first use), else None."""
    if not current_app.config["WECHAT_EMULATOR"]:
        return None
    return ensure_running(current_app._get_current_object())


def api_base() -> str:
    """Where code2session, token, phone number, wxacode and subscribe messages go."""
    return emulator_base() or current_app.config["WECHAT_API_BASE"]


def get_client() -> WeChatClient:
    """A wechatpy client whose access token is shared by every worker through Redis (gateway-internal)."""
    from wechatpy.session.redisstorage import RedisStorage

    cfg = current_app.config
    client = _client_class()(
        cfg["WECHAT_APPID"], cfg["WECHAT_SECRET"],
        session=RedisStorage(get_redis(), prefix="wechatpy"), timeout=5,
    )
    base = api_base()
    client.API_BASE_URL = base
    client.wxa.API_BASE_URL = base
    return client


@contextmanager
def _calling(what: str):
    """Run one mini-program API call, raising only WechatUnavailable or WechatRejected."""
    import requests  # about 5 MB: loaded by the first call, not with the app
    from wechatpy.exceptions import WeChatClientException

    try:
        yield
    except WeChatClientException as err:
        # errcode None: wechatpy's wrapper around an HTTP error status (5xx, 4xx from a proxy).
        if err.errcode is None or err.errcode in BUSY_ERRCODES:
            raise WechatUnavailable(what, f"errcode {err.errcode}") from None
        raise WechatRejected(err.errcode, str(err.errmsg or "")[:200]) from None
    except requests.RequestException as err:
        raise WechatUnavailable(what, type(err).__name__) from None


def code_to_session(code: str) -> WechatSession:
    """code2session: the openid (and unionid) behind a wx.login code; WechatRejected(40029) for a bad code."""
    with _calling("code2session"):
        answer = get_client().wxa.code_to_session(code)
    openid = answer.get("openid") if isinstance(answer, dict) else None
    if not openid:
        raise WechatUnavailable("code2session", "answer without an openid")
    return WechatSession(openid=str(openid), unionid=answer.get("unionid") or None)


def phone_number(code: str) -> PhoneNumber:
    """getuserphonenumber: the phone behind a getPhoneNumber code (the caller checks `appid`)."""
    with _calling("getuserphonenumber"):
        answer = get_client().post("wxa/business/getuserphonenumber", data={"code": code})
    info = answer.get("phone_info") if isinstance(answer, dict) else None
    if not isinstance(info, dict):
        raise WechatUnavailable("getuserphonenumber", "answer without phone_info")
    watermark = info.get("watermark") if isinstance(info.get("watermark"), dict) else {}
    return PhoneNumber(pure_phone_number=str(info.get("purePhoneNumber") or ""),
                       country_code=info.get("countryCode"), appid=watermark.get("appid"))


def wxa_code_png(scene: str, page: str) -> bytes:
    """The mini-program code image (PNG bytes) opening `page` with `scene`."""
    with _calling("getwxacodeunlimit"):
        result = get_client().wxa.get_wxa_code_unlimited(scene=scene, page=page)
    # wechatpy returns the raw response for an image, a dict for a JSON body (an error without errcode != 0).
    content = getattr(result, "content", None)
    if content is None or not content.startswith(b"\x89PNG"):
        errcode = result.get("errcode") if isinstance(result, dict) else None
        raise WechatRejected(errcode, "wxacode: not an image")
    return content


def send_subscribe_message(openid: str, template_id: str, data: dict, page: str | None = None) -> None:
    """Send one subscribe message (consumes one of the user's one-time grants at WeChat)."""
    with _calling("subscribe/send"):
        get_client().wxa.send_subscribe_message(openid, template_id, data, page=page)


def note_subscription_grant(openid: str, template_id: str) -> None:
    """In emulator mode, stand in for the phone telling WeChat that the user accepted one message."""
    if current_app.config["WECHAT_EMULATOR"]:
        grant_subscription(current_app.config, openid, template_id)
