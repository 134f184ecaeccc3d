"""The member's notices: those addressed to their county, township or branches, pinned first, then newest.

A notice past its `expires_on` (Beijing date) is no longer shown. Marking one read inserts at most one
row (`INSERT … ON CONFLICT DO NOTHING`), so repeated and concurrent marks all answer 204.
"""
from __future__ import annotations

from sqlalchemy import exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.common.pagination import paginate
from server.common.timeutil import local, utcnow
from server.core.members import Member
from server.errors import NotFound
from server.extensions import db, is_postgresql
from server.notices.audience import addressed_to
from server.notices.models import Notice, NoticeRead


def _shown_to(member: Member):
    today = local(utcnow()).date()
    return select(Notice).where(addressed_to(member), or_(Notice.expires_on.is_(None), Notice.expires_on >= today))


def my_notices(member_id: int, page: int, per_page: int) -> dict:
    """A page of the member's notices, each with `read`, and the count of unread ones (the home-page badge)."""
    shown = _shown_to(_member(member_id))
    result = paginate(shown.order_by(Notice.pinned.desc(), Notice.created_at.desc(), Notice.id.desc()),
                      page, per_page)
    read = set(db.session.scalars(select(NoticeRead.notice_id).where(
        NoticeRead.member_id == member_id, NoticeRead.notice_id.in_([n.id for n in result["items"]]))))
    result["items"] = [{"notice": notice, "read": notice.id in read} for notice in result["items"]]
    unread = shown.where(~exists().where(NoticeRead.notice_id == Notice.id, NoticeRead.member_id == member_id))
    result["unread"] = db.session.scalar(select(func.count()).select_from(unread.subquery()))
    return result


def mark_read(member_id: int, notice_id: int) -> None:
    """Record that the member read a notice addressed to them (404 otherwise); repeatable."""
    notice = db.session.execute(_shown_to(_member(member_id)).where(Notice.id == notice_id)).scalar_one_or_none()
    if notice is None:
        raise NotFound("找不到该通知")
    insert = pg_insert if is_postgresql() else sqlite_insert
    db.session.execute(insert(NoticeRead).values(notice_id=notice.id, member_id=member_id, read_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["notice_id", "member_id"]))
    db.session.commit()


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该党员")
    return member
