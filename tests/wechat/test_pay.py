"""WeChat Pay through the gateway: ORDERNOTEXIST is OrderNotFound, every amount is int fen both ways."""
from datetime import timedelta

import pytest

from server.common.timeutil import utcnow
from server.wechat import gateway
from server.wechat.emulator import pay as emu_pay


def _order(no="DFPAY0001", fee=1500):
    return gateway.unified_order(out_trade_no=no, body="党费-2026-11", total_fee=fee, openid="o-payer",
                                 client_ip="127.0.0.1", expires_at=utcnow() + timedelta(hours=2))


def test_an_order_wechat_never_saw_is_order_not_found_on_query_close_and_refund(ctx):
    with pytest.raises(gateway.OrderNotFound) as err:
        gateway.query_order("DF-NEVER-SEEN")
    assert err.value.code == "ORDERNOTEXIST" and err.value.out_trade_no == "DF-NEVER-SEEN"
    with pytest.raises(gateway.OrderNotFound):
        gateway.close_order("DF-NEVER-SEEN")
    with pytest.raises(gateway.OrderNotFound):
        gateway.refund(out_trade_no="DF-NEVER-SEEN", out_refund_no="DF-NEVER-SEENR", total_fee=1500,
                       refund_fee=1500, reason="测试")
    assert isinstance(err.value, gateway.WechatRejected)  # a refusal, never "try again"


def test_other_refusals_carry_wechats_err_code(ctx):
    _order()
    with pytest.raises(gateway.WechatRejected) as err:
        _order(fee=1)  # the same out_trade_no with another amount
    assert err.value.code == "INVALID_REQUEST" and not isinstance(err.value, gateway.OrderNotFound)
    with pytest.raises(gateway.WechatRejected) as err:
        gateway.refund(out_trade_no="DFPAY0001", out_refund_no="DFPAY0001R", total_fee=1500, refund_fee=1500,
                       reason="未支付")
    assert err.value.code == "TRADE_STATE_ERROR"


def test_amounts_read_from_wechat_are_int_fen(ctx):
    _order(no="DFPAY0002", fee=2345)
    unpaid = gateway.query_order("DFPAY0002")
    assert unpaid.trade_state == "NOTPAY" and unpaid.total_fee is None and unpaid.paid_at is None
    xml = emu_pay.pay_order(ctx.config, "DFPAY0002")
    notice = gateway.parse_payment_notice(xml)
    assert type(notice.total_fee) is int and notice.total_fee == 2345
    assert type(notice.cash_fee) is int and notice.cash_fee == 2345
    assert notice.out_trade_no == "DFPAY0002" and notice.transaction_id and notice.paid_at <= utcnow()
    paid = gateway.query_order("DFPAY0002")
    assert paid.trade_state == "SUCCESS" and type(paid.total_fee) is int and paid.total_fee == 2345
    assert paid.transaction_id == notice.transaction_id and paid.paid_at == notice.paid_at
    refund = gateway.refund(out_trade_no="DFPAY0002", out_refund_no="DFPAY0002R", total_fee=2345, refund_fee=2345,
                            reason="测试")
    assert (type(refund.refund_fee), refund.refund_fee, refund.total_fee) == (int, 2345, 2345)
    again = gateway.refund(out_trade_no="DFPAY0002", out_refund_no="DFPAY0002R", total_fee=2345, refund_fee=2345,
                           reason="测试")
    assert again.refund_id == refund.refund_id
    assert gateway.query_order("DFPAY0002").trade_state == "REFUND"


@pytest.mark.parametrize("fee", [15.0, "1500", True, 0, -1, None])
def test_amounts_given_must_be_positive_int_fen_before_anything_is_sent(ctx, fee):
    with pytest.raises((TypeError, ValueError)):
        _order(no="DFPAY0003", fee=fee)
    with pytest.raises((TypeError, ValueError)):
        gateway.refund(out_trade_no="DFPAY0003", out_refund_no="DFPAY0003R", total_fee=1500, refund_fee=fee,
                       reason="测试")
    with pytest.raises(gateway.OrderNotFound):
        gateway.query_order("DFPAY0003")  # nothing reached WeChat


