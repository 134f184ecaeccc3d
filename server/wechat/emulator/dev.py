"""开发调试：在内置微信模拟器上扮演演示党员的手机 (development only).

With the loopback emulator on (WECHAT_EMULATOR=1, `make run`'s default) there is no phone to call wx.login or
to pay; these two controls stand in for it, so a newcomer can drive the member API with curl or from the API
docs page: mint the code wx.login would give a demo openid, and pay an order as the member would. They are
registered only in emulator mode, which production refuses to start with, so they do not exist where real
WeChat is used (404 like any unknown path).
"""
from __future__ import annotations

from flask import current_app
from marshmallow import fields, validate

from server.common.schemas import StrictSchema
from server.errors import Conflict, ErrorOut, NotFound, ServiceUnavailable
from server.extensions import Blueprint, api
from server.wechat.emulator import issue_login_code
from server.wechat.emulator.pay import pay_order

blp = Blueprint("dev", __name__, url_prefix="/api/v1/dev",
                description="开发调试（仅内置微信模拟器模式）：扮演演示党员的手机")

LOGIN_CODE_TTL_S = 300


class LoginCodeIn(StrictSchema):
    openid = fields.String(required=True, validate=validate.Length(1, 64),
                           metadata={"example": "demo-openid-jinshan-1"})


class LoginCodeOut(StrictSchema):
    code = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class PaidOut(StrictSchema):
    order_no = fields.String(required=True)
    notified = fields.Boolean(required=True)


@blp.post("/login-code")
@blp.arguments(LoginCodeIn)
@blp.response(200, LoginCodeOut)
def login_code(body):
    """模拟 wx.login：为演示党员的 openid 生成一次性登录 code（5 分钟内有效），再用它调用 /auth/login。"""
    return {"code": issue_login_code(current_app.config, body["openid"]), "expires_in": LOGIN_CODE_TTL_S}


@blp.post("/orders/<order_no>/pay")
@blp.response(200, PaidOut)
@blp.alt_response(409, schema=ErrorOut, description="order_not_payable：订单已关闭或已退款")
@blp.alt_response(503, schema=ErrorOut, description="notify_unreachable：支付通知送不到本服务")
def pay(order_no):
    """模拟党员在手机上完成微信支付：模拟器把订单记为已付，并把签名的支付通知发给本服务。"""
    import requests  # about 5 MB: loaded by the first call, not with the app

    try:
        pay_order(current_app.config, order_no, post=True)
    except LookupError:
        raise NotFound("模拟器里没有这个订单号：请先用 POST /api/v1/dues/orders 下单", code="order_not_found") from None
    except ValueError:
        raise Conflict("这个订单已关闭或已退款，不能再支付", code="order_not_payable") from None
    except requests.RequestException:
        raise ServiceUnavailable("支付通知没有送达本服务：请检查 PUBLIC_BASE_URL 是否指向正在运行的服务",
                                 code="notify_unreachable") from None
    return {"order_no": order_no, "notified": True}


def init_app(app) -> None:
    """Register the controls only when the emulator stands in for WeChat."""
    if app.config["WECHAT_EMULATOR"]:
        api.register_blueprint(blp)
