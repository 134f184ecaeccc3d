"""Who may call what: bearer-token decorators for member and staff endpoints."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from server.auth.tokens import Principal, resolve
from server.errors import Forbidden, Unauthorized


def current_principal() -> Principal:
    """Resolve the bearer token of this request (401 unauthorized when missing or dead)."""
    # g outlives a request when an app context was already pushed (tests, CLI): key the cache by request.
    if g.get("principal_request") is request._get_current_object():
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    principal = resolve(token.strip()) if scheme.lower() == "bearer" else None
    if principal is None:
        raise Unauthorized("登录已失效，请重新登录")
    g.principal = principal
    g.principal_request = request._get_current_object()
    return principal


def login_required(view):
    """Any valid token: a WeChat account (bound or not) or a staff user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        current_principal()
        return view(*args, **kwargs)

    return wrapper


def member_required(view):
    """A WeChat account bound to a roster member; g.member_id is set."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        principal = current_principal()
        if principal.kind != "wechat":
            raise Forbidden("此功能仅供党员本人在小程序中使用")
        if principal.member_id is None:
            raise Forbidden("请先完成党员身份绑定", code="not_bound")
        g.member_id = principal.member_id
        return view(*args, **kwargs)

    return wrapper


def staff_required(*roles: str):
    """A staff user, optionally of one of the given roles."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if not principal.is_staff or (roles and principal.staff_role not in roles):
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapper

    return decorator
