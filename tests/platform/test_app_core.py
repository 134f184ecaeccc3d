"""The platform every feature stands on: errors, health, OpenAPI, configuration safety."""
import json
import re
import urllib.request

import pytest

from server.config import UnsafeConfiguration, load_config


def test_unknown_path_is_404_in_the_error_shape(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.get_json() == {"code": "not_found", "message": "找不到该资源"}


def test_healthz_checks_database_and_redis(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_openapi_document_is_served(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    assert resp.get_json()["openapi"].startswith("3.")


def test_openapi_document_describes_every_api_route_even_when_first_read_concurrently(app, live_server):
    """The views are described on the document's first read (DocumentedApi.spec): eight readers racing for the
    first read of a fresh app all get the same, whole document, one path per /api/v1 route."""
    from concurrent.futures import ThreadPoolExecutor

    def read() -> dict:
        with urllib.request.urlopen(f"{live_server}/api/openapi.json") as resp:
            return json.load(resp)

    with ThreadPoolExecutor(8) as pool:
        documents = list(pool.map(lambda _: read(), range(8)))
    assert all(d == documents[0] for d in documents)
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert len(routes) > 80 and routes == {p for p in documents[0]["paths"] if p.startswith("/api/v1/")}
    assert len(documents[0]["tags"]) == len({t["name"] for t in documents[0]["tags"]})


def test_swagger_ui_is_served_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/swagger-ui/" in page.data
    assert client.get("/api/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_production_refuses_dev_defaults_and_names_them(tmp_path):
    with pytest.raises(UnsafeConfiguration) as err:
        load_config(str(tmp_path), {"APP_ENV": "production", "WECHAT_EMULATOR": "1",
                                    "WECHAT_APPID": "wxdev0000000000000"})
    text = str(err.value)
    for name in ("SECRET_KEY", "FIELD_KEY", "WECHAT_EMULATOR=1", "WECHAT_APPID is the development default"):
        assert name in text


def test_production_starts_with_complete_settings(tmp_path):
    import base64

    env = {
        "APP_ENV": "production", "SECRET_KEY": "s" * 40, "FIELD_KEY": base64.b64encode(b"x" * 32).decode(),
        "DATABASE_URL": "postgresql+psycopg://db/party", "REDIS_URL": "redis://cache:6379/0",
        "WECHAT_APPID": "wxreal", "WECHAT_SECRET": "real", "WECHAT_PAY_MCH_ID": "123",
        "WECHAT_PAY_API_KEY": "k" * 32, "PUBLIC_BASE_URL": "https://party.example.gov.cn",
        "WECHAT_REMINDER_TEMPLATE_ID": "Xq3nN7meetingReminder01", "WECHAT_NOTICE_TEMPLATE_ID": "Xq3nN7notice",
        "WECHAT_DUES_REMINDER_TEMPLATE_ID": "Xq3nN7dues", "WECHAT_REPORT_REMINDER_TEMPLATE_ID": "Xq3nN7report",
        "WECHAT_REGISTRATION_TEMPLATE_ID": "Xq3nN7registration",
    }
    config = load_config(str(tmp_path), env)
    assert config["WECHAT_EMULATOR"] is False
    assert not (tmp_path / "secret_key").exists()
