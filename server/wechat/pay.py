"""WeChat Pay v2 (XML, MD5 signatures) through wechatpy: orders, queries, closing, refunds, payment notices.

Money crossing this boundary is an int in fen both ways: amounts given are checked to be positive ints
(anything else is a programming error, TypeError/ValueError before any call), amounts read from WeChat's
answers and notices are converted here and refused if they are not whole positive numbers. Every answer's
signature is checked; an answer that does not verify is treated as no answer (WechatUnavailable).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import current_app

from server.wechat.errors import InvalidNotice, OrderNotFound, WechatRejected, WechatUnavailable
from server.wechat.miniapp import emulator_base
from server.wechat.notice_xml import NoticeShapeInvalid, read_notice_xml

if TYPE_CHECKING:
    from wechatpy import WeChatPay

# wechatpy (with what it pulls in, about 11 MB of a worker) is imported where it is used: a worker that never
# handles a payment never loads it.
log = logging.getLogger(__name__)

SHANGHAI_TZ = ZoneInfo("Asia/Shanghai")
# err_codes WeChat Pay documents as "try again": they are not a refusal.
RETRYABLE_ERR_CODES = frozenset({"SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED"})


@dataclass(frozen=True)
class PayOrder:
    """An order as orderquery reports it; total_fee, transaction_id and paid_at only once it was paid."""
    out_trade_no: str
    trade_state: str
    total_fee: int | None
    transaction_id: str | None
    paid_at: datetime | None


@dataclass(frozen=True)
class RefundResult:
    """What WeChat answered to a refund (the same out_refund_no answers the same refund_id)."""
    refund_id: str
    refund_fee: int
    total_fee: int


@dataclass(frozen=True)
class PaymentNotice:
    """A payment notice whose signature verified. appid, mch_id, codes and amount are still the caller's to check."""
    appid: str | None
    mch_id: str | None
    return_code: str | None
    result_code: str | None
    out_trade_no: str
    transaction_id: str | None
    openid: str | None
    total_fee: int
    cash_fee: int | None
    paid_at: datetime | None


def pay_api_base() -> str:
    """Where unifiedorder, orderquery, closeorder and refund go."""
    base = emulator_base()
    return f"{base}pay-api/" if base else current_app.config["WECHAT_PAY_API_BASE"]


def _pay() -> WeChatPay:
    """The app's WeChat Pay client, built once per merchant settings (building one inspects every API class of
    wechatpy: a tenth of a notice's CPU), rebuilt when they change."""
    from wechatpy import WeChatPay

    cfg = current_app.config
    identity = (cfg["WECHAT_APPID"], cfg["WECHAT_PAY_API_KEY"], cfg["WECHAT_PAY_MCH_ID"], pay_api_base())
    held = current_app.extensions.get("wechat_pay")
    if held is None or held[0] != identity:
        pay = WeChatPay(*identity[:3], timeout=5)
        pay.API_BASE_URL = identity[3]
        held = current_app.extensions["wechat_pay"] = (identity, pay)
    return held[1]


def _fen_given(value, name: str) -> int:
    """An amount we send: a positive int of fen, never a float, a string or a bool."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int of fen, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1 fen")
    return value


def _fen_read(value) -> int | None:
    """An amount WeChat sent (a string of ASCII digits, or an int); None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def _pay_time(time_end) -> datetime | None:
    """A WeChat yyyyMMddHHmmss Beijing time as an aware UTC instant (ValueError if malformed). Read by its
    fixed positions: strptime was a twentieth of a notice's CPU."""
    if not time_end:
        return None
    text = str(time_end)
    if len(text) != 14 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a yyyyMMddHHmmss time: {text[:20]!r}")
    parts = (text[0:4], text[4:6], text[6:8], text[8:10], text[10:12], text[12:14])
    return datetime(*map(int, parts), tzinfo=SHANGHAI_TZ).astimezone(timezone.utc)


def _call(what: str, order_no: str, func, *args, **kwargs) -> dict:
    """One WeChat Pay call: its verified answer, or the gateway's own error."""
    import requests  # about 5 MB: loaded by the first call, not with the app
    from wechatpy.exceptions import WeChatPayException

    pay = func.__self__._client
    try:
        data = func(*args, **kwargs)
    except WeChatPayException as err:
        code = err.errcode or (None if err.return_code in (None, "SUCCESS") else err.return_code)
        if err.return_code is None or code in RETRYABLE_ERR_CODES:
            raise WechatUnavailable(what, f"{code or 'HTTP error'}") from None
        if code == "ORDERNOTEXIST":
            raise OrderNotFound(order_no, str(err.errmsg or "订单不存在")) from None
        raise WechatRejected(code or "FAIL", str(err.errmsg or err.return_msg or "")[:200]) from None
    except requests.RequestException as err:
        raise WechatUnavailable(what, type(err).__name__) from None
    if not isinstance(data, dict) or not pay.check_signature(dict(data)):
        raise WechatUnavailable(what, "answer not signed by WeChat Pay")
    return data


