"""The WeChat gateway: the only code that imports wechatpy.

Bases are configurable so the loopback emulator (WECHAT_EMULATOR=1) and real WeChat are
reached by the same code paths.
"""
from __future__ import annotations

import logging

from flask import current_app
from wechatpy import WeChatClient, WeChatPay
from wechatpy.exceptions import WeChatClientException, WeChatPayException
from wechatpy.session.redisstorage import RedisStorage

from server.store import get_redis

log = logging.getLogger(__name__)

__all__ = ["WeChatClientException", "WeChatPayException", "api_base", "pay_api_base", "get_client", "get_pay",
           "wxa_code_png", "send_subscribe_message", "note_subscription_grant"]


class _Client(WeChatClient):
    """wechatpy's client, but fetching the access token from the configured base (see WECHAT.md)."""

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def _emulator_base() -> str | None:
    if not current_app.config["WECHAT_EMULATOR"]:
        return None
    from server.wechat.emulator import ensure_running

    return ensure_running(current_app._get_current_object())


def api_base() -> str:
    """Where code2session, token, phone number, wxacode and subscribe messages go."""
    return _emulator_base() or current_app.config["WECHAT_API_BASE"]


def pay_api_base() -> str:
    """Where unifiedorder, orderquery, closeorder and refund go."""
    base = _emulator_base()
    return f"{base}pay-api/" if base else current_app.config["WECHAT_PAY_API_BASE"]


def get_client() -> WeChatClient:
    """A wechatpy client whose access token is shared by every worker through Redis."""
    cfg = current_app.config
    client = _Client(
        cfg["WECHAT_APPID"], cfg["WECHAT_SECRET"],
        session=RedisStorage(get_redis(), prefix="wechatpy"), timeout=5,
    )
    base = api_base()
    client.API_BASE_URL = base
    client.wxa.API_BASE_URL = base
    return client


def get_pay() -> WeChatPay:
    """A wechatpy WeChat Pay v2 client (MD5 signatures) pointed at the configured base."""
    cfg = current_app.config
    pay = WeChatPay(cfg["WECHAT_APPID"], cfg["WECHAT_PAY_API_KEY"], cfg["WECHAT_PAY_MCH_ID"], timeout=5)
    pay.API_BASE_URL = pay_api_base()
    return pay


def wxa_code_png(scene: str, page: str) -> bytes:
    """The mini-program code image (PNG bytes) opening `page` with `scene`; WeChatClientException on an error body."""
    result = get_client().wxa.get_wxa_code_unlimited(scene=scene, page=page)
    # wechatpy returns the raw response for an image, a dict for a JSON body (an error without errcode != 0).
    content = getattr(result, "content", None)
    if content is None or not content.startswith(b"\x89PNG"):
        errcode = result.get("errcode") if isinstance(result, dict) else None
        raise WeChatClientException(errcode, "wxacode: not an image")
    return content


def send_subscribe_message(openid: str, template_id: str, data: dict, page: str | None = None) -> dict:
    """Send one subscribe message (consumes one of the user's one-time grants at WeChat)."""
    return get_client().wxa.send_subscribe_message(openid, template_id, data, page=page)


def note_subscription_grant(openid: str, template_id: str) -> None:
    """In emulator mode, stand in for the phone telling WeChat that the user accepted one message."""
    if current_app.config["WECHAT_EMULATOR"]:
        from server.wechat.emulator.wxa import grant_subscription

        grant_subscription(current_app.config, openid, template_id)
