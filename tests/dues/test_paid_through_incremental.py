"""paid_through advanced from where it stood (server/dues/credit.py) equals the full recomputation
(`Position.advanced_paid_through`) over random credited months, reversals, paid_through values and exemptions,
including months paid out of order."""
import random

import pytest
from sqlalchemy import insert

from server.common.timeutil import current_month, month_add
from server.dues import credit
from server.dues.models import DuesLedgerEntry
from server.dues.service import Position, credited_months, position
from server.extensions import db
from tests.factories import add_standard, make_paying_member


def _book(member, months, entry_type):
    if months:
        db.session.execute(insert(DuesLedgerEntry), [
            {"member_id": member.id, "township_id": member.township_id, "branch_id": member.mobile_branch_id,
             "kind": "monthly", "month": m, "entry_type": entry_type,
             "amount_fen": 1500 if entry_type == "payment" else -1500} for m in months])


@pytest.mark.parametrize("exempt_year", [None, -1, 0])
def test_incremental_paid_through_matches_the_full_recomputation(branch, exempt_year):
    member = make_paying_member(branch, joined_months_ago=20)
    if exempt_year is not None:
        add_standard(member, year=int(current_month()[:4]) + exempt_year, category="hardship", monthly_fen=0,
                     reason="生活困难")
    today = current_month()
    window = [month_add(today, n) for n in range(-22, 7)]
    rng = random.Random(f"paid-through-{exempt_year}")
    for _ in range(150):
        attempt = db.session.begin_nested()  # the ledger is append-only: each attempt is rolled back
        old = [m for m in window if rng.random() < 0.4]
        reversed_ = [m for m in old if rng.random() < 0.2]
        _book(member, old, "payment")
        _book(member, reversed_, "reversal")
        free = [m for m in window if m not in set(old) - set(reversed_)]
        new = sorted(rng.sample(free, min(len(free), rng.randint(1, 4))))
        member.paid_through = rng.choice([None, *window[:-6]])
        db.session.flush()
        full = position(member)
        expected = Position(member=member, by_year=full.by_year,
                            credited=credited_months([member.id])[member.id] | set(new), start=full.start,
                            today=today).advanced_paid_through()
        row = credit._Row(member_id=member.id, paid_through=member.paid_through, created_at=member.created_at)
        assert credit.advanced_paid_through(row, new) == expected, (row.paid_through, old, reversed_, new)
        attempt.rollback()
