"""Small `make_*` factories and token helpers shared by every feature's tests."""
from __future__ import annotations

import itertools
import random
import secrets
from datetime import date, timedelta

from server.extensions import db

_counter = itertools.count(1)
# A venue in the city (GCJ-02) where test meetings happen.
VENUE = (30.5928, 114.3055)


def make_id_number(born: date | None = None) -> str:
    """A valid 18-character resident ID number (right check digit)."""
    from server.common.idcard import check_digit

    born = born or date(1970 + random.randrange(30), random.randrange(1, 13), random.randrange(1, 28))
    first17 = f"420{random.randrange(100, 999)}{born:%Y%m%d}{random.randrange(100, 999)}"
    return first17 + check_digit(first17)


def make_phone() -> str:
    return f"13{random.randrange(10**8, 10**9)}"


def make_county(name: str | None = None):
    """A second (or further) county: a province deployment is data."""
    from server.core.orgs import County

    county = County(name=name or f"测试县{next(_counter)}")
    db.session.add(county)
    db.session.commit()
    return county


def make_township(name: str | None = None, county=None):
    from server.core.orgs import Township, default_county

    county_id = county.id if county is not None else default_county().id
    township = Township(county_id=county_id, name=name or f"测试镇{next(_counter)}")
    db.session.add(township)
    db.session.commit()
    return township


def make_branch(township=None, kind: str = "mobile", name: str | None = None):
    from server.core.orgs import Branch

    township = township or make_township()
    label = "流动党员党支部" if kind == "mobile" else "村党支部"
    branch = Branch(township_id=township.id, kind=kind, name=name or f"{township.name}{label}{next(_counter)}")
    db.session.add(branch)
    db.session.commit()
    return branch


def make_member(mobile_branch=None, **fields):
    """A roster member of a mobile branch (and a home village branch in the same township)."""
    from server.common.crypto import lookup_hash
    from server.core.members import Member

    mobile_branch = mobile_branch or make_branch()
    village = fields.pop("village_branch", None) or make_branch(mobile_branch.township, kind="village")
    id_number = fields.pop("id_number", None) or make_id_number()
    phone = fields.pop("phone", None) or make_phone()
    member = Member(
        name=fields.pop("name", f"党员{next(_counter)}"),
        id_number=id_number, id_number_hash=lookup_hash(id_number),
        phone=phone, phone_hash=lookup_hash(phone),
        township_id=mobile_branch.township_id, village_branch_id=village.id,
        mobile_branch_id=mobile_branch.id, status=fields.pop("status", "active"), **fields,
    )
    db.session.add(member)
    db.session.commit()
    return member


def member_token(member=None, openid: str | None = None) -> str:
    """A live member token for a WeChat account bound to `member` (unbound when None)."""
    from server.common.timeutil import utcnow
    from server.core.accounts import WechatAccount
    from server.core.tokens import MEMBER_TOKEN_TTL, Principal, issue

    account = WechatAccount(openid=openid or "o" + secrets.token_hex(12),
                            member_id=member.id if member else None,
                            bound_at=utcnow() if member else None)
    db.session.add(account)
    db.session.commit()
    principal = Principal(kind="wechat", subject_id=account.id, roles=["member"] if member else [],
                          member_id=member.id if member else None)
    return issue(principal, MEMBER_TOKEN_TTL)


def staff_token(role: str = "county_admin", scope_id: int | None = None, username: str | None = None) -> str:
    """A live staff token (the user is created with a throw-away password hash)."""
    from server.core.accounts import StaffUser
    from server.core.orgs import default_county
    from server.core.tokens import STAFF_TOKEN_TTL, Principal, issue

    if role == "county_admin" and scope_id is None:
        scope_id = default_county().id
    user = StaffUser(username=username or f"staff{next(_counter)}", password_hash="!", role=role, scope_id=scope_id)
    db.session.add(user)
    db.session.commit()
    return issue(Principal(kind="staff", subject_id=user.id, roles=[role], scope_id=scope_id), STAFF_TOKEN_TTL)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_event(branch, **fields):
    """An event of `branch` happening now unless told otherwise (built directly, so it may lie in the past)."""
    from server.checkins.models import Event
    from server.common.timeutil import utcnow

    now = utcnow()
    event = Event(
        branch_id=branch.id, kind=fields.pop("kind", "theme_day"), title=fields.pop("title", "十一月主题党日"),
        lat=VENUE[0], lng=VENUE[1], radius_m=fields.pop("radius_m", 200),
        starts_at=fields.pop("starts_at", now - timedelta(minutes=10)),
        ends_at=fields.pop("ends_at", now + timedelta(hours=2)), place_name=fields.pop("place_name", "江汉区党群服务中心"),
        chair=fields.pop("chair", "王书记"), recorder=fields.pop("recorder", "李委员"), **fields,
    )
    db.session.add(event)
    db.session.commit()
    return event


