"""Configuration from the environment (CONTRACT §1), with embedded defaults for a bare laptop."""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

DEV_WECHAT_APPID = "wxdev0000000000000"
DEV_WECHAT_SECRET = "dev-wechat-secret-not-for-production"
DEV_PAY_MCH_ID = "1900000109"
DEV_PAY_API_KEY = "devpayapikey0000000000000000000"
# The meeting-reminder subscribe-message template; the mini-program's src/config.js asks members for the same id.
DEV_REMINDER_TEMPLATE_ID = "meeting-reminder-dev"
# The new-notice subscribe-message template (keys thing1 title, thing2 publisher, time3 published at);
# the mini-program's src/config.js `noticeTemplate` asks for the same id.
DEV_NOTICE_TEMPLATE_ID = "notice-dev"
# Dues reminders (dues falling due, arrears reaching 3 and 6 months; keys thing1 matter, amount2 amount owed,
# thing3 note) and report-in reminders (keys thing1 matter, date2 due by, thing3 note); the mini-program's
# src/config.js `duesReminderTemplate` / `reportReminderTemplate` ask for the same ids.
DEV_DUES_REMINDER_TEMPLATE_ID = "dues-reminder-dev"
DEV_REPORT_REMINDER_TEMPLATE_ID = "report-reminder-dev"
# The registration-result template (keys phrase1 outcome, thing2 note, time3 decided at); the mini-program's
# src/config.js `registrationResultTemplate` asks for the same id.
DEV_REGISTRATION_TEMPLATE_ID = "registration-result-dev"

# Every subscribe-message template the service sends (meeting reminder, new notice, dues and report-in reminders,
# registration result): production must set each one, never to its development default (there is no certificate
# template: certificates send no message).
TEMPLATE_SETTINGS = {
    "WECHAT_REMINDER_TEMPLATE_ID": DEV_REMINDER_TEMPLATE_ID,
    "WECHAT_NOTICE_TEMPLATE_ID": DEV_NOTICE_TEMPLATE_ID,
    "WECHAT_DUES_REMINDER_TEMPLATE_ID": DEV_DUES_REMINDER_TEMPLATE_ID,
    "WECHAT_REPORT_REMINDER_TEMPLATE_ID": DEV_REPORT_REMINDER_TEMPLATE_ID,
    "WECHAT_REGISTRATION_TEMPLATE_ID": DEV_REGISTRATION_TEMPLATE_ID,
}

_DEV_DEFAULTS = {
    "WECHAT_APPID": DEV_WECHAT_APPID,
    "WECHAT_SECRET": DEV_WECHAT_SECRET,
    "WECHAT_PAY_MCH_ID": DEV_PAY_MCH_ID,
    "WECHAT_PAY_API_KEY": DEV_PAY_API_KEY,
    **TEMPLATE_SETTINGS,
}


# PIPL and 等保 reviews ask for at least six months of audit trail: the retention may grow, never shrink below this.
AUDIT_RETENTION_MIN_DAYS = 180


class UnsafeConfiguration(RuntimeError):
    """Raised when production would start with a missing secret or a development default."""


class InvalidConfiguration(RuntimeError):
    """Raised at start-up when a setting has a value the service must not run with (in any environment)."""


