"""A payment notice costs five PostgreSQL round trips: BEGIN, the guarded UPDATE that also locks the member,
one read under the lock, one statement of writes, COMMIT. A repeat moves nothing and writes only its evidence."""
import pytest
from sqlalchemy import func, select

from server.core.members import Member
from server.dues.models import DuesLedgerEntry, PayNotice
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.dues.helpers import notify, order
from tests.factories import months_ago
from tests.roundtrips import RoundTrips

pytestmark = pytest.mark.postgresql

SUCCESS = "<return_code><![CDATA[SUCCESS]]></return_code>"


def test_a_notice_is_five_round_trips_and_a_repeat_four(app, client, token, member, monkeypatch):
    order_no = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, order_no)
    db.session.commit()
    with RoundTrips(db.engine, monkeypatch) as first:
        assert SUCCESS in notify(client, xml).get_data(as_text=True)
    assert len(first.sent) == 5, first.sent
    assert first.sent[0] == "BEGIN" and first.sent[-1] == "COMMIT"
    assert sum("dues_orders" in s for s in first.sent) == 1, first.sent  # the order is never read again
    assert sum("FOR NO KEY UPDATE" in s for s in first.sent) == 1, first.sent  # one member lock
    with RoundTrips(db.engine, monkeypatch) as repeat:
        assert SUCCESS in notify(client, xml).get_data(as_text=True)
    # BEGIN, the UPDATE that moves nothing, the read of the order, the evidence row, COMMIT.
    assert len(repeat.sent) == 5, repeat.sent
    db.session.expire_all()
    assert db.session.get(Member, member.id).paid_through == months_ago(2)
    assert db.session.scalar(select(func.count()).select_from(DuesLedgerEntry)) == 2
    assert db.session.scalar(select(func.count()).select_from(PayNotice)) == 2
