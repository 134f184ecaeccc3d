"""The WeChat gateway: the one door through which the service asks WeChat for anything.

Features call `from server.wechat import gateway` and use only what is listed here: typed functions that
return plain values or small dataclasses, and the gateway's own errors (server/wechat/errors.py). Only
server/wechat imports wechatpy; no feature calls requests for WeChat or catches a wechatpy exception.
The work is done in miniapp.py (login, phone, codes, messages) and pay.py (WeChat Pay v2); bases are
configurable so the loopback emulator (WECHAT_EMULATOR=1) and real WeChat are reached by the same code.
"""
from __future__ import annotations

from server.wechat.errors import (
    InvalidNotice,
    OrderNotFound,
    WechatError,
    WechatRejected,
    WechatUnavailable,
)
from server.wechat.miniapp import (
    PhoneNumber,
    WechatSession,
    code_to_session,
    note_subscription_grant,
    phone_number,
    send_subscribe_message,
    wxa_code_png,
)
from server.wechat.pay import (
    PaymentNotice,
    PayOrder,
    RefundResult,
    close_order,
    jsapi_params,
    notice_reply,
    parse_payment_notice,
    query_order,
    refund,
    unified_order,
)

__all__ = [
    "WechatError", "WechatUnavailable", "WechatRejected", "OrderNotFound", "InvalidNotice",
    "WechatSession", "PhoneNumber", "code_to_session", "phone_number", "wxa_code_png", "send_subscribe_message",
    "note_subscription_grant",
    "PayOrder", "RefundResult", "PaymentNotice", "unified_order", "jsapi_params", "query_order", "close_order",
    "refund", "parse_payment_notice", "notice_reply",
]