def _instance_secret(instance_path: Path, name: str, make) -> str:
    """Read a development secret from instance/, generating it once."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def _engine_options(database_url: str) -> dict:
    """Pool settings; an unreachable PostgreSQL host fails a request in seconds (503), not after the OS timeout."""
    options = {"pool_pre_ping": False, "pool_recycle": 1800}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 5}
    return options


def load_config(instance_path: str, env: dict[str, str] | None = None) -> dict:
    """Build the Flask config dict from environment variables."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    app_env = env.get("APP_ENV", "development")
    production = app_env == "production"

    def dev_secret(name, make):
        return None if production else _instance_secret(instance, name.lower(), make)

    secret_key = env.get("SECRET_KEY") or dev_secret("SECRET_KEY", lambda: secrets.token_urlsafe(48))
    field_key = env.get("FIELD_KEY") or dev_secret(
        "FIELD_KEY", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )
    emulator = env.get("WECHAT_EMULATOR", "0" if production else "1") == "1"
    public_base = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'party.db'}"

    config = {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "FIELD_KEY": field_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No ping per checkout; connections are replaced after 30 minutes, and a dropped one is retried once
        # (server/dbsession.py).
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": env.get("REDIS_URL", "memory://"),
        "WECHAT_APPID": env.get("WECHAT_APPID", None if production else DEV_WECHAT_APPID),
        "WECHAT_SECRET": env.get("WECHAT_SECRET", None if production else DEV_WECHAT_SECRET),
        "WECHAT_API_BASE": env.get("WECHAT_API_BASE", "https://api.weixin.qq.com/"),
        "WECHAT_PAY_MCH_ID": env.get("WECHAT_PAY_MCH_ID", None if production else DEV_PAY_MCH_ID),
        "WECHAT_PAY_API_KEY": env.get("WECHAT_PAY_API_KEY", None if production else DEV_PAY_API_KEY),
        "WECHAT_PAY_API_BASE": env.get("WECHAT_PAY_API_BASE", "https://api.mch.weixin.qq.com/"),
        "WECHAT_PAY_NOTIFY_URL": env.get(
            "WECHAT_PAY_NOTIFY_URL", f"{public_base}/api/v1/pay/wechat/notify"
        ),
        # The subscribe-message templates (TEMPLATE_SETTINGS); the registration result opens
        # pages/registration/registration.
        **{name: env.get(name, dev_value) for name, dev_value in TEMPLATE_SETTINGS.items()},
        "WECHAT_EMULATOR": emulator,
        "PUBLIC_BASE_URL": public_base,
        # The county of a one-county deployment, created with the first county admin or roster import.
        "COUNTY_NAME": env.get("COUNTY_NAME", "本县"),
        # Webhooks to loopback/private addresses: allowed in development (a township server on the LAN of a
        # test bench), refused in production unless set explicitly.
        "SYNC_WEBHOOK_ALLOW_PRIVATE": env.get("SYNC_WEBHOOK_ALLOW_PRIVATE", "0" if production else "1") == "1",
        "TRUSTED_PROXIES": [p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip()],
        # Meetings and check-ins (overridable in the app config or test_config).
        "CHECKIN_GRACE_BEFORE_MIN": 30,     # check-in opens this long before the start
        "CHECKIN_GRACE_AFTER_MIN": 30,      # and closes this long after the end
        "CHECKIN_LATE_TOLERANCE_MIN": 5,    # arriving within this of the start is not late
        "CHECKIN_MAX_ACCURACY_M": 500,      # a fix less precise than this cannot prove presence
        "CHECKIN_RATE_MAX": 30,             # attempts per member per window
        "CHECKIN_RATE_WINDOW_S": 60,
        "REMINDER_LEAD_HOURS": 24,          # remind members this long before a meeting
        "SUBSCRIPTION_MAX_GRANTS": 50,      # grants a member may bank per template
        # Dues and report-in reminders (server/dues/reminders.py), Beijing time: the month's dues are "falling
        # due" on days 1..DUES_REMINDER_DUE_DAYS; the report-in reminder goes from REPORT_REMINDER_FROM_DAY on;
        # messages go out only between REMINDER_SEND_HOURS (start inclusive, end exclusive); after one dues or
        # report-in reminder a member gets no other for REMINDER_QUIET_HOURS.
        "DUES_REMINDER_DUE_DAYS": 10,
        "REPORT_REMINDER_FROM_DAY": 15,
        "REMINDER_SEND_HOURS": (9, 20),
        "REMINDER_QUIET_HOURS": 24,
        # Registrations (CONTRACT §10): submissions per WeChat account and per client address per hour.
        "REGISTRATIONS_PER_ACCOUNT": (5, 3600),
        "REGISTRATIONS_PER_ADDRESS": (20, 3600),
        # Transfers (CONTRACT §13): how far back or ahead an effective date may lie.
        "TRANSFER_EFFECTIVE_PAST_DAYS": 366,
        "TRANSFER_EFFECTIVE_FUTURE_DAYS": 92,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Meeting minutes (server/minutes): photos per record, bytes per photo (a photo upload may exceed
        # MAX_CONTENT_LENGTH by this much), a pixel cap against decompression bombs, the phone copy's longest side.
        "MINUTES_PHOTO_MAX_COUNT": 9,
        "MINUTES_PHOTO_MAX_BYTES": 5 * 1024 * 1024,
        "MINUTES_PHOTO_MAX_PIXELS": 40_000_000,
        "MINUTES_PHONE_LONG_SIDE": 1280,
        # Where photos are kept (server/minutes/storage.py): "local" (files under MINUTES_LOCAL_DIR, by default
        # instance/minutes-photos) or "s3" (any S3-compatible store: AWS S3, MinIO, 阿里云 OSS, 腾讯云 COS). The
        # endpoint is optional for AWS; keys live under MINUTES_S3_PREFIX; "path" addressing for MinIO, "virtual"
        # (bucket in the host name) for OSS and COS.
        "MINUTES_STORAGE": env.get("MINUTES_STORAGE", "local"),
        "MINUTES_LOCAL_DIR": env.get("MINUTES_LOCAL_DIR") or str(instance / "minutes-photos"),
        "MINUTES_S3_ENDPOINT_URL": env.get("MINUTES_S3_ENDPOINT_URL") or None,
        "MINUTES_S3_BUCKET": env.get("MINUTES_S3_BUCKET") or None,
        "MINUTES_S3_REGION": env.get("MINUTES_S3_REGION") or None,
        "MINUTES_S3_ACCESS_KEY_ID": env.get("MINUTES_S3_ACCESS_KEY_ID") or None,
        "MINUTES_S3_SECRET_ACCESS_KEY": env.get("MINUTES_S3_SECRET_ACCESS_KEY") or None,
        "MINUTES_S3_PREFIX": env.get("MINUTES_S3_PREFIX", ""),
        "MINUTES_S3_ADDRESSING_STYLE": env.get("MINUTES_S3_ADDRESSING_STYLE", "virtual"),
        # A store that does not answer within these many seconds is "down" (503), after this many attempts.
        "MINUTES_S3_TIMEOUT_S": 5.0,
        "MINUTES_S3_MAX_ATTEMPTS": 2,
        # Sync: a pull sequences the outbox at most once per this many ms across all processes.
        "SYNC_SEQUENCE_DEBOUNCE_MS": 200,
        # Sync pushes: changes per batch, the receiver's time to answer, retries with growing backoff,
        # and the batches one job delivers before it hands over to a fresh job (keeps the lock short).
        "SYNC_PUSH_BATCH": 500,
        "SYNC_PUSH_TIMEOUT_S": 10.0,
        "SYNC_PUSH_MAX_ATTEMPTS": 8,
        "SYNC_PUSH_BACKOFF_S": 5.0,
        "SYNC_PUSH_BACKOFF_MAX_S": 900.0,
        "SYNC_PUSH_BATCHES_PER_RUN": 20,
        # The delivery lease: a crashed worker's key is free again after at most this long.
        "SYNC_PUSH_LEASE_S": 30.0,
        # The audit trail (CONTRACT §14): rows older than this many days are moved to audit_archive by
        # `flask audit archive`, never deleted; at least AUDIT_RETENTION_MIN_DAYS (checked at start-up).
        "AUDIT_RETENTION_DAYS": env.get("AUDIT_RETENTION_DAYS", "180"),
        # One xlsx export holds at most this many entries; a wider filter is refused (docs/limits.md).
        "AUDIT_EXPORT_MAX_ROWS": 10000,
        # The county dashboard's member aggregates are shared between loads for this many seconds (0: off).
        "DASHBOARD_MEMBER_CACHE_S": 60,
        # The county and township views as answered are kept at most this long; any change the roll-up applies
        # or any lost-contact flag change makes the next read compute them afresh (server/dashboard/viewcache.py;
        # 0: off).
        "DASHBOARD_VIEW_CACHE_S": 300,
        "JSON_AS_ASCII": False,
        # flask-smorest / OpenAPI
        "API_TITLE": "流动党员之家 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/swagger-ui/",
        "OPENAPI_SWAGGER_UI_CONFIG": {"persistAuthorization": True},
        "API_SPEC_OPTIONS": {"info": {"description": API_DESCRIPTION}},
    }
    if production:
        check_production(config, env)
    return config


API_DESCRIPTION = """流动党员之家的接口文档。所有错误都是同一形状：`{code, message, errors?}`，`message` 为中文。

**以演示党员身份试用（`make run` 启动后，仅内置微信模拟器模式）**

1. 取得登录令牌：在终端运行 `.venv/bin/flask --app server demo member-token`（默认演示党员
   `demo-openid-jinshan-1`），或在本页调用 `POST /api/v1/dev/login-code`（填 openid）得到 code，
   再调用 `POST /api/v1/auth/login` 得到 `token`。
2. 点右上角 **Authorize**，把 token 填进 `bearer`，之后本页的每个请求都以该党员身份发出。
3. 工作人员令牌：`POST /api/v1/staff/login`，演示账号 `jinshan-sj` / `demo-secretary-2026`（书记）、
   `county` / `demo-county-2026`（县委组织部）。
4. 下单后用 `POST /api/v1/dev/orders/{order_no}/pay` 模拟党员在手机上付款。

`/api/v1/dev/…` 只在 `WECHAT_EMULATOR=1` 时存在；生产环境不允许开启模拟器，这些接口也就不存在。
"""


def check_settings(config: dict) -> None:
    """Refuse settings no environment may run with (after test or app overrides are applied)."""
    raw = config.get("AUDIT_RETENTION_DAYS")
    try:
        days = int(str(raw).strip())
    except (TypeError, ValueError):
        raise InvalidConfiguration(f"AUDIT_RETENTION_DAYS must be a whole number of days, got {raw!r}") from None
    if days < AUDIT_RETENTION_MIN_DAYS:
        raise InvalidConfiguration(
            f"AUDIT_RETENTION_DAYS={days} is below the minimum of {AUDIT_RETENTION_MIN_DAYS} days "
            "(the audit trail must be kept at least six months)")
    config["AUDIT_RETENTION_DAYS"] = days
    storage = config.get("MINUTES_STORAGE", "local")
    if storage not in ("local", "s3"):
        raise InvalidConfiguration(f"MINUTES_STORAGE={storage!r}: must be 'local' or 's3'")
    if storage == "s3" and not config.get("MINUTES_S3_BUCKET"):
        raise InvalidConfiguration("MINUTES_STORAGE=s3 needs MINUTES_S3_BUCKET")
    if config.get("MINUTES_S3_ADDRESSING_STYLE", "virtual") not in ("virtual", "path"):
        raise InvalidConfiguration("MINUTES_S3_ADDRESSING_STYLE must be 'virtual' or 'path'")


def check_production(config: dict, env: dict[str, str]) -> None:
    """Refuse unsafe production settings, naming each one."""
    problems = []
    for name in ("SECRET_KEY", "FIELD_KEY", "DATABASE_URL", "REDIS_URL", *_DEV_DEFAULTS):
        if not env.get(name):
            problems.append(f"{name} is not set")
    for name, dev_value in _DEV_DEFAULTS.items():
        if env.get(name) == dev_value:
            problems.append(f"{name} is the development default")
    if config["WECHAT_EMULATOR"]:
        problems.append("WECHAT_EMULATOR=1 is not allowed in production")
    if config["MINUTES_STORAGE"] == "s3":
        # Named, never shown: the message must not carry a key's value.
        for name in ("MINUTES_S3_BUCKET", "MINUTES_S3_ACCESS_KEY_ID", "MINUTES_S3_SECRET_ACCESS_KEY"):
            if not config[name]:
                problems.append(f"{name} is not set (MINUTES_STORAGE=s3)")
    if env.get("REDIS_URL", "").startswith("memory://"):
        problems.append("REDIS_URL=memory:// only works for one process")
    if env.get("DATABASE_URL", "").startswith("sqlite"):
        problems.append("DATABASE_URL must not be SQLite in production")
    notify_host = urlsplit(config["WECHAT_PAY_NOTIFY_URL"]).hostname or ""
    if notify_host in ("", "localhost", "::1") or notify_host.startswith("127."):
        # WeChat Pay could never deliver a payment notice there: the development default of PUBLIC_BASE_URL.
        problems.append("WECHAT_PAY_NOTIFY_URL points at this machine (set PUBLIC_BASE_URL or WECHAT_PAY_NOTIFY_URL)")
    key = env.get("FIELD_KEY")
    if key:
        try:
            if len(base64.b64decode(key, validate=True)) != 32:
                problems.append("FIELD_KEY must be base64 of 32 bytes")
        except ValueError:
            problems.append("FIELD_KEY must be base64 of 32 bytes")
    if problems:
        raise UnsafeConfiguration("refusing to start in production: " + "; ".join(problems))
