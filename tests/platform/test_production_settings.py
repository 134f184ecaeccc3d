"""CONTRACT §1 Configuration: production refuses each unsafe setting and says which."""
from __future__ import annotations

import base64

import pytest

from server import create_app
from server.config import (
    DEV_PAY_API_KEY,
    DEV_PAY_MCH_ID,
    DEV_WECHAT_APPID,
    DEV_WECHAT_SECRET,
    TEMPLATE_SETTINGS,
    UnsafeConfiguration,
    load_config,
)

SAFE = {
    "APP_ENV": "production", "SECRET_KEY": "s" * 48, "FIELD_KEY": base64.b64encode(b"f" * 32).decode(),
    "DATABASE_URL": "postgresql+psycopg://party@db/party", "REDIS_URL": "redis://cache:6379/0",
    "WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "real-wechat-secret-0123456789abcdef",
    "WECHAT_PAY_MCH_ID": "1600000001", "WECHAT_PAY_API_KEY": "p" * 32,
    "PUBLIC_BASE_URL": "https://party.example.gov.cn", "WECHAT_REMINDER_TEMPLATE_ID": "Xq3nN7meetingReminder01",
    "WECHAT_NOTICE_TEMPLATE_ID": "Xq3nN7newNotice0000001", "WECHAT_DUES_REMINDER_TEMPLATE_ID": "Xq3nN7duesReminder0001",
    "WECHAT_REPORT_REMINDER_TEMPLATE_ID": "Xq3nN7reportReminder01",
    "WECHAT_REGISTRATION_TEMPLATE_ID": "Xq3nN7registration0001",
}
TEMPLATES = ["WECHAT_REMINDER_TEMPLATE_ID", "WECHAT_NOTICE_TEMPLATE_ID", "WECHAT_DUES_REMINDER_TEMPLATE_ID",
             "WECHAT_REPORT_REMINDER_TEMPLATE_ID", "WECHAT_REGISTRATION_TEMPLATE_ID"]


def _refusal(tmp_path, **changes) -> str:
    env = {**SAFE, **changes}
    env = {k: v for k, v in env.items() if v is not None}
    with pytest.raises(UnsafeConfiguration) as err:
        load_config(str(tmp_path), env)
    return str(err.value)


def test_every_template_the_service_sends_is_checked():
    assert sorted(TEMPLATE_SETTINGS) == sorted(TEMPLATES)


def test_production_starts_with_every_setting_safe(tmp_path):
    config = load_config(str(tmp_path), SAFE)
    assert config["WECHAT_EMULATOR"] is False
    assert config["WECHAT_PAY_NOTIFY_URL"] == "https://party.example.gov.cn/api/v1/pay/wechat/notify"


@pytest.mark.parametrize("name", ["SECRET_KEY", "FIELD_KEY", "DATABASE_URL", "REDIS_URL", "WECHAT_APPID",
                                  "WECHAT_SECRET", "WECHAT_PAY_MCH_ID", "WECHAT_PAY_API_KEY", *TEMPLATES])
def test_production_refuses_a_missing_secret_and_names_it(tmp_path, name):
    for missing in (None, ""):
        assert f"{name} is not set" in _refusal(tmp_path, **{name: missing})
    assert not (tmp_path / name.lower()).exists()  # no development secret is generated in production


@pytest.mark.parametrize(("name", "dev_value"), [("WECHAT_APPID", DEV_WECHAT_APPID), ("WECHAT_SECRET", DEV_WECHAT_SECRET),
                                                 ("WECHAT_PAY_MCH_ID", DEV_PAY_MCH_ID),
                                                 ("WECHAT_PAY_API_KEY", DEV_PAY_API_KEY),
                                                 *((name, TEMPLATE_SETTINGS[name]) for name in TEMPLATES)])
def test_production_refuses_a_dev_default_and_names_it(tmp_path, name, dev_value):
    text = _refusal(tmp_path, **{name: dev_value})
    assert f"{name} is the development default" in text
    assert dev_value not in text  # it names the setting, never prints a secret


def test_production_refuses_the_emulator_and_names_it(tmp_path):
    assert "WECHAT_EMULATOR=1" in _refusal(tmp_path, WECHAT_EMULATOR="1")


@pytest.mark.parametrize(("changes", "named"), [
    ({"REDIS_URL": "memory://"}, "REDIS_URL=memory://"),
    ({"DATABASE_URL": "sqlite:///instance/party.db"}, "DATABASE_URL must not be SQLite"),
    ({"FIELD_KEY": base64.b64encode(b"short").decode()}, "FIELD_KEY must be base64 of 32 bytes"),
    ({"FIELD_KEY": "not base64 at all!"}, "FIELD_KEY must be base64 of 32 bytes"),
    ({"PUBLIC_BASE_URL": None}, "WECHAT_PAY_NOTIFY_URL"),
    ({"WECHAT_PAY_NOTIFY_URL": "http://127.0.0.1:5000/api/v1/pay/wechat/notify"}, "WECHAT_PAY_NOTIFY_URL"),
    ({"WECHAT_PAY_NOTIFY_URL": "http://localhost/api/v1/pay/wechat/notify"}, "WECHAT_PAY_NOTIFY_URL"),
])
def test_production_refuses_a_dev_only_setting_and_names_it(tmp_path, changes, named):
    assert named in _refusal(tmp_path, **changes)


def test_production_lists_every_problem_at_once(tmp_path):
    text = _refusal(tmp_path, SECRET_KEY=None, WECHAT_SECRET=DEV_WECHAT_SECRET, WECHAT_EMULATOR="1")
    for named in ("SECRET_KEY", "WECHAT_SECRET", "WECHAT_EMULATOR=1"):
        assert named in text


def test_create_app_itself_refuses_unsafe_production(monkeypatch):
    for name, value in {**SAFE, "SECRET_KEY": ""}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app()
