"""The activity-certificate register (流动党员活动证).

Decisions:
- A certificate's number is unique within the county (the unique key `county_id, number`; a second issue with a
  taken number is 409 `certificate_no_taken`, also when two secretaries race for it). One register entry per
  member; the roster's free-text `certificate_no` on Member stays the import field and is kept equal to the
  register's number when a secretary issues one (so `member.upserted` tells the township).
- A period of validity is one year: from `valid_from` to the day before its anniversary. The annual review (年审)
  is due in the month the period ends; a period is renewed only after a 通过 review of it, by the guarded
  `UPDATE … WHERE period = <the period reviewed>`; every period and review stays in history.
- Due and expired lists count active members only (a transferred or returned member's certificate is moot).
- Every change is audited in its one transaction; every staff read of a member's certificate too.
- Every change of the register reaches the member's township as one `certificate.recorded` (docs/changes.md)
  carrying the entry as it now stands and what was done (`action`), so the township's mirror is one upsert per
  member whatever the order of issue, review and renewal; the number also stays in `member.upserted`.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.certificates.models import Certificate, CertificatePeriod, CertificateReview
from server.common.timeutil import local, utcnow
from server.core import audit, scope
from server.core.accounts import actor_name
from server.core.member_changes import record_member_upserted
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.outbox import record_change
from server.core.tokens import Principal
from server.errors import Conflict, NotFound, Unprocessable
from server.extensions import db


def today() -> date:
    return local(utcnow()).date()


def period_end(start: date) -> date:
    """The last day of a one-year period starting on `start` (29 February starts end on 27 February)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:
        anniversary = date(start.year + 1, 3, 1)
    return anniversary - timedelta(days=1)


def status_of(certificate: Certificate, on: date | None = None) -> str:
    return "expired" if certificate.valid_until < (on or today()) else "valid"


def passed_review(certificate: Certificate) -> CertificateReview | None:
    """The latest 通过 review of the current period, if any."""
    for review in reversed(certificate.reviews):
        if review.period == certificate.period:
            return review if review.result == "通过" else None
    return None


def _county_of(member: Member) -> int:
    return db.session.scalar(select(Township.county_id).where(Township.id == member.township_id))


def _number_taken(county_id: int, number: str, member_id: int | None = None) -> bool:
    stmt = select(Certificate.id).where(Certificate.county_id == county_id, Certificate.number == number)
    if member_id is not None:
        stmt = stmt.where(Certificate.member_id != member_id)
    return db.session.scalar(stmt) is not None


def _clean_number(number: str) -> str:
    number = number.strip()
    if not number:
        raise Unprocessable("请填写活动证编号", errors={"number": ["活动证编号不能为空"]})
    return number


def _new_certificate(member: Member, county_id: int, number: str, issued_on: date, source: str,
                     actor: str) -> Certificate:
    certificate = Certificate(member_id=member.id, county_id=county_id, number=number, issued_on=issued_on,
                              valid_from=issued_on, valid_until=period_end(issued_on), period=1, source=source,
                              created_by=actor, created_at=utcnow())
    db.session.add(certificate)
    db.session.flush()
    db.session.add(CertificatePeriod(certificate_id=certificate.id, period=1, valid_from=issued_on,
                                     valid_until=certificate.valid_until, recorded_by=actor, recorded_at=utcnow()))
    db.session.flush()
    return certificate


def _record_certificate(member: Member, certificate: Certificate, action: str,
                        review: CertificateReview | None = None, flush: bool = True) -> None:
    """The township's `certificate.recorded` change, inside the caller's transaction."""
    record_change("certificate.recorded", member, {
        "certificate_id": certificate.id, "action": action, "number": certificate.number,
        "issued_on": certificate.issued_on.isoformat(), "period": certificate.period,
        "valid_from": certificate.valid_from.isoformat(), "valid_until": certificate.valid_until.isoformat(),
        "review": None if review is None else {
            "period": review.period, "reviewed_on": review.reviewed_on.isoformat(), "result": review.result,
            "reviewer": review.reviewer, "note": review.note},
    }, flush=flush)


