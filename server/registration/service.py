"""Registration requests (CONTRACT §10): a member missing from the roster asks; staff decide.

Decisions:
- No oracle: filing a request never looks at the roster, so a roster ID number and a fresh one get the same
  answer in the same time; submissions are rate-limited per WeChat account and per client address like binding.
  The roster near-match (same ID number, or same name and birth date) is computed only for staff lists.
- One pending request per WeChat account, held by a partial unique index: of two requests sent at once, one is
  stored and the other answers 409 `registration_pending`.
- A decision is the guarded `UPDATE … SET status = … WHERE status = 'pending'`: of two decisions at once exactly
  one flips the row; the other answers 409 `already_decided`. Approval creates the roster member (or links the
  one with that ID number), binds the requesting account through auth's `link_account`, audits it and sends
  `member.upserted` to the township, all in the decision's transaction.
- The subscribe message telling the member the outcome goes after the commit, and only when they accepted one
  (`notify_grant`, claimed by a guarded UPDATE first, so it is sent at most once).
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import ColumnElement, false, select, update
from sqlalchemy.exc import IntegrityError

from server.auth.service import link_account, phone_from_code
from server.common import idcard, ratelimit
from server.common.crypto import lookup_hash
from server.common.pagination import paginate
from server.common.requestinfo import client_ip
from server.common.timeutil import local, utcnow
from server.core import audit, scope
from server.core.accounts import WechatAccount, actor_name
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.tokens import Principal
from server.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from server.extensions import db
from server.registration.models import Registration
from server.wechat import gateway

log = logging.getLogger(__name__)

RESULT_PAGE = "pages/registration/registration"


# ---- the member's side ---------------------------------------------------------------------------

def _account(principal: Principal) -> WechatAccount:
    if principal.kind != "wechat":
        raise Forbidden("此功能仅供党员本人在小程序中使用")
    account = db.session.get(WechatAccount, principal.subject_id)
    if account is None:
        raise Unauthorized("登录已失效，请重新登录")
    return account


def _checked_orgs(township_id: int, mobile_branch_id: int) -> None:
    """422 with a message per field for an unknown township, an unknown branch or one of another township."""
    errors = {}
    if db.session.get(Township, township_id) is None:
        errors["township_id"] = ["没有这个乡镇，请重新选择"]
    branch = db.session.get(Branch, mobile_branch_id)
    if branch is None or branch.kind != "mobile":
        errors["mobile_branch_id"] = ["没有这个流动党员党支部，请重新选择"]
    elif "township_id" not in errors and branch.township_id != township_id:
        errors["mobile_branch_id"] = ["该流动党员党支部不属于所选乡镇"]
    if errors:
        raise Unprocessable("请核对乡镇和流动党员党支部", errors=errors)


def submit(principal: Principal, data: dict) -> Registration:
    """File a registration request for this (unbound) WeChat account."""
    account = _account(principal)
    if account.member_id is not None:
        raise Conflict("该微信已绑定党员身份，无需登记", code="already_bound")
    config = current_app.config
    ratelimit.limit(f"registration:account:{account.id}", *config["REGISTRATIONS_PER_ACCOUNT"],
                    "提交次数过多，请一小时后再试")
    ratelimit.limit(f"registration:addr:{client_ip()}", *config["REGISTRATIONS_PER_ADDRESS"],
                    "提交次数过多，请一小时后再试")
    template = data.get("subscribe_template_id")
    if template is not None and template != config["WECHAT_REGISTRATION_TEMPLATE_ID"]:
        raise Unprocessable("订阅消息模板不正确", errors={"subscribe_template_id": ["不是登记结果通知的模板"]})
    _checked_orgs(data["township_id"], data["mobile_branch_id"])
    if _pending_of(account.id) is not None:
        raise Conflict("您已提交过登记申请，正在等待审核", code="registration_pending")
    phone = phone_from_code(data["phone_code"]) if data.get("phone_code") else (data.get("phone") or "").strip() or None
    id_number = idcard.normalize(data["id_number"])
    registration = Registration(
        wechat_account_id=account.id, status="pending", name=data["name"].strip(), id_number=id_number,
        id_number_hash=lookup_hash(id_number), phone=phone, township_id=data["township_id"],
        mobile_branch_id=data["mobile_branch_id"], home_branch=data["home_branch"].strip(), left_on=data["left_on"],
        destination=data["destination"].strip(), employer=data["employer"].strip(),
        certificate_no=(data.get("certificate_no") or "").strip() or None, submitted_at=utcnow(),
        notify_grant=template is not None,
    )
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已提交过登记申请，正在等待审核", code="registration_pending") from None
    audit.record("registration.submitted", "registration", registration.id,
                 {"township_id": registration.township_id, "mobile_branch_id": registration.mobile_branch_id})
    db.session.commit()
    if template is not None:
        gateway.note_subscription_grant(account.openid, template)
    return registration


def _pending_of(account_id: int) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.wechat_account_id == account_id, Registration.status == "pending"))


def mine(principal: Principal) -> Registration:
    """The account's latest request (404 when there is none)."""
    account = _account(principal)
    registration = db.session.scalar(select(Registration).where(Registration.wechat_account_id == account.id)
                                     .order_by(Registration.submitted_at.desc(), Registration.id.desc()).limit(1))
    if registration is None:
        raise NotFound("您还没有提交过登记申请", code="registration_not_found")
    return registration


