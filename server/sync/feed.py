"""The change feed and the digest: what a township reads (docs/sync-api.md, docs/sync-ordering.md)."""
from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from server.common.timeutil import isoformat
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.core.scope import county_townships
from server.extensions import db
from server.sync import sequencer
from server.sync.models import SyncKey

DIGEST_TYPES = ("checkin.created", "dues.paid", "dues.refunded")


def scoped(query, key: SyncKey):
    """Limit an outbox query to the key's township (a county key: its county's townships)."""
    if key.township_id is not None:
        return query.where(OutboxChange.township_id == key.township_id)
    return query.where(OutboxChange.township_id.in_(county_townships(key.county_id)))


def change_out(change: OutboxChange) -> dict:
    """A change as townships receive it."""
    return {"seq": change.seq, "type": change.type, "member_id": change.member_id,
            "township_id": change.township_id, "at": isoformat(change.at), "data": change.data}


def read_changes(key: SyncKey, after: int, limit: int) -> list[OutboxChange]:
    """Sequenced changes of the key's scope after a cursor, in seq order."""
    query = scoped(select(OutboxChange).where(OutboxChange.seq > after), key)
    return list(db.session.execute(query.order_by(OutboxChange.seq).limit(limit)).scalars())


def changes_page(key: SyncKey, after: int, limit: int) -> dict:
    """One page of the feed: {changes, next, more}; `next` is where to resume, always."""
    # Sequence what has committed so far; a busy sequencer means someone else is doing it.
    sequencer.sequence_soon()
    rows = read_changes(key, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"changes": [change_out(c) for c in rows], "next": rows[-1].seq if rows else after, "more": more}


def digest_lines(members: list[tuple[int, str]], checkin_ids: set, orders: dict[str, int]) -> list[str]:
    """The canonical listing hashed by the digest (docs/sync-api.md, "The digest hash")."""
    lines = [f"M {member_id} {status}" for member_id, status in sorted(members)]
    lines += [f"C {checkin_id}" for checkin_id in sorted(checkin_ids, key=int)]
    lines += [f"O {order_no} {net}" for order_no, net in sorted(orders.items())]
    return lines


def digest(key: SyncKey, month: str) -> dict:
    """{members, checkins, paid_fen, hash, through_seq} over the key's scope for one month."""
    sequencer.sequence_pending()
    through = db.session.execute(scoped(select(func.coalesce(func.max(OutboxChange.seq), 0)), key)).scalar_one()
    members_query = select(Member.id, Member.status).where(
        Member.township_id == key.township_id if key.township_id is not None
        else Member.township_id.in_(county_townships(key.county_id)))
    members = [(row.id, row.status) for row in db.session.execute(members_query)]
    rows = db.session.execute(scoped(
        select(OutboxChange.type, OutboxChange.data)
        .where(OutboxChange.digest_month == month, OutboxChange.type.in_(DIGEST_TYPES),
               OutboxChange.seq.is_not(None), OutboxChange.seq <= through), key))
    checkin_ids: set = set()
    paid: dict[str, int] = {}
    refunded: dict[str, int] = {}
    for change_type, data in rows:
        if change_type == "checkin.created":
            checkin_ids.add(data["checkin_id"])
        elif change_type == "dues.paid":
            paid[data["order_no"]] = int(data["amount_fen"])
        else:
            refunded[data["order_no"]] = refunded.get(data["order_no"], 0) + int(data["amount_fen"])
    orders = {no: paid.get(no, 0) - refunded.get(no, 0) for no in paid.keys() | refunded.keys()}
    text = "\n".join(digest_lines(members, checkin_ids, orders))
    db.session.rollback()
    return {"month": month, "members": len(members), "checkins": len(checkin_ids),
            "paid_fen": sum(orders.values()), "hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "through_seq": through}
