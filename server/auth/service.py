"""Signing in: WeChat login and roster binding for members, passwords and lockout for staff."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from server.common import idcard, ratelimit
from server.common.crypto import lookup_hash
from server.common.requestinfo import client_ip
from server.common.timeutil import utcnow
from server.core import audit, tokens
from server.core.accounts import STAFF_ROLES, StaffUser, WechatAccount
from server.core.member_changes import record_member_upserted
from server.core.members import Member
from server.core.orgs import Branch, County, Township, default_county
from server.core.tokens import MEMBER_TOKEN_TTL, STAFF_TOKEN_TTL, Principal
from server.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
)
from server.extensions import db
from server.store import get_redis
from server.wechat import gateway

log = logging.getLogger(__name__)

LOGIN_PER_ADDRESS = (30, 60)            # WeChat logins per client address per minute
BIND_FAILURES_PER_ACCOUNT = (5, 3600)   # failed binds per WeChat account per hour
BIND_FAILURES_PER_ADDRESS = (20, 3600)  # failed binds per client address per hour (an office behind one NAT)
STAFF_FAILURES = (5, 900)               # failed staff passwords per username and client address per 15 minutes
STAFF_FAILURES_ALL_ADDRESSES = (50, 900)  # failed staff passwords per username from all addresses together
STAFF_LOGIN_PER_ADDRESS = (60, 900)     # staff login attempts per client address per 15 minutes
MIN_PASSWORD_LENGTH = 10

# A real scrypt hash of a random password: unknown usernames cost as much as wrong passwords.
_DUMMY_HASH = generate_password_hash("no such staff user: constant time")

_WECHAT_CODE_INVALID = {40029, 40163}
_WECHAT_HIGH_RISK = 40226


@dataclass
class Login:
    token: str
    expires_in: int
    bound: bool
    roles: list[str]


def _wechat_failure(err: gateway.WechatError, what: str) -> AppError:
    """Translate a WeChat failure to what the caller sees (never echoing WeChat's reply)."""
    errcode = err.code if isinstance(err, gateway.WechatRejected) else None
    if errcode in _WECHAT_CODE_INVALID:
        return Unauthorized("微信登录凭证已失效，请重新进入小程序", code="wechat_code_invalid")
    if errcode == _WECHAT_HIGH_RISK:
        return Forbidden("微信判定当前账号存在安全风险，暂时无法登录，请稍后再试或联系支部书记",
                         code="wechat_user_high_risk")
    log.warning("WeChat %s failed: errcode=%s (%s)", what, errcode, type(err).__name__)
    return ServiceUnavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable")


def login_wechat(code: str) -> Login:
    """code2session at WeChat, upsert the WeChat account, issue a token (the gateway never hands out session_key)."""
    ratelimit.limit(f"login:addr:{client_ip()}", *LOGIN_PER_ADDRESS)
    try:
        session = gateway.code_to_session(code)
    except gateway.WechatError as err:
        raise _wechat_failure(err, "code2session") from None
    account = _upsert_account(session.openid, session.unionid)
    db.session.commit()
    roles = ["member"] if account.member_id else []
    principal = Principal(kind="wechat", subject_id=account.id, roles=roles, member_id=account.member_id)
    return Login(tokens.issue(principal, MEMBER_TOKEN_TTL), MEMBER_TOKEN_TTL, account.member_id is not None, roles)


def _upsert_account(openid: str, unionid: str | None) -> WechatAccount:
    """The WeChat account of this openid, created if new (added and flushed; the caller commits)."""
    account = db.session.execute(select(WechatAccount).filter_by(openid=openid)).scalar_one_or_none()
    if account is None:
        account = WechatAccount(openid=openid, unionid=unionid, created_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(account)
        except IntegrityError:
            # The same person logged in twice at once: the other request created the account.
            account = db.session.execute(select(WechatAccount).filter_by(openid=openid)).scalar_one()
    elif unionid and account.unionid != unionid:
        account.unionid = unionid
        db.session.flush()
    return account


def _plain_name(name: str) -> str:
    """A name as compared with the roster: no whitespace, any middle-dot form as ·."""
    return re.sub(r"\s+", "", name).replace("•", "·").replace("・", "·")


def bind(principal: Principal, name: str, id_number: str, phone_code: str | None) -> Member:
    """Link this WeChat account to the roster member with this name and ID number."""
    if principal.kind != "wechat":
        raise Forbidden("仅限微信小程序用户绑定党员身份")
    if principal.member_id is not None:
        raise Conflict("该微信已绑定党员身份", code="already_bound")
    account_key = f"bind:account:{principal.subject_id}"
    address_key = f"bind:addr:{client_ip()}"
    # Reserve an attempt on both counters before looking: parallel guesses cannot slip past the cap.
    reserved = []
    for key, (cap, window) in ((account_key, BIND_FAILURES_PER_ACCOUNT), (address_key, BIND_FAILURES_PER_ADDRESS)):
        reserved.append(key)
        if ratelimit.hit(key, window) > cap:
            for taken in reserved:
                ratelimit.undo(taken)
            raise RateLimited("尝试次数过多，请一小时后再试或联系支部书记核对信息")

    def not_a_failure():
        for key in reserved:
            ratelimit.undo(key)

    id_hash = lookup_hash(idcard.normalize(id_number))
    member = db.session.execute(select(Member).filter_by(id_number_hash=id_hash)).scalar_one_or_none()
    if member is None or _plain_name(member.name) != _plain_name(name):
        raise NotFound("未在党员名册中找到您的信息，请核对姓名和身份证号", code="roster_no_match")
    taken_by = db.session.execute(
        select(WechatAccount.id).where(WechatAccount.member_id == member.id)).scalar_one_or_none()
    if taken_by is not None and taken_by != principal.subject_id:
        # Counted as a failure: otherwise it would tell a guesser that the ID number is on the roster.
        raise Conflict("该党员身份已绑定其他微信，如有疑问请联系支部书记", code="already_bound")

    try:
        phone = phone_from_code(phone_code) if phone_code else None
        link_account(principal.subject_id, member.id, phone)
        db.session.commit()
    except AppError:
        not_a_failure()
        raise
    not_a_failure()
    principal.member_id = member.id
    principal.roles = ["member"]
    tokens.update(principal)
    return member


def link_account(account_id: int, member_id: int, phone: str | None = None, detail: dict | None = None) -> Member:
    """Bind a WeChat account to a roster member inside the caller's transaction (flushes, never commits).

    Locks both rows; the account already bound, or the member bound to another account, is 409
    `already_bound` (the unique key on `wechat_accounts.member_id` settles a race). Audited, and the
    township hears of the member as `member.upserted`. Used by binding and by an approved registration.
    """
    account = db.session.get(WechatAccount, account_id, with_for_update=True)
    member = db.session.get(Member, member_id, with_for_update=True)
    if account is None:
        raise Unauthorized("登录已失效，请重新登录")
    if account.member_id is not None:
        db.session.rollback()
        raise Conflict("该微信已绑定党员身份", code="already_bound")
    account.member_id = member.id
    account.bound_at = utcnow()
    if phone:
        member.phone = phone
        member.phone_hash = lookup_hash(phone)
    member.last_activity_at = utcnow()
    audit.record("member.bound", "member", member.id,
                 {"wechat_account_id": account.id, "phone_updated": phone is not None, **(detail or {})})
    try:
        db.session.flush()
        record_member_upserted(member)
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该党员身份已绑定其他微信，如有疑问请联系支部书记", code="already_bound") from None
    return member


def phone_from_code(phone_code: str) -> str:
    """The phone behind a getPhoneNumber code, checked to be for our own mini-program."""
    try:
        result = gateway.phone_number(phone_code)
    except gateway.WechatRejected as err:
        if err.code in _WECHAT_CODE_INVALID:
            raise Unprocessable("手机号授权已失效，请重新授权", code="phone_code_invalid",
                                errors={"phone_code": ["授权码无效或已使用"]}) from None
        raise _wechat_failure(err, "getuserphonenumber") from None
    except gateway.WechatUnavailable as err:
        raise _wechat_failure(err, "getuserphonenumber") from None
    if result.appid != current_app.config["WECHAT_APPID"]:
        log.warning("getuserphonenumber answered for another appid")
        raise Unprocessable("手机号授权校验失败，请重新授权", code="phone_code_invalid",
                            errors={"phone_code": ["授权不属于本小程序"]})
    phone = result.pure_phone_number
    if not re.fullmatch(r"\d{5,20}", phone):
        raise Unprocessable("无法识别授权的手机号", code="phone_code_invalid",
                            errors={"phone_code": ["手机号格式不正确"]})
    return phone


def logout(principal: Principal) -> None:
    """Kill this one token; other devices stay logged in."""
    tokens.revoke(principal)


# ---- staff ------------------------------------------------------------------------------------

def _username_key(username: str) -> str:
    return f"staff-login:{username.strip().lower()}"


def staff_login(username: str, password: str) -> Login:
    """Check a staff password; lock the username at this client address after 5 failures.

    The lock is per (username, address), so failures from someone else's address never lock the owner
    out; a higher limit across all addresses still stops guessing spread over many addresses.
    """
    address = client_ip()
    ratelimit.limit(f"staff-login:addr:{address}", *STAFF_LOGIN_PER_ADDRESS)
    account_key = _username_key(username)
    pair_key = f"{account_key}:addr:{address}"
    # Reserve the attempt first so a burst of parallel guesses is capped too; a success takes it back.
    reserved = []
    for key, (cap, window) in ((pair_key, STAFF_FAILURES), (account_key, STAFF_FAILURES_ALL_ADDRESSES)):
        reserved.append(key)
        if ratelimit.hit(key, window) > cap:
            for taken in reserved:
                ratelimit.undo(taken)
            raise AppError("登录失败次数过多，账号已临时锁定，请 15 分钟后再试", status=423, code="account_locked")
    user = db.session.execute(
        select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())
    ).scalar_one_or_none()
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and valid and user.is_active):
        audit.record("staff.login_failed", "staff_user", user.id if user else None,
                     {"username": username.strip()[:64]}, actor=("staff", str(user.id) if user else None))
        db.session.commit()
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    ratelimit.reset(pair_key)
    ratelimit.undo(account_key)
    audit.record("staff.login", "staff_user", user.id, None, actor=("staff", str(user.id)))
    db.session.commit()
    principal = Principal(kind="staff", subject_id=user.id, roles=[user.role], scope_id=user.scope_id)
    token = tokens.issue(principal, STAFF_TOKEN_TTL)
    _remember_staff_token(user.id, tokens.resolve(token))
    return Login(token, STAFF_TOKEN_TTL, False, [user.role])