def test_a_signed_notice_whose_amount_is_not_whole_fen_is_invalid(ctx):
    fields = {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": ctx.config["WECHAT_APPID"],
              "mch_id": ctx.config["WECHAT_PAY_MCH_ID"], "out_trade_no": "DFPAY0004", "transaction_id": "42x",
              "nonce_str": "n", "time_end": "20261101120000", "total_fee": "15.00", "cash_fee": "1500"}
    with pytest.raises(gateway.InvalidNotice):
        gateway.parse_payment_notice(emu_pay.signed_xml(fields, ctx.config["WECHAT_PAY_API_KEY"]))
    good = emu_pay.signed_xml({**fields, "total_fee": "1500"}, ctx.config["WECHAT_PAY_API_KEY"])
    assert gateway.parse_payment_notice(good).total_fee == 1500
    with pytest.raises(gateway.InvalidNotice):
        gateway.parse_payment_notice(good.replace("1500", "1499", 1))


def _notice_fields(ctx, **changes):
    return {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": ctx.config["WECHAT_APPID"],
            "mch_id": ctx.config["WECHAT_PAY_MCH_ID"], "out_trade_no": "DFPAY0005", "transaction_id": "42y",
            "nonce_str": "n", "time_end": "20261101120000", "total_fee": "1500", "cash_fee": "1500", **changes}


def test_a_notice_is_read_as_wechat_sends_it(ctx):
    key = ctx.config["WECHAT_PAY_API_KEY"]
    notice = gateway.parse_payment_notice(emu_pay.signed_xml(_notice_fields(ctx, bank_type=""), key))
    assert (notice.out_trade_no, notice.total_fee, notice.cash_fee) == ("DFPAY0005", 1500, 1500)
    assert notice.paid_at.isoformat() == "2026-11-01T04:00:00+00:00"  # 12:00 in Beijing


@pytest.mark.parametrize("changes", [
    {"total_fee": "１５００"},  # full-width digits: int() would take them, WeChat never sends them
    {"total_fee": "1٥00"},
    {"cash_fee": "²"},
    {"time_end": "2026110112000"},
    {"time_end": "20261301120000"},
    {"time_end": "2026-11-01 12:0"},
])
def test_a_signed_notice_with_a_malformed_amount_or_time_is_invalid(ctx, changes):
    xml = emu_pay.signed_xml(_notice_fields(ctx, **changes), ctx.config["WECHAT_PAY_API_KEY"])
    with pytest.raises(gateway.InvalidNotice):
        gateway.parse_payment_notice(xml)


def test_a_signed_notice_of_another_shape_is_invalid(ctx):
    good = emu_pay.signed_xml(_notice_fields(ctx), ctx.config["WECHAT_PAY_API_KEY"])
    assert gateway.parse_payment_notice(good).total_fee == 1500
    for bad in (good.replace("<total_fee>", "<total_fee>9</total_fee><total_fee>", 1),  # a field twice
                good.replace("<total_fee>", '<total_fee currency="USD">', 1),  # attributes
                good.replace("<xml>", '<xml id="1">', 1),
                good.replace("<xml>", "<notice>", 1).replace("</xml>", "</notice>"),
                good.replace("<nonce_str>", "<nonce_str><b/>", 1),  # a field holding an element
                good.replace("</xml>", ""),  # not well-formed
                good.replace("<sign>", "<signature>", 1).replace("</sign>", "</signature>", 1)):  # unsigned
        with pytest.raises(gateway.InvalidNotice):
            gateway.parse_payment_notice(bad)


def test_the_notice_reply_stops_or_asks_for_retries(ctx):
    assert "SUCCESS" in gateway.notice_reply(True) and "FAIL" in gateway.notice_reply(False, "签名错误")