def unified_order(*, out_trade_no: str, body: str, total_fee: int, openid: str, client_ip: str,
                  expires_at: datetime) -> str:
    """Create a JSAPI order (unifiedorder) and return its prepay_id."""
    pay = _pay()
    data = _call("unifiedorder", out_trade_no, pay.order.create, trade_type="JSAPI", body=body,
                 total_fee=_fen_given(total_fee, "total_fee"),
                 notify_url=current_app.config["WECHAT_PAY_NOTIFY_URL"], client_ip=client_ip or "127.0.0.1",
                 user_id=openid, out_trade_no=out_trade_no, time_expire=expires_at.astimezone(SHANGHAI_TZ))
    if not data.get("prepay_id"):
        raise WechatUnavailable("unifiedorder", "answer without a prepay_id")
    return str(data["prepay_id"])


def jsapi_params(prepay_id: str) -> dict:
    """The signed argument of wx.requestPayment: timeStamp, nonceStr, package, signType, paySign (no network)."""
    params = _pay().jsapi.get_jsapi_params(prepay_id)
    return {k: params[k] for k in ("timeStamp", "nonceStr", "package", "signType", "paySign")}


def query_order(out_trade_no: str) -> PayOrder:
    """orderquery: the order as WeChat sees it; OrderNotFound if WeChat never saw it."""
    pay = _pay()
    data = _call("orderquery", out_trade_no, pay.order.query, out_trade_no=out_trade_no)
    state = str(data.get("trade_state") or "")
    paid = state in ("SUCCESS", "REFUND")
    total_fee = _fen_read(data.get("total_fee")) if paid else None
    try:
        paid_at = _pay_time(data.get("time_end")) if paid else None
    except ValueError:
        raise WechatUnavailable("orderquery", "unreadable time_end") from None
    if not state or (paid and total_fee is None):
        raise WechatUnavailable("orderquery", "answer without trade_state or total_fee")
    return PayOrder(out_trade_no=out_trade_no, trade_state=state, total_fee=total_fee,
                    transaction_id=data.get("transaction_id") if paid else None, paid_at=paid_at)


def close_order(out_trade_no: str) -> str:
    """closeorder: "closed", or "paid" when WeChat says it was paid meanwhile; OrderNotFound if unknown."""
    pay = _pay()
    try:
        _call("closeorder", out_trade_no, pay.order.close, out_trade_no)
    except OrderNotFound:
        raise
    except WechatRejected as err:
        if err.code == "ORDERPAID":
            return "paid"
        if err.code == "ORDERCLOSED":
            return "closed"
        raise
    return "closed"


def refund(*, out_trade_no: str, out_refund_no: str, total_fee: int, refund_fee: int, reason: str) -> RefundResult:
    """refund (secapi/pay/refund): the same out_refund_no refunds only once; OrderNotFound if WeChat has no order."""
    total_fee, refund_fee = _fen_given(total_fee, "total_fee"), _fen_given(refund_fee, "refund_fee")
    if refund_fee > total_fee:
        raise ValueError("refund_fee exceeds total_fee")
    pay = _pay()
    data = _call("refund", out_trade_no, pay.refund.apply, total_fee=total_fee, refund_fee=refund_fee,
                 out_refund_no=out_refund_no, out_trade_no=out_trade_no, refund_desc=reason[:80])
    refunded, total = _fen_read(data.get("refund_fee")), _fen_read(data.get("total_fee"))
    if refunded is None or total is None or not data.get("refund_id"):
        raise WechatUnavailable("refund", "answer without refund_id or amounts")
    return RefundResult(refund_id=str(data["refund_id"]), refund_fee=refunded, total_fee=total)


def parse_payment_notice(xml: bytes | str) -> PaymentNotice:
    """Check a payment notice's shape and MD5 signature and read its fields (amounts as int fen): the XML is
    read once (server/wechat/notice_xml.py) and its fields' signature checked by wechatpy."""
    try:
        data = read_notice_xml(xml)
        if not data.get("sign") or not _pay().check_signature(data):
            raise InvalidNotice("bad signature")
        paid_at = _pay_time(data.get("time_end"))
    except NoticeShapeInvalid as err:
        raise InvalidNotice(str(err)) from None
    except (ValueError, TypeError, AttributeError):
        raise InvalidNotice("not a payment notice") from None
    total_fee = _fen_read(data.get("total_fee"))
    cash_fee = _fen_read(data.get("cash_fee")) if data.get("cash_fee") is not None else None
    if total_fee is None or (data.get("cash_fee") is not None and cash_fee is None):
        raise InvalidNotice("amounts are not whole fen")
    return PaymentNotice(
        appid=data.get("appid"), mch_id=data.get("mch_id"), return_code=data.get("return_code"),
        result_code=data.get("result_code"), out_trade_no=str(data.get("out_trade_no") or ""),
        transaction_id=data.get("transaction_id"), openid=data.get("openid"), total_fee=total_fee,
        cash_fee=cash_fee, paid_at=paid_at)


def notice_reply(ok: bool, message: str = "OK") -> str:
    """The XML WeChat reads back: SUCCESS stops its retries, FAIL asks it to try again."""
    from wechatpy.pay.utils import dict_to_xml

    return dict_to_xml({"return_code": "SUCCESS" if ok else "FAIL", "return_msg": message})