def _staff_tokens_key(user_id: int) -> str:
    return f"staff-tokens:{user_id}"


def _remember_staff_token(user_id: int, principal: Principal) -> None:
    """Index a staff user's live tokens so disabling the user (or a new password) ends them all."""
    r = get_redis()
    r.sadd(_staff_tokens_key(user_id), principal.token_hash)
    r.expire(_staff_tokens_key(user_id), STAFF_TOKEN_TTL)


def _revoke_staff_tokens(user_id: int) -> None:
    r = get_redis()
    for token_hash in r.smembers(_staff_tokens_key(user_id)):
        tokens.revoke(Principal(kind="staff", subject_id=user_id, token_hash=token_hash.decode()))
    r.delete(_staff_tokens_key(user_id))


def staff_profile(principal: Principal) -> dict:
    """`{id, username, role, scope: {type, id, name}}` for the signed-in staff user."""
    user = db.session.get(StaffUser, principal.subject_id)
    if user is None or not user.is_active:
        tokens.revoke(principal)
        raise Unauthorized("账号已停用，请联系管理员")
    county = db.session.get(County, user.scope_id) if user.role == "county_admin" and user.scope_id else None
    scope = {"type": "county", "id": user.scope_id, "name": county.name if county else "全县"}
    if user.role == "township_admin":
        township = db.session.get(Township, user.scope_id)
        scope = {"type": "township", "id": user.scope_id, "name": township.name if township else None}
    elif user.role == "branch_secretary":
        branch = db.session.get(Branch, user.scope_id)
        scope = {"type": "branch", "id": user.scope_id, "name": branch.name if branch else None}
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "scope": scope}


