"""Acting as a demo member against a running server: the emulator's development controls and the token command."""
import requests

from server import create_app
from tests.callers import assert_error_shape
from tests.conftest import _test_config
from tests.factories import bearer, make_member, make_paying_member, member_token


def _login(client, openid):
    code = client.post("/api/v1/dev/login-code", json={"openid": openid})
    assert code.status_code == 200, code.get_json()
    assert code.get_json()["expires_in"] == 300
    return client.post("/api/v1/auth/login", json={"code": code.get_json()["code"]})


def test_a_minted_code_logs_in_as_that_openid_once(client, ctx):
    member = make_member()
    member_token(member, openid="demo-openid-x")  # the account the seed would have bound
    code = client.post("/api/v1/dev/login-code", json={"openid": "demo-openid-x"}).get_json()["code"]
    login = client.post("/api/v1/auth/login", json={"code": code})
    assert login.status_code == 200 and login.get_json()["bound"] is True
    me = client.get("/api/v1/me", headers=bearer(login.get_json()["token"]))
    assert me.get_json()["member"]["id"] == member.id
    assert_error_shape(client.post("/api/v1/auth/login", json={"code": code}), 401, "wechat_code_invalid")


def test_bad_openids_are_refused_in_the_error_shape(client):
    assert_error_shape(client.post("/api/v1/dev/login-code", json={"openid": ""}), 422, "validation_error")
    assert_error_shape(client.post("/api/v1/dev/login-code", json={"openid": "a\x00b"}), 422, "validation_error")
    assert_error_shape(client.post("/api/v1/dev/login-code", json={}), 422, "validation_error")


def test_paying_through_the_control_settles_the_order_over_the_real_notice(app, client, ctx, live_server):
    app.config["WECHAT_PAY_NOTIFY_URL"] = f"{live_server}/api/v1/pay/wechat/notify"
    member = make_paying_member(joined_months_ago=1)
    member_token(member, openid="demo-openid-payer")
    token = _login(client, "demo-openid-payer").get_json()["token"]
    months = client.get("/api/v1/me/dues", headers=bearer(token)).get_json()
    owed = [line["month"] for line in months["owed"]][:1]
    order = client.post("/api/v1/dues/orders", json={"months": owed}, headers=bearer(token))
    assert order.status_code == 201, order.get_json()
    order_no = order.get_json()["order_no"]
    paid = requests.post(f"{live_server}/api/v1/dev/orders/{order_no}/pay", timeout=20)
    assert paid.status_code == 200 and paid.json() == {"order_no": order_no, "notified": True}
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(token)).get_json()["status"] == "paid"
    assert_error_shape(client.post("/api/v1/dev/orders/DF000/pay"), 404, "order_not_found")


def test_the_token_command_prints_a_working_member_token(app, client, ctx, runner, live_server):
    member = make_member()
    member_token(member, openid="demo-openid-cli")
    result = runner.invoke(args=["demo", "member-token", "--openid", "demo-openid-cli", "--url", live_server])
    assert result.exit_code == 0, result.output
    me = client.get("/api/v1/me", headers=bearer(result.output.strip()))
    assert me.status_code == 200 and me.get_json()["member"]["id"] == member.id


def test_without_the_emulator_the_controls_do_not_exist(_schema):
    app = create_app({**_test_config(), "WECHAT_EMULATOR": False})
    client = app.test_client()
    assert_error_shape(client.post("/api/v1/dev/login-code", json={"openid": "x"}), 404, "not_found")
    assert "/api/v1/dev/login-code" not in client.get("/api/openapi.json").get_json()["paths"]
    result = app.test_cli_runner().invoke(args=["demo", "member-token"])
    assert result.exit_code != 0 and "WECHAT_EMULATOR=1" in result.output


def test_the_api_docs_page_explains_how_to_act_as_a_demo_member(client):
    description = client.get("/api/openapi.json").get_json()["info"]["description"]
    for step in ("demo member-token", "POST /api/v1/dev/login-code", "POST /api/v1/auth/login", "Authorize",
                 "POST /api/v1/dev/orders/{order_no}/pay"):
        assert step in description
    assert '"persistAuthorization": true' in client.get("/api/docs").get_data(as_text=True)


def test_the_token_command_says_in_one_line_when_no_service_runs(runner):
    result = runner.invoke(args=["demo", "member-token", "--url", "http://127.0.0.1:9"])
    assert result.exit_code != 0
    assert "连不上正在运行的服务" in result.output and "Traceback" not in result.output
