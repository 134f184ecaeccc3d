"""Emulated WeChat Pay v2 (XML, MD5 signatures) under /pay-api/, plus control functions for tests and the demo.

Wire format as WeChat's: XML bodies, fields sorted, empty ones skipped, `&key=API_KEY`, MD5, upper-case hex;
every answer is signed. Orders live in Redis (`wxemu:pay:order:<out_trade_no>`), so every worker sees them.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import xmltodict
from flask import Blueprint, Response, current_app, request

from server.wechat.emulator.state import EmulatorState

bp = Blueprint("emu_pay", __name__, url_prefix="/pay-api")

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREPAY_TTL_S = 2 * 3600
ORDER_TTL_S = 30 * 24 * 3600
# The parameters that must be identical when an out_trade_no is sent again.
_ORDER_IDENTITY = ("body", "total_fee", "openid", "notify_url", "trade_type", "fee_type", "attach")


def _state():
    return current_app.extensions["emulator_state"]


def _now() -> datetime:
    return datetime.now(SHANGHAI)


def _nonce() -> str:
    return secrets.token_hex(16)


def _wechatpy():
    from wechatpy.pay import utils  # loaded by the emulator's first use, not with the app

    return utils


def signed_xml(fields: dict, api_key: str) -> str:
    """Fields as WeChat sends them: empty ones dropped, signed with the API key."""
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    return _wechatpy().dict_to_xml(fields, _wechatpy().calculate_signature(fields, api_key))


def _answer(state, fields: dict) -> Response:
    body = {"return_code": "SUCCESS", "return_msg": "OK", "appid": state.appid, "mch_id": state.mch_id,
            "nonce_str": _nonce(), **fields}
    return Response(signed_xml(body, state.api_key), mimetype="text/xml")


def _fail(state, err_code: str, err_code_des: str) -> Response:
    return _answer(state, {"result_code": "FAIL", "err_code": err_code, "err_code_des": err_code_des})


def _return_fail(message: str) -> Response:
    """A communication-level failure (bad XML, bad signature): return_code FAIL, unsigned, as WeChat does."""
    return Response(_wechatpy().dict_to_xml({"return_code": "FAIL", "return_msg": message}), mimetype="text/xml")


def _read_request(state) -> tuple[dict | None, Response | None]:
    try:
        data = xmltodict.parse(request.get_data())["xml"]
    except Exception:  # noqa: BLE001 - any unreadable body is WeChat's "XML格式错误"
        return None, _return_fail("XML格式错误")
    data = dict(data or {})
    sign = data.pop("sign", None)
    if sign != _wechatpy().calculate_signature(data, state.api_key):
        return None, _return_fail("签名错误")
    if data.get("appid") != state.appid:
        return None, _return_fail("appid不存在")
    if data.get("mch_id") != state.mch_id:
        return None, _return_fail("商户号mch_id与appid不匹配")
    return data, None


def _order_key(out_trade_no: str) -> tuple:
    return ("pay", "order", out_trade_no)


@bp.post("/pay/unifiedorder")
def unifiedorder():
    state = _state()
    data, failure = _read_request(state)
    if failure:
        return failure
    out_trade_no = data.get("out_trade_no", "")
    missing = [f for f in ("body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "trade_type")
               if not data.get(f)]
    if data.get("trade_type") == "JSAPI" and not data.get("openid"):
        missing.append("openid")
    if missing:
        return _fail(state, "PARAM_ERROR", "缺少参数" + ",".join(missing))
    if not str(data["total_fee"]).isdigit() or int(data["total_fee"]) < 1:
        return _fail(state, "PARAM_ERROR", "total_fee 参数错误")
    existing = state.get(*_order_key(out_trade_no))
    if existing:
        if existing["trade_state"] in ("SUCCESS", "REFUND"):
            return _fail(state, "ORDERPAID", "该订单已支付")
        if existing["trade_state"] == "CLOSED":
            return _fail(state, "ORDERCLOSED", "该订单已关闭")
        if any(str(existing["request"].get(f, "")) != str(data.get(f, "")) for f in _ORDER_IDENTITY):
            return _fail(state, "INVALID_REQUEST", "201 商户订单号重复")
        if not state.redis.exists(state.key("pay", "prepay", existing["prepay_id"])):
            existing["prepay_id"] = _new_prepay(state, out_trade_no)
            state.put(ORDER_TTL_S, existing, *_order_key(out_trade_no))
        prepay_id = existing["prepay_id"]
    else:
        now = _now()
        prepay_id = _new_prepay(state, out_trade_no)
        state.put(ORDER_TTL_S, {
            "request": data, "trade_state": "NOTPAY", "prepay_id": prepay_id,
            "time_expire": data.get("time_expire") or (now + timedelta(hours=2)).strftime("%Y%m%d%H%M%S"),
        }, *_order_key(out_trade_no))
    return _answer(state, {"result_code": "SUCCESS", "trade_type": data["trade_type"], "prepay_id": prepay_id})


def _new_prepay(state, out_trade_no: str) -> str:
    prepay_id = "wx" + _now().strftime("%d%H%M%S") + secrets.token_hex(12)
    state.redis.set(state.key("pay", "prepay", prepay_id), out_trade_no, ex=PREPAY_TTL_S)
    return prepay_id


def _paid_fields(order: dict) -> dict:
    req = order["request"]
    return {
        "openid": req.get("openid"), "is_subscribe": "N", "trade_type": req.get("trade_type"),
        "bank_type": "OTHERS", "total_fee": req["total_fee"], "cash_fee": req["total_fee"], "fee_type": "CNY",
        "transaction_id": order["transaction_id"], "out_trade_no": req["out_trade_no"],
        "attach": req.get("attach"), "time_end": order["time_end"],
    }


def _order_request(state):
    """Read a signed request about an existing order: (data, key, order, None) or (…, failure response)."""
    data, failure = _read_request(state)
    if failure:
        return data, None, None, failure
    key = _order_key(data.get("out_trade_no", ""))
    order = state.get(*key)
    if order is None:
        return data, key, None, _fail(state, "ORDERNOTEXIST", "订单不存在")
    return data, key, order, None


@bp.post("/pay/orderquery")
def orderquery():
    state = _state()
    data, _key, order, failure = _order_request(state)
    if failure:
        return failure
    fields = {"result_code": "SUCCESS", "out_trade_no": order["request"]["out_trade_no"],
              "trade_state": order["trade_state"], "trade_state_desc": order["trade_state"]}
    if order["trade_state"] in ("SUCCESS", "REFUND"):
        fields.update(_paid_fields(order))
    return _answer(state, fields)


@bp.post("/pay/closeorder")
def closeorder():
    state = _state()
    _data, key, order, failure = _order_request(state)
    if failure:
        return failure
    if order["trade_state"] in ("SUCCESS", "REFUND"):
        return _fail(state, "ORDERPAID", "订单已支付，不能发起关单")
    order["trade_state"] = "CLOSED"
    state.put(ORDER_TTL_S, order, *key)
    return _answer(state, {"result_code": "SUCCESS"})


@bp.post("/secapi/pay/refund")
def refund():
    state = _state()
    data, key, order, failure = _order_request(state)
    if failure:
        return failure
    if order["trade_state"] not in ("SUCCESS", "REFUND"):
        return _fail(state, "TRADE_STATE_ERROR", "订单状态错误")
    total = int(order["request"]["total_fee"])
    if str(data.get("total_fee")) != str(total):
        return _fail(state, "INVALID_REQUEST", "订单金额或退款金额与之前请求不一致")
    refund_fee = int(data.get("refund_fee") or 0)
    refunds = order.setdefault("refunds", {})
    out_refund_no = data.get("out_refund_no", "")
    if out_refund_no not in refunds:
        if refund_fee < 1 or refund_fee + sum(r["refund_fee"] for r in refunds.values()) > total:
            return _fail(state, "INVALID_REQUEST", "退款金额大于支付金额")
        refunds[out_refund_no] = {"refund_id": "50" + secrets.token_hex(14), "refund_fee": refund_fee}
        order["trade_state"] = "REFUND"
        state.put(ORDER_TTL_S, order, *key)
    done = refunds[out_refund_no]
    return _answer(state, {
        "result_code": "SUCCESS", "transaction_id": order["transaction_id"], "out_trade_no": data["out_trade_no"],
        "out_refund_no": out_refund_no, "refund_id": done["refund_id"], "refund_fee": done["refund_fee"],
        "total_fee": total, "cash_fee": total,
    })


# ---- control functions (tests and the demo play the paying member) ---------------------------------

def _mark_paid(config: dict, out_trade_no: str) -> tuple:
    state = EmulatorState(config)
    key = _order_key(out_trade_no)
    order = state.get(*key)
    if order is None:
        raise LookupError(f"the emulator has no order {out_trade_no}")
    if order["trade_state"] == "NOTPAY":
        order.update(trade_state="SUCCESS", transaction_id="42" + _now().strftime("%Y%m%d") + secrets.token_hex(10),
                     time_end=_now().strftime("%Y%m%d%H%M%S"))
        state.put(ORDER_TTL_S, order, *key)
    elif order["trade_state"] != "SUCCESS":
        raise ValueError(f"order {out_trade_no} is {order['trade_state']}, it cannot be paid")
    return state, order


def payment_notice(config: dict, out_trade_no: str) -> str:
    """The signed payment-notice XML WeChat sends for a paid order."""
    state = EmulatorState(config)
    order = state.get(*_order_key(out_trade_no))
    fields = {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": state.appid, "mch_id": state.mch_id,
              "nonce_str": _nonce(), **_paid_fields(order)}
    return signed_xml(fields, state.api_key)


def pay_order(config: dict, out_trade_no: str, post: bool = False) -> str:
    """The member pays: the order is paid in the emulator; returns the notice XML (POSTed to notify_url if asked)."""
    import requests  # about 5 MB: loaded by the first call, not with the app

    state, order = _mark_paid(config, out_trade_no)
    notice = payment_notice(config, out_trade_no)
    if post:
        requests.post(order["request"]["notify_url"], data=notice.encode(),
                      headers={"Content-Type": "text/xml"}, timeout=10)
    return notice


def lose_notice(config: dict, out_trade_no: str) -> None:
    """The member pays but the notice never arrives: only orderquery can find out."""
    _mark_paid(config, out_trade_no)


def expire_order(config: dict, out_trade_no: str) -> None:
    """Move an unpaid order's time_expire into the past (tests of the closing sweep)."""
    state = EmulatorState(config)
    order = state.get(*_order_key(out_trade_no))
    order["time_expire"] = (_now() - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S")
    state.put(ORDER_TTL_S, order, *_order_key(out_trade_no))


def forget_order(config: dict, out_trade_no: str) -> None:
    """WeChat no longer knows the order (answers ORDERNOTEXIST): tests of a refund that cannot happen."""
    state = EmulatorState(config)
    state.redis.delete(state.key(*_order_key(out_trade_no)))
