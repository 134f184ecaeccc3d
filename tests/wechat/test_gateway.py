"""The gateway reaches the loopback emulator through wechatpy and answers only with its own types and errors."""
from datetime import timedelta

import pytest

from server.common.timeutil import utcnow
from server.wechat import emulator, gateway
from server.wechat.miniapp import get_client


def test_code2session_gives_openid_and_unionid_and_never_the_session_key(ctx):
    code = emulator.issue_login_code(ctx.config, openid="o-test-1", unionid="u-test-1")
    session = gateway.code_to_session(code)
    assert (session.openid, session.unionid) == ("o-test-1", "u-test-1")
    assert not hasattr(session, "session_key") and "session_key" not in repr(session)


def test_a_used_login_code_is_rejected_with_wechats_errcode(ctx):
    code = emulator.issue_login_code(ctx.config, openid="o-test-2")
    gateway.code_to_session(code)
    with pytest.raises(gateway.WechatRejected) as err:
        gateway.code_to_session(code)
    assert err.value.code == 40029


def test_phone_number_carries_the_watermark_appid(ctx):
    code = emulator.issue_phone_code(ctx.config, "13812345678")
    phone = gateway.phone_number(code)
    assert phone.pure_phone_number == "13812345678" and phone.appid == ctx.config["WECHAT_APPID"]
    with pytest.raises(gateway.WechatRejected):
        gateway.phone_number(code)  # single use


def test_mini_program_code_errors_are_rejections(ctx):
    assert gateway.wxa_code_png("1.abc", "pages/checkin/checkin").startswith(b"\x89PNG")
    with pytest.raises(gateway.WechatRejected) as err:
        gateway.wxa_code_png("x" * 33, "pages/checkin/checkin")
    assert err.value.code == 40169
    with pytest.raises(gateway.WechatRejected) as err:
        gateway.wxa_code_png("1.abc", "pages/nowhere/nowhere")
    assert err.value.code == 41030


def test_a_subscribe_message_without_a_grant_is_rejected_with_43101(ctx):
    with pytest.raises(gateway.WechatRejected) as err:
        gateway.send_subscribe_message("o-no-grant", ctx.config["WECHAT_REMINDER_TEMPLATE_ID"], {"thing1": {"value": "x"}})
    assert err.value.code == 43101
    gateway.note_subscription_grant("o-granted", ctx.config["WECHAT_REMINDER_TEMPLATE_ID"])
    gateway.send_subscribe_message("o-granted", ctx.config["WECHAT_REMINDER_TEMPLATE_ID"], {"thing1": {"value": "x"}})


def test_access_token_is_shared_through_redis(ctx):
    first = get_client().access_token
    assert get_client().access_token == first


def test_every_call_is_wechat_unavailable_when_wechat_is_down(ctx, wechat_down):
    calls = [
        lambda: gateway.code_to_session("any-code"),
        lambda: gateway.phone_number("any-code"),
        lambda: gateway.wxa_code_png("1.abc", "pages/checkin/checkin"),
        lambda: gateway.send_subscribe_message("o-x", "tmpl", {}),
        lambda: gateway.unified_order(out_trade_no="DFDOWN1", body="党费", total_fee=1500, openid="o-x",
                                      client_ip="127.0.0.1", expires_at=utcnow() + timedelta(hours=2)),
        lambda: gateway.query_order("DFDOWN1"),
        lambda: gateway.close_order("DFDOWN1"),
        lambda: gateway.refund(out_trade_no="DFDOWN1", out_refund_no="DFDOWN1R", total_fee=1500, refund_fee=1500,
                               reason="测试"),
    ]
    for call in calls:
        with pytest.raises(gateway.WechatUnavailable):
            call()