# ---- staff ---------------------------------------------------------------------------------------

def _scope_filter(principal: Principal) -> ColumnElement[bool]:
    """Requests to the caller's mobile branch, township or county."""
    role = principal.staff_role
    if role == "county_admin":
        return Registration.township_id.in_(scope.county_townships(principal.scope_id))
    if role == "township_admin":
        return Registration.township_id == principal.scope_id
    if role == "branch_secretary":
        return Registration.mobile_branch_id == principal.scope_id
    return false()


def roster_match(principal: Principal, registration: Registration) -> dict | None:
    """The roster member who may be this registrant: same ID number, else same name and birth date.

    A match outside the caller's scope is named only as such (staff see their own scope's members only).
    """
    member = db.session.scalar(select(Member).where(Member.id_number_hash == registration.id_number_hash))
    reason = "same_id_number"
    if member is None:
        reason = "same_name_and_birth_date"
        born = registration.id_number[6:14]
        member = next((m for m in db.session.scalars(select(Member).where(Member.name == registration.name)
                                                      .order_by(Member.id).limit(50))
                       if m.id_number[6:14] == born), None)
    if member is None:
        return None
    what = "身份证号" if reason == "same_id_number" else "姓名和出生日期"
    if not scope.can_see_member(principal, member):
        return {"member_id": None, "reason": reason, "name": None, "township": None, "village_branch": None,
                "bound": None, "text": f"与其他乡镇名册中的一名党员{what}相同，请与该乡镇核对"}
    bound = db.session.scalar(select(WechatAccount.id).where(WechatAccount.member_id == member.id)) is not None
    where = f"{member.township.name}{member.village_branch.name}"
    advice = "已绑定其他微信，请核对" if bound else ("通过后将直接绑定该党员" if reason == "same_id_number"
                                                  else "可能是名册中身份证号有误，请核对后改为绑定")
    return {"member_id": member.id, "reason": reason, "name": member.name, "township": member.township,
            "village_branch": member.village_branch, "bound": bound,
            "text": f"与{where}的{member.name}{what}相同：{advice}"}


def list_for_staff(principal: Principal, status: str | None, page: int, per_page: int) -> dict:
    """Requests in the caller's scope, oldest pending first, masked, each with its roster near-match."""
    query = select(Registration).where(_scope_filter(principal))
    if status is not None:
        query = query.where(Registration.status == status)
    result = paginate(query.order_by(Registration.submitted_at, Registration.id), page, per_page)
    for registration in result["items"]:
        registration.roster_match = roster_match(principal, registration)
    audit.record("registration.list_read", "registration", None,
                 {"status": status, "page": page, "ids": [r.id for r in result["items"]]})
    db.session.commit()
    return result


