"""The WeChat Pay v2 emulator speaks the real wire format, reached through wechatpy by the gateway."""
from datetime import timedelta

import pytest
import requests
import xmltodict
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from server.common.timeutil import utcnow
from server.wechat import gateway
from server.wechat.emulator import pay as emu_pay
from server.wechat.pay import pay_api_base


def _order(no="DFTEST0001", fee=1500, openid="o-payer"):
    return gateway.unified_order(out_trade_no=no, body="党费-2026-11", total_fee=fee, openid=openid,
                                 client_ip="127.0.0.1", expires_at=utcnow() + timedelta(hours=2))


def test_unified_order_query_close_and_refund(ctx):
    prepay = _order()
    assert prepay.startswith("wx")
    assert _order() == prepay  # the same parameters again: the same prepay_id
    with pytest.raises(gateway.WechatRejected) as err:
        _order(fee=1)
    assert err.value.code == "INVALID_REQUEST"
    assert gateway.query_order("DFTEST0001").trade_state == "NOTPAY"
    with pytest.raises(gateway.OrderNotFound):
        gateway.query_order("DF-UNKNOWN")
    emu_pay.lose_notice(ctx.config, "DFTEST0001")
    paid = gateway.query_order("DFTEST0001")
    assert paid.trade_state == "SUCCESS" and paid.total_fee == 1500 and paid.transaction_id
    with pytest.raises(gateway.WechatRejected) as err:
        _order()
    assert err.value.code == "ORDERPAID"
    assert gateway.close_order("DFTEST0001") == "paid"
    first = gateway.refund(out_trade_no="DFTEST0001", out_refund_no="DFTEST0001R", total_fee=1500, refund_fee=1500,
                           reason="测试")
    again = gateway.refund(out_trade_no="DFTEST0001", out_refund_no="DFTEST0001R", total_fee=1500, refund_fee=1500,
                           reason="测试")
    assert first.refund_id == again.refund_id
    assert gateway.query_order("DFTEST0001").trade_state == "REFUND"
    _order(no="DFTEST0002")
    assert gateway.close_order("DFTEST0002") == "closed"
    assert gateway.query_order("DFTEST0002").trade_state == "CLOSED"
    with pytest.raises(gateway.OrderNotFound):
        gateway.close_order("DF-UNKNOWN")


def test_requests_with_a_wrong_signature_or_merchant_are_refused(ctx):
    base = pay_api_base()
    fields = {"appid": ctx.config["WECHAT_APPID"], "mch_id": ctx.config["WECHAT_PAY_MCH_ID"],
              "out_trade_no": "X1", "nonce_str": "n"}
    forged = dict_to_xml(fields, "0" * 32)
    answer = xmltodict.parse(requests.post(base + "pay/orderquery", data=forged.encode(), timeout=5).text)["xml"]
    assert answer["return_code"] == "FAIL" and answer["return_msg"] == "签名错误"
    other = {**fields, "mch_id": "1111111111"}
    signed = dict_to_xml(other, calculate_signature(other, ctx.config["WECHAT_PAY_API_KEY"]))
    answer = xmltodict.parse(requests.post(base + "pay/orderquery", data=signed.encode(), timeout=5).text)["xml"]
    assert answer["return_code"] == "FAIL"


def test_the_payment_notice_is_signed_and_carries_the_wire_fields(ctx):
    _order(no="DFTEST0003")
    xml = emu_pay.pay_order(ctx.config, "DFTEST0003")
    wire = xmltodict.parse(xml)["xml"]
    for field in ("appid", "mch_id", "openid", "out_trade_no", "transaction_id", "total_fee", "cash_fee",
                  "result_code", "return_code", "time_end", "nonce_str", "sign"):
        assert field in wire, field
    notice = gateway.parse_payment_notice(xml)
    assert (notice.appid, notice.mch_id) == (ctx.config["WECHAT_APPID"], ctx.config["WECHAT_PAY_MCH_ID"])
    assert notice.total_fee == 1500 and len(wire["time_end"]) == 14
    assert notice.paid_at <= utcnow()
    with pytest.raises(gateway.InvalidNotice):
        gateway.parse_payment_notice(xml.replace("1500", "1499"))