def validate_staff_scope(role: str, scope_id: int | None) -> int:
    """The scope id a new staff user gets: a township admin names a township, a secretary a mobile branch,
    a county admin a county (or, without one, the county of a one-county deployment)."""
    if role not in STAFF_ROLES:
        raise Unprocessable(f"角色必须是 {', '.join(STAFF_ROLES)} 之一")
    if role == "county_admin":
        if scope_id is None:
            try:
                return default_county().id
            except LookupError as err:
                raise Unprocessable("本系统有多个县：县级管理员需要 --scope 指定县的 id") from err
        if db.session.get(County, scope_id) is None:
            raise Unprocessable("县级管理员的 --scope 应为一个存在的县 id")
    elif role == "township_admin":
        if scope_id is None or db.session.get(Township, scope_id) is None:
            raise Unprocessable("乡镇管理员需要 --scope 指定一个存在的乡镇 id")
    else:
        branch = db.session.get(Branch, scope_id) if scope_id is not None else None
        if branch is None or branch.kind != "mobile":
            raise Unprocessable("支部书记需要 --scope 指定一个存在的流动党员党支部 id")
    return scope_id


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable(f"密码至少 {MIN_PASSWORD_LENGTH} 位")


def create_staff(username: str, role: str, scope_id: int | None, password: str,
                 display_name: str | None = None) -> StaffUser:
    """Create a staff user with a slow password hash (raises an AppError with a Chinese reason)."""
    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{3,64}", username):
        raise Unprocessable("用户名须为 3–64 位字母、数字或 _ . -")
    scope_id = validate_staff_scope(role, scope_id)
    validate_password(password)
    if db.session.execute(select(StaffUser.id).where(func.lower(StaffUser.username) == username.lower())).first():
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    user = StaffUser(username=username, password_hash=generate_password_hash(password), role=role,
                     scope_id=scope_id, display_name=display_name, is_active=True, created_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("staff.created", "staff_user", user.id, {"username": username, "role": role, "scope_id": scope_id},
                 actor=("cli", None))
    db.session.commit()
    return user


def _staff_by_name(username: str) -> StaffUser:
    user = db.session.execute(
        select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFound(f"没有用户名为 {username} 的工作人员")
    return user


def set_staff_password(username: str, password: str) -> StaffUser:
    """Replace a staff password and lift any lockout."""
    validate_password(password)
    user = _staff_by_name(username)
    user.password_hash = generate_password_hash(password)
    audit.record("staff.password_set", "staff_user", user.id, None, actor=("cli", None))
    db.session.commit()
    ratelimit.reset(_username_key(user.username))
    ratelimit.reset_all(_username_key(user.username) + ":addr:")
    _revoke_staff_tokens(user.id)
    return user


def set_staff_active(username: str, active: bool) -> StaffUser:
    """Disable (or re-enable) a staff user; a disabled user cannot log in and their tokens stop working."""
    user = _staff_by_name(username)
    user.is_active = active
    audit.record("staff.enabled" if active else "staff.disabled", "staff_user", user.id, None, actor=("cli", None))
    db.session.commit()
    if not active:
        _revoke_staff_tokens(user.id)
    return user