def _village_branch(township_id: int, name: str) -> Branch:
    """The township's home village branch of that name, added when the roster has none yet (flushes)."""
    branch = db.session.scalar(select(Branch).where(Branch.township_id == township_id, Branch.kind == "village",
                                                    Branch.name == name))
    if branch is None:
        branch = Branch(township_id=township_id, kind="village", name=name, created_at=utcnow())
        db.session.add(branch)
        db.session.flush()
    return branch


def _roster_member(registration: Registration) -> Member:
    """The member with the registrant's ID number, or a new roster member from the request (flushes)."""
    member = db.session.scalar(select(Member).where(Member.id_number_hash == registration.id_number_hash))
    if member is not None:
        return member
    member = Member(
        name=registration.name, id_number=registration.id_number, id_number_hash=registration.id_number_hash,
        phone=registration.phone, phone_hash=lookup_hash(registration.phone) if registration.phone else None,
        township_id=registration.township_id, mobile_branch_id=registration.mobile_branch_id,
        village_branch_id=_village_branch(registration.township_id, registration.home_branch).id,
        left_on=registration.left_on, destination=registration.destination, employer=registration.employer,
        certificate_no=registration.certificate_no, status="active", created_at=utcnow(),
    )
    db.session.add(member)
    db.session.flush()
    audit.record("member.created", "member", member.id, {"registration_id": registration.id})
    return member


def decide(principal: Principal, registration_id: int, approve: bool, note: str | None) -> Registration:
    """Approve (create or link the roster member and bind the account) or deny with a note: one transaction."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not db.session.scalar(
            select(Registration.id).where(Registration.id == registration_id, _scope_filter(principal))):
        raise NotFound("找不到该登记申请")
    note = (note or "").strip() or None
    if not approve and note is None:
        raise Unprocessable("不通过时请写明原因", errors={"note": ["不通过时请写明原因，申请人会看到"]})
    decided_by = actor_name(principal)
    flipped = db.session.execute(
        update(Registration).where(Registration.id == registration_id, Registration.status == "pending")
        .values(status="approved" if approve else "denied", decided_at=utcnow(), decided_by=decided_by, note=note)
    ).rowcount == 1
    if not flipped:
        db.session.rollback()
        raise Conflict("该申请已经处理过了，请刷新", code="already_decided")
    db.session.refresh(registration)
    if approve:
        member = _roster_member(registration)
        link_account(registration.wechat_account_id, member.id, registration.phone,
                     detail={"registration_id": registration.id})
        registration.member_id = member.id
    audit.record("registration.approved" if approve else "registration.denied", "registration", registration.id,
                 {"member_id": registration.member_id, "note": note, "by": decided_by})
    db.session.commit()
    _notify(registration)
    registration.roster_match = roster_match(principal, registration)
    return registration


def _notify(registration: Registration) -> None:
    """One subscribe message with the outcome, when the registrant accepted one (claimed first: sent once)."""
    claimed = db.session.execute(update(Registration).where(
        Registration.id == registration.id, Registration.notify_grant.is_(True)).values(notify_grant=False)
    ).rowcount == 1
    db.session.commit()
    if not claimed:
        return
    account = db.session.get(WechatAccount, registration.wechat_account_id)
    data = {
        "phrase1": {"value": "已通过" if registration.status == "approved" else "未通过"},
        "thing2": {"value": (registration.note or "请进入小程序查看")[:20]},
        "time3": {"value": local(registration.decided_at).strftime("%Y年%m月%d日 %H:%M")},
    }
    try:
        gateway.send_subscribe_message(account.openid, current_app.config["WECHAT_REGISTRATION_TEMPLATE_ID"], data,
                                       page=RESULT_PAGE)
    except gateway.WechatError as err:
        log.warning("registration %s: subscribe message not sent (%s)", registration.id, type(err).__name__)
