"""The demo county: townships, branches, members, staff and two WeChat accounts (idempotent)."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from server.auth.service import create_staff
from server.common.crypto import lookup_hash
from server.common.idcard import check_digit
from server.common.timeutil import month_add, month_bounds, month_of, utcnow
from server.core import audit
from server.core.accounts import StaffUser, WechatAccount
from server.core.member_changes import record_member_upserted
from server.core.members import Member, MemberStatusChange
from server.core.orgs import Branch, Township, default_county
from server.extensions import db
from server.members.models import Report
from server.members.service import add_report

# (township, login prefix, certificate prefix, ID-number area code, home villages)
TOWNSHIPS = (
    ("金山镇", "jinshan", "JS", "420322", ("金山村", "桃树湾村", "黄龙洞村", "石门村")),
    ("西斗铺镇", "xidoupu", "XD", "420322", ("西斗铺村", "青龙村", "马家河村")),
    ("蒋家堰镇", "jiangjiayan", "JJ", "420322", ("蒋家堰村", "天河口村", "双庙村")),
    ("城关镇", "chengguan", "CG", "420322", ("城关社区", "东岳庙村")),
    ("龙潭镇", "longtan", "LT", "420322", ("龙潭村", "白果树村", "柳林村")),
    ("桃园镇", "taoyuan", "TY", "420322", ("桃园村", "杨家坪村", "板桥村", "花果村")),
)
STAFF_PASSWORDS = {"county_admin": "demo-county-2026", "township_admin": "demo-township-2026",
                   "branch_secretary": "demo-secretary-2026"}
DEMO_OPENIDS = ("demo-openid-jinshan-1", "demo-openid-jinshan-2")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏"
_GIVEN = ("建国", "志强", "秀英", "桂兰", "德明", "春华", "海军", "丽娟", "永红", "文斌", "小燕", "国庆", "玉梅",
          "红霞", "俊杰", "晓东", "明辉", "淑芬", "家豪", "长江", "新民", "金凤", "双喜", "立新", "静", "勇",
          "磊", "敏", "涛", "芳", "军", "霞", "波", "燕", "鹏", "婷")
_DESTINATIONS = (
    ("十堰市", ("东风汽车零部件（集团）有限公司", "十堰市茅箭区人民医院", "十堰汽配城商户", "十堰市物流园",
                "东风商用车车身厂", "十堰市城区建筑工地")),
    ("襄阳市", ("襄阳东风康明斯发动机公司", "襄阳高新区电子厂", "襄阳万达广场物业", "襄阳市樊城区家政公司")),
    ("武汉市", ("武汉光谷电子科技公司", "武汉东湖高新区物流中心", "汉口火车站快递网点", "武汉市洪山区餐饮店")),
)


def _person(rng: random.Random, area: str, used: set[str]) -> tuple[str, str, str]:
    """A realistic name, a valid ID number (unique) and a mobile number."""
    while True:
        born = date(1962, 1, 1) + timedelta(days=rng.randrange(365 * 38))
        first17 = f"{area}{born:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = first17 + check_digit(first17)
        if id_number not in used:
            used.add(id_number)
            break
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    phone = rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"
    return name, id_number, phone

# Streets of each destination city, so that a report-in's address lies in the city it names.
_STREETS = {
    "十堰市": ("茅箭区北京中路", "张湾区车城西路", "茅箭区五堰街"),
    "襄阳市": ("樊城区长虹路", "襄城区檀溪路", "高新区追日路"),
    "武汉市": ("洪山区珞喻路", "江汉区解放大道", "东湖高新区光谷大道", "硚口区汉正街"),
}


def seed(echo) -> None:
    """Create what is missing of the demo county; a second run changes nothing and says so."""
    created = {"townships": 0, "branches": 0, "members": 0, "staff": 0, "wechat": 0, "reports": 0}
    now = utcnow()
    used: set[str] = set()
    jinshan_members: list[Member] = []
    mobile_branches: dict[str, Branch] = {}
    for index, (name, login, cert, area, villages) in enumerate(TOWNSHIPS):
        rng = random.Random(f"demo-county-{index}")
        township = _get_or_create(Township, created, "townships", county_id=default_county().id, name=name)
        village_branches = [_get_or_create(Branch, created, "branches", township_id=township.id, kind="village",
                                           name=f"{village}党支部") for village in villages]
        mobile = _get_or_create(Branch, created, "branches", township_id=township.id, kind="mobile",
                                name=f"{name}流动党员党支部")
        mobile_branches[name] = mobile
        for n in range(rng.randrange(15, 26)):
            person_name, id_number, phone = _person(rng, area, used)
            city, employers = rng.choice(_DESTINATIONS)
            left_on = date(2018, 1, 1) + timedelta(days=rng.randrange(365 * 7))
            status = ("returned", "lost_contact", "suspended")[n % 3] if n in (7, 13, 19) else "active"
            # Draw everything before looking the member up, so every run walks the same random sequence.
            village, employer = rng.choice(village_branches), rng.choice(employers)
            idle_days = 240 if status == "lost_contact" else rng.randrange(1, 40)
            member = db.session.execute(
                select(Member).filter_by(id_number_hash=lookup_hash(id_number))).scalar_one_or_none()
            if member is None:
                member = Member(
                    name=person_name, id_number=id_number, id_number_hash=lookup_hash(id_number),
                    phone=phone, phone_hash=lookup_hash(phone), township=township,
                    village_branch=village, mobile_branch=mobile, left_on=left_on,
                    destination=city, employer=employer,
                    certificate_no=f"{cert}-{left_on.year}-{n + 1:04d}", is_committee=n < 3, status=status,
                    last_activity_at=now - timedelta(days=idle_days),
                    created_at=now, updated_at=now,
                )
                db.session.add(member)
                db.session.flush()
                if status != "active":
                    db.session.add(MemberStatusChange(
                        member_id=member.id, from_status="active", to_status=status, actor="demo", at=now,
                        reason={"returned": "已返乡务农", "lost_contact": "半年以上未报到、未参加活动，书记已确认失联",
                                "suspended": "因故暂停流动党员管理"}[status]))
                record_member_upserted(member, at=now)
                created["members"] += 1
            if index == 0 and status == "active" and len(jinshan_members) < len(DEMO_OPENIDS):
                jinshan_members.append(member)

    created["reports"] = _seed_reports(now)
    for openid, member in zip(DEMO_OPENIDS, jinshan_members):
        if db.session.execute(select(WechatAccount.id).filter_by(openid=openid)).first() is None:
            if db.session.execute(select(WechatAccount.id).filter_by(member_id=member.id)).first() is None:
                db.session.add(WechatAccount(openid=openid, member_id=member.id, created_at=now, bound_at=now))
                created["wechat"] += 1
    if any(created.values()):
        audit.record("demo.seeded", "county", None, dict(created), actor=("cli", None))
    db.session.commit()

    accounts = [("county", "county_admin", None, "县委组织部")]
    for name, login, *_ in TOWNSHIPS:
        township_id = mobile_branches[name].township_id
        accounts.append((login, "township_admin", township_id, f"{name}党委"))
        accounts.append((f"{login}-sj", "branch_secretary", mobile_branches[name].id, f"{name}流动党员党支部书记"))
    for username, role, scope_id, display in accounts:
        if db.session.execute(select(StaffUser.id).filter_by(username=username)).first() is None:
            create_staff(username, role, scope_id, STAFF_PASSWORDS[role], display_name=display)
            created["staff"] += 1

    if not any(created.values()):
        echo("演示数据已存在，未做任何改动。")
    else:
        echo("演示县已建立：新建乡镇 {townships} 个、支部 {branches} 个、党员 {members} 人、"
             "工作人员 {staff} 个、已绑定微信 {wechat} 个、月度报到 {reports} 条。".format(**created))
    echo("演示登录（工作人员）：")
    echo(f"  县级管理员   county / {STAFF_PASSWORDS['county_admin']}")
    echo(f"  金山镇管理员 jinshan / {STAFF_PASSWORDS['township_admin']}（其他乡镇：xidoupu、jiangjiayan、chengguan、"
         "longtan、taoyuan，密码相同）")
    echo(f"  金山镇流动党员党支部书记 jinshan-sj / {STAFF_PASSWORDS['branch_secretary']}（其他乡镇：<乡镇>-sj）")
    echo("演示登录（党员，经微信模拟器）：")
    for openid, member in zip(DEMO_OPENIDS, jinshan_members):
        echo(f"  openid {openid} → {member.name}（{member.mobile_branch.name}）")


def _seed_reports(now) -> int:
    """Monthly report-ins of active members over the last six months (once: skipped when any exist)."""
    if db.session.execute(select(Report.id).limit(1)).first() is not None:
        return 0
    members = db.session.execute(select(Member).where(Member.status == "active").order_by(Member.id)).scalars()
    count = 0
    this_month = month_of(now)
    for member in members:
        rng = random.Random(f"demo-reports-{member.id}")
        for back in range(5, -1, -1):
            month = month_add(this_month, -back)
            start, _ = month_bounds(month)
            day = rng.randrange(1, 9)
            at = start + timedelta(days=day, hours=rng.randrange(8, 21), minutes=rng.randrange(60))
            # Most members report early in the month; about a third have not yet this month.
            if at > now or rng.random() < (0.35 if back == 0 else 0.12):
                continue
            city = member.destination if member.destination in _STREETS else "武汉市"
            street = rng.choice(_STREETS[city])
            add_report(member, city, f"{city}{street}{rng.randrange(1, 300)}号",
                       member.employer or "个体经营", None, None, at)
            count += 1
    return count


def _get_or_create(model, created: dict, counter: str, **fields):
    row = db.session.execute(select(model).filter_by(**fields)).scalar_one_or_none()
    if row is None:
        row = model(created_at=utcnow(), **fields)
        db.session.add(row)
        db.session.flush()
        created[counter] += 1
    return row
