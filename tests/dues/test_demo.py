"""The demo dues seeder: mixed standards, paid history, some arrears, a campaign; a second run changes nothing."""
from sqlalchemy import func, select

from server.common.timeutil import current_month
from server.core.members import Member
from server.dues import demo
from server.dues.ledger import in_arrears
from server.dues.models import DuesCampaign, DuesLedgerEntry, DuesStandard
from server.extensions import db
from tests.factories import make_branch, make_member


def test_seed_is_idempotent_and_realistic(ctx):
    branch = make_branch()
    for _ in range(20):
        make_member(branch)
    lines = []
    demo.seed(lines.append)
    counts = (db.session.scalar(select(func.count()).select_from(DuesStandard)),
              db.session.scalar(select(func.count()).select_from(DuesLedgerEntry)))
    demo.seed(lines.append)
    assert (db.session.scalar(select(func.count()).select_from(DuesStandard)),
            db.session.scalar(select(func.count()).select_from(DuesLedgerEntry))) == counts
    members = db.session.scalars(select(Member)).all()
    assert {s.category for s in db.session.scalars(select(DuesStandard))} >= {"salaried", "retired", "farmer", "student"}
    flagged = [m for m in members if in_arrears(m, current_month())]
    assert 1 <= len(flagged) < len(members) // 2
    assert sum(1 for m in members if m.paid_through and m.paid_through >= current_month()[:4]) >= len(members) // 2
    assert db.session.scalar(select(func.count()).select_from(DuesCampaign)) == 1
