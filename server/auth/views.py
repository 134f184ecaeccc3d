"""Auth endpoints: WeChat login and binding for members, password login for staff."""
from __future__ import annotations

from server.auth import service
from server.auth.schemas import (
    BindIn,
    BindOut,
    LoginOut,
    StaffLoginIn,
    StaffLoginOut,
    StaffMeOut,
    WechatLoginIn,
)
from server.common.apidoc import SECURED
from server.core.guards import current_principal, login_required, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录、绑定与工作人员账号")


@blp.post("/auth/login")
@blp.arguments(WechatLoginIn, example={"code": "0a3Xk8000wq5mS1bGb300Bc3Xq3Xk80B"})
@blp.response(200, LoginOut)
@blp.alt_response(401, schema=ErrorOut, description="wechat_code_invalid：code 已用过、已过期或无效，请重新 wx.login")
@blp.alt_response(403, schema=ErrorOut, description="wechat_user_high_risk：微信判定该账号有风险，暂不能登录")
@blp.alt_response(429, schema=ErrorOut, description="rate_limited：请求太频繁，请稍后再试")
@blp.alt_response(503, schema=ErrorOut, description="wechat_unavailable：微信服务暂时不可用，请稍后再试")
def wechat_login(body):
    """用 wx.login() 的 code 登录（党员）"""
    return service.login_wechat(body["code"])


@blp.post("/auth/bind")
@blp.arguments(BindIn, example={"name": "张长江", "id_number": "420321198507154213"})
@blp.response(200, BindOut)
@blp.alt_response(404, schema=ErrorOut, description="roster_no_match：花名册里没有这个姓名和身份证号（可提交登记申请）")
@blp.alt_response(409, schema=ErrorOut, description="already_bound：该微信或该党员已经绑定")
@blp.alt_response(429, schema=ErrorOut, description="rate_limited：请求太频繁，请稍后再试")
@blp.doc(**SECURED)
@login_required
def bind(body):
    """把本微信账号绑定到花名册上的党员（姓名 + 身份证号，可附手机号）"""
    member = service.bind(current_principal(), body["name"], body["id_number"], body["phone_code"])
    return {"member": member}


@blp.post("/auth/logout")
@blp.response(204)
@blp.doc(**SECURED)
@login_required
def logout():
    """退出登录：只让本令牌失效（其他设备不受影响）"""
    service.logout(current_principal())


@blp.post("/staff/login")
@blp.arguments(StaffLoginIn, example={"username": "jinshan-sj", "password": "demo-secretary-2026"})
@blp.response(200, StaffLoginOut)
@blp.alt_response(401, schema=ErrorOut, description="bad_credentials：用户名或密码错误")
@blp.alt_response(423, schema=ErrorOut, description="account_locked：错误次数太多，账号暂时锁定")
def staff_login(body):
    """工作人员用户名密码登录（同一地址 15 分钟内错 5 次锁定该地址，所有地址合计 50 次锁定账号）"""
    return service.staff_login(body["username"], body["password"])


@blp.get("/staff/me")
@blp.response(200, StaffMeOut)
@blp.doc(**SECURED)
@staff_required()
def staff_me():
    """当前工作人员及其管辖范围"""
    return service.staff_profile(current_principal())


@blp.post("/staff/logout")
@blp.response(204)
@blp.doc(**SECURED)
@staff_required()
def staff_logout():
    """工作人员退出登录"""
    service.logout(current_principal())
