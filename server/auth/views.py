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
@blp.arguments(WechatLoginIn)
@blp.response(200, LoginOut)
@blp.alt_response(401, schema=ErrorOut, description="wechat_code_invalid")
@blp.alt_response(403, schema=ErrorOut, description="wechat_user_high_risk")
@blp.alt_response(429, schema=ErrorOut, description="rate_limited")
@blp.alt_response(503, schema=ErrorOut, description="wechat_unavailable")
def wechat_login(body):
    """Log in with a wx.login() code."""
    return service.login_wechat(body["code"])


@blp.post("/auth/bind")
@blp.arguments(BindIn)
@blp.response(200, BindOut)
@blp.alt_response(404, schema=ErrorOut, description="roster_no_match")
@blp.alt_response(409, schema=ErrorOut, description="already_bound")
@blp.alt_response(429, schema=ErrorOut, description="rate_limited")
@blp.doc(**SECURED)
@login_required
def bind(body):
    """Bind this WeChat account to a roster member (name + ID number, optionally the phone)."""
    member = service.bind(current_principal(), body["name"], body["id_number"], body["phone_code"])
    return {"member": member}


@blp.post("/auth/logout")
@blp.response(204)
@blp.doc(**SECURED)
@login_required
def logout():
    """End this token only (other devices stay logged in)."""
    service.logout(current_principal())


@blp.post("/staff/login")
@blp.arguments(StaffLoginIn)
@blp.response(200, StaffLoginOut)
@blp.alt_response(401, schema=ErrorOut, description="bad_credentials")
@blp.alt_response(423, schema=ErrorOut, description="account_locked")
def staff_login(body):
    """Staff password login; 5 failures in 15 minutes from one address lock the username at that address,
    50 from all addresses together lock it everywhere for the window."""
    return service.staff_login(body["username"], body["password"])


@blp.get("/staff/me")
@blp.response(200, StaffMeOut)
@blp.doc(**SECURED)
@staff_required()
def staff_me():
    """The signed-in staff user and their scope."""
    return service.staff_profile(current_principal())


@blp.post("/staff/logout")
@blp.response(204)
@blp.doc(**SECURED)
@staff_required()
def staff_logout():
    """End this staff token."""
    service.logout(current_principal())
