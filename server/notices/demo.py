"""Demo notices (idempotent: nothing is added once any notice exists): one from the county to everyone, and one
from each mobile branch's secretary to the branch, read by the members on WeChat, so the counts and the list of
who has not read show something to follow up."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.common.timeutil import utcnow
from server.core import audit
from server.core.accounts import StaffUser, WechatAccount
from server.core.members import Member
from server.core.orgs import Branch, default_county
from server.extensions import db
from server.notices.models import Notice, NoticeRead

COUNTY_NOTICE = ("关于开展年度民主评议党员工作的通知",
                 "各流动党员党支部：\n请于本月底前完成年度民主评议党员工作，评议结果报乡镇党委。\n县委组织部")
BRANCH_NOTICE = ("关于召开本月主题党日活动的通知",
                 "本月 10 日上午 9 点在党群服务中心开展主题党日活动，不能参加的请提前在小程序请假。")


def seed(echo) -> None:
    """Publish the demo notices and mark them read by the demo's WeChat members."""
    if db.session.execute(select(Notice.id).limit(1)).first() is not None:
        echo("通知：已有通知，未做改动")
        return
    county = default_county()
    now = utcnow()
    notices = []
    admin = db.session.execute(select(StaffUser).filter_by(role="county_admin").order_by(StaffUser.id)).scalars().first()
    if admin is not None:
        notices.append(_notice(admin, "county", county.id, None, None, COUNTY_NOTICE, now - timedelta(days=3), True))
    branches = db.session.execute(select(Branch).filter_by(kind="mobile").order_by(Branch.id)).scalars().all()
    for branch in branches:
        secretary = db.session.execute(select(StaffUser).filter_by(role="branch_secretary", scope_id=branch.id)
                                       .order_by(StaffUser.id)).scalars().first()
        if secretary is not None:
            notices.append(_notice(secretary, "branch", county.id, branch.township_id, branch.id, BRANCH_NOTICE,
                                   now - timedelta(days=1), False))
    db.session.flush()
    readers = db.session.execute(select(Member).join(WechatAccount, WechatAccount.member_id == Member.id)).scalars().all()
    reads = 0
    for notice in notices:
        for member in readers:
            if notice.audience_type == "county" or member.mobile_branch_id == notice.branch_id:
                db.session.add(NoticeRead(notice_id=notice.id, member_id=member.id, read_at=now))
                reads += 1
    for notice in notices:
        audit.record("notice.published", "notice", notice.id, {"audience": notice.audience_type, "title": notice.title},
                     actor=("staff", str(notice.published_by)))
    db.session.commit()
    echo(f"通知：发布了 {len(notices)} 条通知，已读 {reads} 人次")


def _notice(publisher: StaffUser, audience: str, county_id: int, township_id, branch_id, text, at, pinned) -> Notice:
    notice = Notice(audience_type=audience, county_id=county_id, township_id=township_id, branch_id=branch_id,
                    title=text[0], body=text[1], pinned=pinned, published_by=publisher.id,
                    publisher=publisher.username, created_at=at)
    db.session.add(notice)
    return notice
