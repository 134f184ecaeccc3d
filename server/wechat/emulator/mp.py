"""Emulated mini-program endpoints: access token, code2session, phone number."""
from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, jsonify, request

from server.wechat.emulator.state import wechat_error

bp = Blueprint("emu_mp", __name__)


def _state():
    return current_app.extensions["emulator_state"]


@bp.get("/cgi-bin/token")
def token():
    state = _state()
    if request.args.get("appid") != state.appid:
        return wechat_error(40013, "invalid appid")
    if request.args.get("secret") != state.secret:
        return wechat_error(40125, "invalid appsecret")
    access_token = secrets.token_urlsafe(48)
    state.redis.set(state.key("token", access_token), "1", ex=7200)
    return jsonify({"access_token": access_token, "expires_in": 7200})


@bp.get("/sns/jscode2session")
def jscode2session():
    state = _state()
    if request.args.get("appid") != state.appid:
        return wechat_error(40013, "invalid appid")
    if request.args.get("secret") != state.secret:
        return wechat_error(40125, "invalid appsecret")
    issued = state.take("code", request.args.get("js_code", ""))
    if issued is None:
        return wechat_error(40029, "invalid code")
    body = {"openid": issued["openid"], "session_key": issued["session_key"]}
    if issued.get("unionid"):
        body["unionid"] = issued["unionid"]
    return jsonify(body)


@bp.post("/wxa/business/getuserphonenumber")
def phone_number():
    state = _state()
    if not state.valid_access_token():
        return wechat_error(40001, "invalid credential, access_token is invalid or not latest")
    # wechatpy posts JSON bytes without a JSON content type, as WeChat accepts.
    code = (request.get_json(force=True, silent=True) or {}).get("code", "")
    issued = state.take("phone", code)
    if issued is None:
        return wechat_error(40029, "invalid code")
    phone = issued["phone"]
    return jsonify({
        "errcode": 0, "errmsg": "ok",
        "phone_info": {
            "phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
            "watermark": {"timestamp": int(time.time()), "appid": state.appid},
        },
    })
