"""The WeChat gateway: the only code that imports wechatpy.

Bases are configurable so the loopback emulator (WECHAT_EMULATOR=1) and real WeChat are
reached by the same code paths.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import requests
from flask import current_app
from wechatpy import WeChatClient, WeChatPay
from wechatpy.exceptions import (
    InvalidSignatureException,
    WeChatClientException,
    WeChatPayException,
)
from wechatpy.pay.utils import dict_to_xml
from wechatpy.session.redisstorage import RedisStorage

from server.store import get_redis
from server.wechat.emulator import ensure_running
from server.wechat.emulator.wxa import grant_subscription
from server.wechat.notice_xml import NoticeShapeInvalid, check_notice_xml

log = logging.getLogger(__name__)

__all__ = [
    "WeChatClientException", "WeChatPayException", "api_base", "pay_api_base", "get_client", "get_pay",
    "wxa_code_png", "send_subscribe_message", "note_subscription_grant",
    "PayError", "PayNoticeInvalid", "unified_order", "jsapi_params", "query_order", "close_order", "refund",
    "parse_payment_notice", "notice_reply", "pay_time",
]


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
        grant_subscription(current_app.config, openid, template_id)


# ---- WeChat Pay v2 ---------------------------------------------------------------------------------

class PayError(Exception):
    """WeChat Pay refused a call (`code` is its err_code, e.g. ORDERPAID) or could not be reached (code None)."""

    def __init__(self, code: str | None, message: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class PayNoticeInvalid(Exception):
    """A payment notice whose signature does not verify (or that is not a notice at all)."""


SHANGHAI_TZ = ZoneInfo("Asia/Shanghai")
NOTICE_SUCCESS = "SUCCESS"


def _pay_call(func, *args, **kwargs) -> dict:
    """Call wechatpy, verify the answer's signature and turn every failure into PayError."""
    pay = func.__self__._client
    try:
        data = func(*args, **kwargs)
    except WeChatPayException as err:
        raise PayError(err.errcode or err.return_code or "FAIL", err.errmsg or err.return_msg or "") from err
    except requests.RequestException as err:
        raise PayError(None, "wechat pay unreachable") from err
    if not isinstance(data, dict) or not pay.check_signature(dict(data)):
        raise PayError("SIGNERROR", "response signature does not verify")
    return data


def unified_order(*, out_trade_no: str, body: str, total_fee: int, openid: str, client_ip: str,
                  expires_at: datetime) -> str:
    """Create a JSAPI order (unifiedorder) and return its prepay_id."""
    pay = get_pay()
    data = _pay_call(
        pay.order.create, trade_type="JSAPI", body=body, total_fee=total_fee,
        notify_url=current_app.config["WECHAT_PAY_NOTIFY_URL"], client_ip=client_ip or "127.0.0.1",
        user_id=openid, out_trade_no=out_trade_no, time_expire=expires_at.astimezone(SHANGHAI_TZ),
    )
    return data["prepay_id"]


def jsapi_params(prepay_id: str) -> dict:
    """The signed argument of wx.requestPayment: timeStamp, nonceStr, package, signType, paySign."""
    params = get_pay().jsapi.get_jsapi_params(prepay_id)
    return {k: params[k] for k in ("timeStamp", "nonceStr", "package", "signType", "paySign")}


def query_order(out_trade_no: str) -> dict | None:
    """orderquery: the order as WeChat sees it (trade_state, total_fee, transaction_id, time_end); None if unknown."""
    pay = get_pay()
    try:
        return _pay_call(pay.order.query, out_trade_no=out_trade_no)
    except PayError as err:
        if err.code == "ORDERNOTEXIST":
            return None
        raise


def close_order(out_trade_no: str) -> str:
    """closeorder: "closed", or "paid" when WeChat says it was paid meanwhile, or "missing"."""
    pay = get_pay()
    try:
        _pay_call(pay.order.close, out_trade_no)
    except PayError as err:
        if err.code == "ORDERPAID":
            return "paid"
        if err.code == "ORDERNOTEXIST":
            return "missing"
        if err.code == "ORDERCLOSED":
            return "closed"
        raise
    return "closed"


def refund(*, out_trade_no: str, out_refund_no: str, total_fee: int, refund_fee: int, reason: str) -> dict:
    """refund (secapi/pay/refund): the same out_refund_no refunds only once."""
    pay = get_pay()
    return _pay_call(pay.refund.apply, total_fee=total_fee, refund_fee=refund_fee, out_refund_no=out_refund_no,
                     out_trade_no=out_trade_no, refund_desc=reason[:80])


def parse_payment_notice(xml: bytes | str) -> dict:
    """Verify a payment notice's MD5 signature and return its fields (amounts as int). Nothing else is checked."""
    try:
        check_notice_xml(xml)
        return get_pay().parse_payment_result(xml)
    except NoticeShapeInvalid as err:
        raise PayNoticeInvalid(str(err)) from err
    except InvalidSignatureException as err:
        raise PayNoticeInvalid("bad signature") from err
    except (ValueError, TypeError, AttributeError) as err:
        raise PayNoticeInvalid("not a payment notice") from err


def notice_reply(ok: bool, message: str = "OK") -> str:
    """The XML WeChat reads back: SUCCESS stops its retries, FAIL asks it to try again."""
    return dict_to_xml({"return_code": "SUCCESS" if ok else "FAIL", "return_msg": message})


def pay_time(time_end: str | None) -> datetime | None:
    """A WeChat yyyyMMddHHmmss Beijing time as an aware UTC instant."""
    if not time_end:
        return None
    return datetime.strptime(time_end, "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI_TZ).astimezone(timezone.utc)
