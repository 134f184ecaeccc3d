"""The demo notices: one to the county, one per mobile branch from its secretary, read by the WeChat members; once."""
from sqlalchemy import func, select

from server.core.accounts import StaffUser, WechatAccount
from server.extensions import db
from server.notices import demo
from server.notices.models import Notice, NoticeRead
from tests.factories import make_branch, make_member, staff_token


def test_seed_publishes_once_and_reads_come_from_wechat_members(ctx):
    branch = make_branch()
    bound, unbound = make_member(branch), make_member(branch)
    staff_token("county_admin", username="county")
    staff_token("branch_secretary", branch.id, username="sj")
    db.session.add(WechatAccount(openid="demo-openid", member_id=bound.id))
    db.session.commit()
    lines = []
    demo.seed(lines.append)
    notices = db.session.scalars(select(Notice).order_by(Notice.id)).all()
    assert [(n.audience_type, n.publisher) for n in notices] == [("county", "county"), ("branch", "sj")]
    assert sorted(db.session.execute(select(NoticeRead.notice_id, NoticeRead.member_id)).all()) == [
        (notices[0].id, bound.id), (notices[1].id, bound.id)]
    assert lines == ["通知：发布了 2 条通知，已读 2 人次"]
    demo.seed(lines.append)
    assert lines[-1] == "通知：已有通知，未做改动"
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 2
    assert unbound.id not in db.session.scalars(select(NoticeRead.member_id)).all()
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 2
