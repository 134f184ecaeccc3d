"""Publishing notices and the staff's view of them: read and unread counts, and who has not read.

The counts cover every active member of the audience, bound to WeChat or not: a member who never opened the
mini-program is someone to call, not someone to leave out. Publishing commits first and only then queues
the subscribe messages (server/notices/messages.py), so a slow WeChat never holds the transaction.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from server.common.pagination import paginate
from server.common.timeutil import utcnow
from server.core import audit
from server.core.accounts import WechatAccount, actor_name
from server.core.members import Member
from server.core.tokens import Principal
from server.errors import NotFound
from server.extensions import db
from server.jobs import enqueue
from server.notices import messages
from server.notices.audience import audience_members, audience_ref, resolve_target, visible_to_staff
from server.notices.models import Notice, NoticeRead


def publish(principal: Principal, title: str, body: str, township_id: int | None = None,
            branch_id: int | None = None, pinned: bool = False, expires_on: date | None = None) -> dict:
    """Publish a notice to the scope asked for (404 outside the publisher's scope), audited; then queue its messages."""
    target = resolve_target(principal, township_id, branch_id)
    notice = Notice(audience_type=target.audience_type, county_id=target.county_id, township_id=target.township_id,
                    branch_id=target.branch_id, title=title.strip(), body=body.strip(), pinned=pinned,
                    expires_on=expires_on, published_by=principal.subject_id, publisher=actor_name(principal),
                    created_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    audit.record("notice.published", "notice", notice.id, {
        "audience": target.audience_type, "township_id": target.township_id, "branch_id": target.branch_id,
        "title": notice.title, "pinned": pinned, "expires_on": expires_on.isoformat() if expires_on else None,
    })
    db.session.commit()
    enqueue(messages.send_notice_messages, notice.id)
    return _with_counts(notice)


def list_for_staff(principal: Principal, page: int, per_page: int) -> dict:
    """The notices the staff user may see (their own and those addressed inside their scope), newest first."""
    query = (select(Notice).where(visible_to_staff(principal))
             .order_by(Notice.created_at.desc(), Notice.id.desc()))
    result = paginate(query, page, per_page)
    result["items"] = [_with_counts(notice) for notice in result["items"]]
    return result


def notice_detail(principal: Principal, notice_id: int) -> dict:
    """One notice the staff user may see, with its audience and read counts (404 otherwise)."""
    return _with_counts(_staff_notice(principal, notice_id))


def unread_members(principal: Principal, notice_id: int, page: int, per_page: int) -> dict:
    """The active members of the audience who have not read the notice (phones masked); the read is audited."""
    notice = _staff_notice(principal, notice_id)
    query = (select(Member).where(audience_members(notice), Member.status == "active", ~_has_read(notice))
             .options(selectinload(Member.mobile_branch)).order_by(Member.name, Member.id))
    result = paginate(query, page, per_page)
    bound = set(db.session.scalars(select(WechatAccount.member_id).where(
        WechatAccount.member_id.in_([m.id for m in result["items"]]))))
    for member in result["items"]:
        member.bound = member.id in bound
    audit.record("notice.unread_read", "notice", notice.id, {
        "page": page, "total": result["total"], "member_ids": [m.id for m in result["items"]]})
    db.session.commit()
    return result


def _staff_notice(principal: Principal, notice_id: int) -> Notice:
    notice = db.session.execute(select(Notice).where(Notice.id == notice_id, visible_to_staff(principal))
                                ).scalar_one_or_none()
    if notice is None:
        raise NotFound("找不到该通知")
    return notice


def _has_read(notice: Notice):
    return exists().where(NoticeRead.notice_id == notice.id, NoticeRead.member_id == Member.id)


def _with_counts(notice: Notice) -> dict:
    active = select(Member.id).where(audience_members(notice), Member.status == "active")
    total = db.session.scalar(select(func.count()).select_from(active.subquery()))
    read = db.session.scalar(select(func.count()).select_from(active.where(_has_read(notice)).subquery()))
    return {"notice": notice, "audience": audience_ref(notice), "read_count": read, "unread_count": total - read}
