"""The emulator's state, kept in the deployment's Redis so every worker sees the same WeChat."""
from __future__ import annotations

import json

from flask import jsonify, request

from server.store import connect


class EmulatorState:
    """The emulator's view of one deployment: credentials plus a Redis for its state."""

    def __init__(self, config: dict):
        self.appid = config["WECHAT_APPID"]
        self.secret = config["WECHAT_SECRET"]
        self.mch_id = config["WECHAT_PAY_MCH_ID"]
        self.api_key = config["WECHAT_PAY_API_KEY"]
        self.notify_url = config["WECHAT_PAY_NOTIFY_URL"]
        self.redis = connect(config["REDIS_URL"])

    def key(self, *parts) -> str:
        return "wxemu:" + ":".join(str(p) for p in parts)

    def put(self, ttl: int | None, value: dict, *parts) -> None:
        self.redis.set(self.key(*parts), json.dumps(value), ex=ttl)

    def get(self, *parts) -> dict | None:
        raw = self.redis.get(self.key(*parts))
        return None if raw is None else json.loads(raw)

    def take(self, *parts) -> dict | None:
        """Read and delete atomically (single-use codes)."""
        raw = self.redis.getdel(self.key(*parts))
        return None if raw is None else json.loads(raw)

    def valid_access_token(self) -> bool:
        token = request.args.get("access_token", "")
        return bool(token) and self.redis.exists(self.key("token", token)) == 1


def wechat_error(errcode: int, errmsg: str):
    """WeChat answers errors with HTTP 200 and an errcode body."""
    return jsonify({"errcode": errcode, "errmsg": errmsg})
