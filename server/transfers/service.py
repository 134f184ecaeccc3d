"""Transfers out and returns home (CONTRACT §13).

Decisions:
- Recording one is one transaction: the numbered transfer row, the member's status change (history, audit and
  `member.status_changed` with the letter's fields, through the kernel's `apply_status`), and the member's open
  dues orders closed at WeChat and here (through the dues feature's `close_open_orders_of`). The closeorder calls
  run inside that transaction, under the member's row lock (order creation takes the same lock, so no order can
  slip in after them): if WeChat is down the transfer is refused with 503 `wechat_unavailable` and nothing
  changes; the secretary records it again later. An order WeChat says was paid meanwhile is credited first, so
  the letter's `paid_through` includes it.
- Letter numbers count per county, kind and year (本县转〔2026〕3号). Two transfers in one county at once may
  pick the same number: the unique key refuses the second, which is retried with the next number.
- A member already transferred or returned is 409: a return after a transfer is a new roster entry, not a move.
- Nothing is edited: a transfer recorded by mistake is cancelled by the guarded `UPDATE … WHERE status =
  'recorded'` and a reversing status change back to the status it came from; the feed sees both.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.common.timeutil import local, utcnow
from server.core import audit, scope
from server.core.accounts import actor_name
from server.core.member_changes import apply_status
from server.core.members import Member
from server.core.orgs import County
from server.core.tokens import Principal
from server.dues.notices import close_open_orders_of
from server.errors import Conflict, NotFound, Unprocessable
from server.extensions import db
from server.transfers.models import TO_STATUS, Transfer

NUMBER_ATTEMPTS = 5
_LETTER_MARK = {"transfer_out": "转", "return_home": "返"}
_LEFT = ("transferred", "returned")


def _checked(kind: str, effective_on: date, destination: str | None) -> str | None:
    """422 per field for an effective date out of bounds or a destination that does not fit the kind."""
    config = current_app.config
    today = local(utcnow()).date()
    errors = {}
    if effective_on < today - timedelta(days=config["TRANSFER_EFFECTIVE_PAST_DAYS"]):
        errors["effective_on"] = [f"生效日期不能早于 {config['TRANSFER_EFFECTIVE_PAST_DAYS']} 天前"]
    elif effective_on > today + timedelta(days=config["TRANSFER_EFFECTIVE_FUTURE_DAYS"]):
        errors["effective_on"] = [f"生效日期不能晚于 {config['TRANSFER_EFFECTIVE_FUTURE_DAYS']} 天后"]
    destination = (destination or "").strip() or None
    if kind == "transfer_out" and destination is None:
        errors["destination"] = ["请填写转往的党组织"]
    elif kind == "return_home" and destination is not None:
        errors["destination"] = ["返乡回原村党支部，无需填写转往的党组织"]
    if errors:
        raise Unprocessable("请核对转接信息", errors=errors)
    return destination


def record(principal: Principal, member_id: int, kind: str, reason: str, effective_on: date,
           destination: str | None) -> Transfer:
    """Record a transfer out or a return home of a member in scope, with its letter number."""
    destination = _checked(kind, effective_on, destination)
    for _ in range(NUMBER_ATTEMPTS):
        try:
            return _record(principal, member_id, kind, reason.strip(), effective_on, destination)
        except IntegrityError:
            db.session.rollback()  # another transfer took this number meanwhile: the next one
    raise Conflict("介绍信编号正被同时使用，请稍后重试", code="letter_no_busy")


def _record(principal, member_id, kind, reason, effective_on, destination) -> Transfer:
    member = scope.require_member(principal, db.session.get(Member, member_id, with_for_update=True))
    if member.status in _LEFT:
        db.session.rollback()
        label = "转出" if member.status == "transferred" else "返乡"
        raise Conflict(f"该党员已办理{label}，不能重复办理", code="already_transferred")
    closed = close_open_orders_of(member)  # first: an order paid meanwhile moves paid_through for the letter
    county = db.session.get(County, member.township.county_id)
    year = local(utcnow()).year
    number = (db.session.scalar(select(func.max(Transfer.number)).where(
        Transfer.county_id == county.id, Transfer.kind == kind, Transfer.year == year)) or 0) + 1
    actor = actor_name(principal)
    transfer = Transfer(
        member_id=member.id, county_id=county.id, kind=kind, status="recorded", year=year, number=number,
        letter_no=f"{county.name}{_LETTER_MARK[kind]}〔{year}〕{number}号", reason=reason,
        effective_on=effective_on, destination=destination, from_status=member.status, to_status=TO_STATUS[kind],
        paid_through=member.paid_through, township_id=member.township_id, village_branch_id=member.village_branch_id,
        mobile_branch_id=member.mobile_branch_id, recorded_by=actor, recorded_at=utcnow(),
    )
    db.session.add(transfer)
    db.session.flush()
    apply_status(member, transfer.to_status, reason, actor, extra={
        "transfer_id": transfer.id, "letter_no": transfer.letter_no,
        "effective_on": effective_on.isoformat(), "destination": destination,
    })
    audit.record("transfer.recorded", "member", member.id,
                 {"transfer_id": transfer.id, "kind": kind, "letter_no": transfer.letter_no, "closed_orders": closed})
    db.session.commit()
    return transfer


def _in_scope(principal: Principal, transfer_id: int, lock: bool = False) -> Transfer:
    transfer = db.session.get(Transfer, transfer_id)
    member = db.session.get(Member, transfer.member_id, with_for_update=lock) if transfer else None
    if member is None or not scope.can_see_member(principal, member):
        raise NotFound("找不到该转接记录")
    return transfer


def cancel(principal: Principal, transfer_id: int, reason: str) -> Transfer:
    """Cancel a transfer recorded by mistake: the member goes back to the status it left (never an edit)."""
    transfer = _in_scope(principal, transfer_id, lock=True)
    actor = actor_name(principal)
    flipped = db.session.execute(
        update(Transfer).where(Transfer.id == transfer_id, Transfer.status == "recorded")
        .values(status="cancelled", cancelled_by=actor, cancelled_at=utcnow(), cancel_reason=reason.strip())
    ).rowcount == 1
    if not flipped:
        db.session.rollback()
        raise Conflict("该转接记录已经撤销", code="already_cancelled")
    db.session.refresh(transfer)
    member = transfer.member
    if member.status != transfer.to_status:
        db.session.rollback()
        raise Conflict("党员状态已在此后变更，不能撤销这次转接", code="transfer_not_current")
    apply_status(member, transfer.from_status, f"撤销{transfer.letter_no}：{reason.strip()}", actor,
                 extra={"cancelled_transfer_id": transfer.id, "letter_no": transfer.letter_no})
    audit.record("transfer.cancelled", "member", member.id, {"transfer_id": transfer.id, "reason": reason.strip()})
    db.session.commit()
    return transfer


def get(principal: Principal, transfer_id: int) -> Transfer:
    """A transfer of a member in scope; reading its letter is audited (it names the member)."""
    transfer = _in_scope(principal, transfer_id)
    audit.record("transfer.letter_read", "member", transfer.member_id, {"transfer_id": transfer.id})
    db.session.commit()
    return transfer


def of_member(principal: Principal, member_id: int) -> list[Transfer]:
    """A member's transfers, newest first (the dashboard's letter links)."""
    member = scope.require_member(principal, db.session.get(Member, member_id))
    return list(db.session.scalars(select(Transfer).where(Transfer.member_id == member.id)
                                   .order_by(Transfer.recorded_at.desc(), Transfer.id.desc())))