def months_ago(n: int) -> str:
    from server.common.timeutil import current_month, month_add

    return month_add(current_month(), -n)


def add_standard(member, year: int | None = None, category: str = "salaried", base_fen: int | None = 300000,
                 monthly_fen: int | None = None, reason: str | None = None, approve: bool = True):
    """A standard set directly through the service (as a secretary would)."""
    from server.common.timeutil import current_month
    from server.dues.service import add_standard as service_add

    std = service_add(member, year=year or int(current_month()[:4]), category=category,
                      income_base_fen=base_fen if category in ("salaried", "retired") else None,
                      monthly_fen=monthly_fen, reason=reason, set_by="test-secretary", approve=approve)
    db.session.commit()
    return std


def make_paying_member(branch=None, joined_months_ago: int = 0, **fields):
    """A member created `joined_months_ago` months ago with a 15-yuan salaried standard for every year since."""
    from server.common.timeutil import current_month, month_bounds
    start = months_ago(joined_months_ago)
    member = make_member(branch, created_at=month_bounds(start)[0] + timedelta(hours=1), **fields)
    for year in range(int(start[:4]), int(current_month()[:4]) + 1):
        add_standard(member, year=year)
    return member


def make_key(township=None) -> tuple[str, str]:
    """(key id, secret) of a new key for the township, or the county when None."""
    from server.sync.service import create_key

    key, secret = create_key(township.id if township else None)
    return key.key_id, secret


def make_audit_entry(action: str = "member.read", *, at=None, member=None, township_id=None, actor=("cli", None),
                     detail: dict | None = None, ip: str | None = "203.0.113.7"):
    """An audit row written as it stands (time, ties and detail given; nothing derived), for reading tests."""
    from server.common.timeutil import utcnow
    from server.core.audit import AuditEntry

    entry = AuditEntry(at=at or utcnow(), actor_type=actor[0], actor_id=actor[1], action=action,
                       target_type="member" if member else "scope", target_id=str(member.id) if member else None,
                       ip=ip, detail=detail, member_id=member.id if member else None,
                       township_id=member.township_id if member else township_id)
    db.session.add(entry)
    db.session.commit()
    return entry


def make_xlsx_bomb(inflated_mb: int) -> bytes:
    """A zip shaped like an XLSX whose sheet inflates to `inflated_mb` MB of blanks (a decompression bomb)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                sheet.write(chunk)
    return out.getvalue()


def make_campaign(title: str = "抗洪救灾特殊党费", days_before: int = 10, days_after: int = 30):
    """A special-dues campaign open today (built directly)."""
    from datetime import timedelta as _td

    from server.common.timeutil import SHANGHAI, utcnow
    from server.dues.models import DuesCampaign

    today = utcnow().astimezone(SHANGHAI).date()
    campaign = DuesCampaign(title=title, starts_on=today - _td(days=days_before), ends_on=today + _td(days=days_after),
                            created_by="county")
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_checkin(event, member, **fields):
    """A check-in of `member` at `event` (built directly: no code, no position), 5 minutes after the start."""
    from server.checkins.models import Checkin

    checkin = Checkin(event_id=event.id, member_id=member.id,
                      checked_in_at=fields.pop("checked_in_at", event.starts_at + timedelta(minutes=5)), **fields)
    db.session.add(checkin)
    db.session.commit()
    return checkin


def make_leave(event, member, reason: str = "在外地务工，赶不回来", status: str = "approved"):
    """A leave request of `member` for `event`, already decided as `status` unless pending."""
    from server.checkins.models import LeaveRequest

    leave = LeaveRequest(event_id=event.id, member_id=member.id, reason=reason, status=status)
    db.session.add(leave)
    db.session.commit()
    return leave


def make_image(fmt: str = "JPEG", size: tuple[int, int] = (2000, 1500), *, gps: bool = False) -> bytes:
    """An image of `size` in `fmt`; with `gps`, EXIF that names a camera and a position."""
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    out = BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "测试相机"  # Make
        exif[0x8825] = {1: "N", 2: (30.0, 35.0, 34.0)}  # GPS IFD: latitude
        kwargs["exif"] = exif.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def make_evaluation(member, year: int, grade: str = "合格"):
    """A member's democratic evaluation of `year`, stored directly (as recorded by the secretary)."""
    from server.evaluations.models import Evaluation

    evaluation = Evaluation(member_id=member.id, year=year, grade=grade, recorded_on=date(year, 12, 20),
                            recorded_by="测试书记")
    db.session.add(evaluation)
    db.session.commit()
    return evaluation
