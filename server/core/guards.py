"""Who may call what: bearer-token decorators for member and staff endpoints."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from server.core.tokens import Principal, resolve
from server.errors import Forbidden, Unauthorized


def current_principal(counting: tuple[str, int] | None = None) -> Principal:
    """Resolve the bearer token of this request (401 unauthorized when missing or dead); `counting`: see
    `tokens.resolve`."""
    # g outlives a request when an app context was already pushed (tests, CLI): key the cache by request.
    if g.get("principal_request") is request._get_current_object() and "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    principal = resolve(token.strip(), counting) if scheme.lower() == "bearer" else None
    if principal is None:
        raise Unauthorized("登录已失效，请重新登录")
    g.principal = principal
    g.principal_request = request._get_current_object()
    return principal


def _guarded(view, check):
    """Wrap a view so `check` runs first; `check` is also kept on the view for `check_before_arguments`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        check()
        return view(*args, **kwargs)

    # functools.wraps copies __dict__, so the outer flask-smorest wrappers carry the guard too.
    wrapper.guard = check
    return wrapper


def login_required(view):
    """Any valid token: a WeChat account (bound or not) or a staff user."""
    return _guarded(view, current_principal)


def _require_member(counts: tuple[str, int | str] | None = None) -> None:
    if counts is not None:
        name, window = counts
        counts = (name, window if isinstance(window, int) else current_app.config[window])
    principal = current_principal(counts)
    if principal.kind != "wechat":
        raise Forbidden("此功能仅供党员本人在小程序中使用")
    if principal.member_id is None:
        raise Forbidden("请先完成党员身份绑定", code="not_bound")
    g.member_id = principal.member_id


def member_required(view=None, *, counts: tuple[str, int | str] | None = None):
    """A WeChat account bound to a roster member; g.member_id is set.

    `counts` (name, window in seconds or the config key holding it): the endpoint rate-limits with
    `ratelimit.limit("<name>:<member_id>", …)`; its counter is bumped with the token look-up, in one round trip."""
    if view is None:
        return lambda inner: _guarded(inner, lambda: _require_member(counts))
    return _guarded(view, _require_member)


def staff_required(*roles: str):
    """A staff user, optionally of one of the given roles."""

    def require_staff() -> None:
        principal = current_principal()
        if not principal.is_staff or (roles and principal.staff_role not in roles):
            raise Forbidden()

    def decorator(view):
        return _guarded(view, require_staff)

    return decorator


def check_before_arguments() -> None:
    """Run the endpoint's guard before its body and query are parsed (CONTRACT §3).

    flask-smorest validates arguments outside the view, so without this a caller with no token and
    a bad body would get 422 instead of 401, and a member token on a staff endpoint 422 instead of 403.
    """
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    guard = getattr(view, "guard", None)
    if guard is not None:
        guard()
