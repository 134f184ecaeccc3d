"""wechatpy, pointed at the loopback emulator, does the real HTTP work."""
import pytest

from server.wechat import emulator
from server.wechat.gateway import WeChatClientException, get_client


def test_code2session_through_wechatpy_and_a_code_works_once(ctx):
    code = emulator.issue_login_code(ctx.config, openid="o-test-1")
    session = get_client().wxa.code_to_session(code)
    assert session["openid"] == "o-test-1"
    assert session["session_key"]
    with pytest.raises(WeChatClientException) as err:
        get_client().wxa.code_to_session(code)
    assert err.value.errcode == 40029


def test_access_token_is_shared_through_redis(ctx):
    first = get_client().access_token
    assert get_client().access_token == first
