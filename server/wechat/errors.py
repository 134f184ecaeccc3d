"""The gateway's own errors: what a feature may catch when it asks WeChat for something.

No feature sees a wechatpy or requests exception. The split is by what the caller can do about it:
- WechatUnavailable: WeChat could not be reached or answered with a transport failure (network error,
  timeout, HTTP 5xx, an unsigned or unreadable answer, "system busy"): try again later.
- WechatRejected(code, message): WeChat answered and said no (an errcode, or WeChat Pay's err_code);
  retrying the same call gives the same answer.
- OrderNotFound: WeChat Pay does not know the order (ORDERNOTEXIST on orderquery, closeorder or refund).
- InvalidNotice: a payment notice that is not a small, flat, correctly signed notice.
"""
from __future__ import annotations


class WechatError(Exception):
    """Any failure of a call to WeChat."""


class WechatUnavailable(WechatError):
    """WeChat could not be reached or gave no usable answer; the call may succeed later."""

    def __init__(self, what: str, detail: str = ""):
        super().__init__(f"{what}: {detail}" if detail else what)
        self.what = what


class WechatRejected(WechatError):
    """WeChat answered and refused: `code` is its errcode (mini-program APIs) or err_code (WeChat Pay)."""

    def __init__(self, code: int | str | None, message: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class OrderNotFound(WechatRejected):
    """WeChat Pay has no order with this out_trade_no (ORDERNOTEXIST)."""

    def __init__(self, out_trade_no: str, message: str = "订单不存在"):
        super().__init__("ORDERNOTEXIST", message)
        self.out_trade_no = out_trade_no


class InvalidNotice(WechatError):
    """A payment notice whose shape or signature does not verify."""