def issue(principal: Principal, member_id: int, number: str, issued_on: date) -> Certificate:
    """Issue (register) a member's certificate; the number must be free in the county."""
    number = _clean_number(number)
    if issued_on > today():
        raise Unprocessable("发证日期不正确", errors={"issued_on": ["发证日期不能晚于今天"]})
    member = scope.require_member(principal, db.session.get(Member, member_id, with_for_update=True))
    if db.session.scalar(select(Certificate.id).where(Certificate.member_id == member.id)) is not None:
        db.session.rollback()
        raise Conflict("该党员已有活动证，请办理年审或换证", code="certificate_exists")
    county_id = _county_of(member)
    if _number_taken(county_id, number):
        db.session.rollback()
        raise Conflict("本县已有相同编号的活动证", code="certificate_no_taken")
    actor = actor_name(principal)
    try:
        certificate = _new_certificate(member, county_id, number, issued_on, "secretary", actor)
    except IntegrityError:
        db.session.rollback()
        raise Conflict("本县已有相同编号的活动证", code="certificate_no_taken") from None
    if member.certificate_no != number:
        member.certificate_no = number
        member.updated_at = utcnow()
        record_member_upserted(member)
    _record_certificate(member, certificate, "issued")
    audit.record("certificate.issued", "member", member.id, {
        "certificate_id": certificate.id, "number": number, "issued_on": issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat()})
    db.session.commit()
    return certificate


def _in_scope(principal: Principal, certificate_id: int, lock: bool = False) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    member = db.session.get(Member, certificate.member_id, with_for_update=lock) if certificate else None
    if member is None or not scope.can_see_member(principal, member):
        raise NotFound("找不到该活动证")
    return certificate


def of_member(principal: Principal, member_id: int) -> Certificate:
    """A member's certificate with its periods and reviews (a staff read of the member: audited)."""
    member = scope.require_member(principal, db.session.get(Member, member_id))
    certificate = db.session.scalar(select(Certificate).where(Certificate.member_id == member.id))
    if certificate is None:
        raise NotFound("该党员尚未登记活动证", code="no_certificate")
    audit.record("certificate.read", "member", member.id, {"certificate_id": certificate.id})
    db.session.commit()
    return certificate


