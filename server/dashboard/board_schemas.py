"""Schemas of the month list, the branch board and the county-wide member lists."""
from __future__ import annotations

from marshmallow import Schema, fields

from server.common.schemas import Instant, OrgRef
from server.dashboard.schemas import MemberRow, NamedFigures, SeriesPoint


class MonthsOut(Schema):
    current = fields.String(metadata={"description": "本月（北京时间）"})
    latest_with_data = fields.String(allow_none=True, metadata={
        "description": "截至本月、最近一个有报到/签到/缴费数据的月份；从无数据时为 null。看板默认打开此月"})
    current_has_data = fields.Boolean()
    months_with_data = fields.List(fields.String(), metadata={"description": "近 24 个月中有数据的月份，新的在前"})


class PersonRow(MemberRow):
    """A member row of the township tables, with the township named (the county lists span townships)."""

    township = fields.Nested(OrgRef)


class ArrearsPerson(PersonRow):
    months_owed = fields.Integer()


class FlaggedPerson(PersonRow):
    flag_id = fields.Integer()
    flagged_at = Instant()
    last_seen_at = Instant()


class ArrearsPeople(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(ArrearsPerson))


class LostPeople(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(PersonRow))


class FlaggedPeople(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(FlaggedPerson))


class PeopleOut(Schema):
    month = fields.String()
    arrears = fields.Nested(ArrearsPeople, metadata={"description": "欠缴满 6 个月（口径同 arrears_6m），最多 100 人"})
    lost_contact = fields.Nested(LostPeople, metadata={"description": "状态为 lost_contact 的党员，最多 100 人"})
    flagged = fields.Nested(FlaggedPeople, metadata={"description": "待支部书记确认的失联标记，最多 100 个"})


class BranchBoardOut(PeopleOut):
    branch = fields.Nested(OrgRef)
    township = fields.Nested(OrgRef)
    totals = fields.Nested(NamedFigures)
    series = fields.List(fields.Nested(SeriesPoint), metadata={"description": "截至所选月份的 12 个月"})
