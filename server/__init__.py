"""流动党员之家: the Flask service for mobile party members, their branches, townships and county."""
from __future__ import annotations

import logging
import os

import swagger_ui_bundle
from flask import Flask, jsonify, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text
from sqlalchemy.orm import configure_mappers

from server import (
    audit,
    auth,
    certificates,
    checkins,
    core,
    dashboard,
    demo,
    dues,
    errors,
    evaluations,
    jobs,
    members,
    minutes,
    notices,
    orgs,
    registration,
    summaries,
    sync,
    transfers,
    wechat,
)
from server.common import driversql
from server.common.apidoc import ErrorResponses
from server.common.bounds import CONVERTERS
from server.config import check_settings, load_config
from server.extensions import api, db, migrate
from server.store import get_redis

# Each package exposes init_app(app) registering its blueprints and commands: the kernel first, then
# the features (peers, in any order), then the demo seed that builds on all of them.
PACKAGES = (jobs, wechat, core, auth, orgs, members, checkins, dues, registration, transfers, certificates, sync,
            dashboard, notices, evaluations, minutes, summaries, audit,
            demo)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, except that a request without the cookie (every API call: the service keeps
    no cookie session) gets an empty session without building the signing serializer."""

    def open_session(self, app, request):
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


class App(Flask):
    """Flask with the sessions above, and whether a function is a coroutine asked once per function:
    flask-smorest's wrappers ask it of every layer (a dozen times a check-in), and the answer never changes."""

    session_interface = CookieSessions()
    _SYNC_CACHE_MAX = 4096

    def ensure_sync(self, func):
        cache = self.__dict__.setdefault("_sync_cache", {})
        try:
            return cache[func]
        except (KeyError, TypeError):
            sync = super().ensure_sync(func)
            if len(cache) < self._SYNC_CACHE_MAX:
                try:
                    cache[func] = sync
                except TypeError:  # an unhashable callable: asked anew each time
                    pass
            return sync


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config from the environment (or test_config), extensions, features."""
    app = App(__name__, instance_relative_config=True)
    app.url_map.converters.update(CONVERTERS)
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    check_settings(app.config)
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # urllib3 logs full request URLs at DEBUG, and WeChat URLs carry the app secret and login codes.
    logging.getLogger("urllib3").setLevel(logging.INFO)
    # wechatpy logs, at DEBUG, the string it signs: it ends with the WeChat Pay API key.
    logging.getLogger("wechatpy").setLevel(logging.INFO)

    db.init_app(app)
    driversql.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponses()], "components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "syncSignature": {"type": "apiKey", "in": "header", "name": "X-Sync-Signature"},
    }}})

    errors.init_app(app)
    for package in PACKAGES:
        package.init_app(app)
    _register_platform_routes(app)
    # The mappers are set up here, not on a worker's first query: with the app preloaded (deploy/gunicorn.conf.py)
    # it is done once in the master and its memory shared, and no worker's first request pays for it.
    configure_mappers()
    return app


_DEPENDENCY_NAMES = {"database": "数据库", "redis": "Redis"}


def _register_platform_routes(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness and readiness: the database and Redis answer; a 503 names the one that does not."""
        checks = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:  # noqa: BLE001 - report, never raise, from a health check
            db.session.rollback()
            checks["database"] = "error"
        try:
            get_redis().ping()
            checks["redis"] = "ok"
        except Exception:  # noqa: BLE001
            checks["redis"] = "error"
        down = [name for name, state in checks.items() if state != "ok"]
        if not down:
            return jsonify({"status": "ok", "checks": checks})
        message = "、".join(_DEPENDENCY_NAMES[name] for name in down) + "暂时不可用"
        return jsonify({"status": "error", "checks": checks, "down": down,
                        "code": "service_unavailable", "message": message}), 503

    @app.get("/api/swagger-ui/<path:filename>")
    def swagger_ui_assets(filename):
        """Swagger UI served from the installed package, never from a CDN."""
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