def review(principal: Principal, certificate_id: int, reviewed_on: date, result: str, note: str | None,
           reviewer: str | None = None) -> Certificate:
    """Record an annual review (年审) of the certificate's current period."""
    certificate = _in_scope(principal, certificate_id, lock=True)
    if reviewed_on > today() or reviewed_on < certificate.issued_on:
        db.session.rollback()
        raise Unprocessable("年审日期不正确", errors={"reviewed_on": ["年审日期应在发证日期之后，且不晚于今天"]})
    actor = actor_name(principal)
    reviewer = (reviewer or "").strip() or actor
    note = (note or "").strip() or None
    entry = CertificateReview(certificate_id=certificate.id, period=certificate.period, reviewed_on=reviewed_on,
                              reviewer=reviewer, result=result, note=note, recorded_by=actor, recorded_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    _record_certificate(certificate.member, certificate, "reviewed", entry)
    audit.record("certificate.reviewed", "member", certificate.member_id, {
        "certificate_id": certificate.id, "period": certificate.period, "reviewed_on": reviewed_on.isoformat(),
        "reviewer": reviewer, "result": result, "note": note})
    db.session.commit()
    db.session.refresh(certificate)
    return certificate


def renew(principal: Principal, certificate_id: int, note: str | None) -> Certificate:
    """A new one-year period after a 通过 review: from the day after the old one ends, or today if it lapsed."""
    certificate = _in_scope(principal, certificate_id, lock=True)
    if passed_review(certificate) is None:
        db.session.rollback()
        raise Conflict("本期活动证尚未通过年审，不能换发新的有效期", code="review_not_passed")
    old_period, old_until = certificate.period, certificate.valid_until
    start = max(old_until + timedelta(days=1), today())
    until = period_end(start)
    moved = db.session.execute(
        update(Certificate).where(Certificate.id == certificate.id, Certificate.period == old_period)
        .values(period=old_period + 1, valid_from=start, valid_until=until)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not moved:
        db.session.rollback()
        raise Conflict("该活动证已经换发了新的有效期", code="already_renewed")
    actor = actor_name(principal)
    note = (note or "").strip() or None
    db.session.add(CertificatePeriod(certificate_id=certificate.id, period=old_period + 1, valid_from=start,
                                     valid_until=until, note=note, recorded_by=actor, recorded_at=utcnow()))
    db.session.refresh(certificate)
    _record_certificate(certificate.member, certificate, "renewed")
    audit.record("certificate.renewed", "member", certificate.member_id, {
        "certificate_id": certificate.id, "period": old_period + 1, "previous_valid_until": old_until.isoformat(),
        "valid_from": start.isoformat(), "valid_until": until.isoformat(), "note": note})
    db.session.commit()
    db.session.refresh(certificate)
    return certificate


def _month_window(on: date) -> tuple[date, date]:
    return on.replace(day=1), on.replace(day=monthrange(on.year, on.month)[1])


def branch_certificates(principal: Principal, branch_id: int, due: str | None, page: int, per_page: int) -> dict:
    """The certificates of a branch's active members (mobile or home village branch), by the date they end.

    `due=this_month`: the period ends this month (年审 due); `due=expired`: already ended. Audited."""
    branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
    member_of = Member.mobile_branch_id if branch.kind == "mobile" else Member.village_branch_id
    stmt = (select(Certificate).join(Member, Member.id == Certificate.member_id)
            .where(member_of == branch.id, Member.status == "active"))
    now = today()
    if due == "this_month":
        first, last = _month_window(now)
        stmt = stmt.where(Certificate.valid_until.between(first, last))
    elif due == "expired":
        stmt = stmt.where(Certificate.valid_until < now)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(db.session.scalars(stmt.order_by(Certificate.valid_until, Certificate.id)
                                    .limit(per_page).offset((page - 1) * per_page)))
    audit.record("certificate.list_read", "branch", branch.id, {
        "due": due, "page": page, "member_ids": [c.member_id for c in items]})
    db.session.commit()
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def township_counts(principal: Principal, township_id: int) -> dict:
    """How many certificates of the township's active members have expired, are due this month, exist at all."""
    township = db.session.get(Township, township_id)
    if township is None or not db.session.scalar(select(Township.id).where(
            Township.id == township_id, scope.township_filter(principal))):
        raise NotFound("找不到该乡镇")
    now = today()
    first, last = _month_window(now)
    base = (select(func.count(Certificate.id)).join(Member, Member.id == Certificate.member_id)
            .where(Member.township_id == township.id, Member.status == "active"))
    return {
        "township": township,
        "total": db.session.scalar(base),
        "expired": db.session.scalar(base.where(Certificate.valid_until < now)),
        "due_this_month": db.session.scalar(base.where(Certificate.valid_until.between(first, last))),
        "on": now,
    }


def expired_count(township_id: int) -> int:
    """Expired certificates of a township's active members (for the township dashboard; no scope check)."""
    return db.session.scalar(select(func.count(Certificate.id)).join(Member, Member.id == Certificate.member_id)
                             .where(Member.township_id == township_id, Member.status == "active",
                                    Certificate.valid_until < today()))


def mine(member_id: int) -> Certificate:
    """The member's own certificate (number, valid until), 404 when none is registered."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.member_id == member_id))
    if certificate is None:
        raise NotFound("尚未登记流动党员活动证，请联系支部书记", code="no_certificate")
    return certificate


# ---- the roster import (server/members/roster.py calls these inside its one transaction) ------------------

def roster_problems(county_id: int, rows: list[tuple[int, str, str]]) -> list[str]:
    """Reasons why rows (line, member's ID-number hash, certificate number) cannot take their numbers: a number
    twice in the file for different people, or already registered in the county to someone else."""
    problems, seen = [], {}
    for line, id_hash, number in rows:
        first = seen.setdefault(number, (line, id_hash))
        if first[1] != id_hash:
            problems.append(f"第 {line} 行：活动证编号 {number} 与第 {first[0]} 行重复")
    numbers = list(seen)
    holders: dict[str, str] = {}
    for start in range(0, len(numbers), 900):
        holders.update(db.session.execute(
            select(Certificate.number, Member.id_number_hash).join(Member, Member.id == Certificate.member_id)
            .where(Certificate.county_id == county_id, Certificate.number.in_(numbers[start:start + 900]))).all())
    for line, id_hash, number in rows:
        if number in holders and holders[number] != id_hash:
            problems.append(f"第 {line} 行：活动证编号 {number} 在本县已登记给其他党员")
    return problems


def link_from_roster(member: Member, county_id: int, number: str) -> Certificate:
    """Create the register entry of a roster row's number, or renumber the member's entry (add and flush only)."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.member_id == member.id))
    if certificate is None:
        certificate = _new_certificate(member, county_id, number, today(), "roster", "roster-import")
        audit.record("certificate.issued", "member", member.id, {
            "certificate_id": certificate.id, "number": number, "source": "roster",
            "valid_until": certificate.valid_until.isoformat()}, actor=("cli", None))
        _record_certificate(member, certificate, "issued", flush=False)
    elif certificate.number != number:
        audit.record("certificate.renumbered", "member", member.id, {
            "certificate_id": certificate.id, "from": certificate.number, "to": number}, actor=("cli", None))
        certificate.number = number
        db.session.flush()
        _record_certificate(member, certificate, "renumbered", flush=False)
    return certificate
