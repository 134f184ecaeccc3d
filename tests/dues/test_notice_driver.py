"""A payment notice runs as one driver-direct transaction (server/common/driversql.py): a dropped pooled
connection costs no notice, and the database lost in the middle leaves nothing half done: the order stays
pending, WeChat's retry credits it once."""
import pytest
from sqlalchemy import func, select

from server.common.driversql import DriverStatement
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues.models import DuesLedgerEntry, DuesOrder, PayNotice
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.dues.helpers import notify, order
from tests.factories import months_ago
from tests.pgfaults import lose_the_database, terminate_other_connections

pytestmark = pytest.mark.postgresql

SUCCESS = "<return_code><![CDATA[SUCCESS]]></return_code>"


def _books(app, order_no: str) -> dict:
    with app.app_context():
        count = lambda model, *where: db.session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
        return {"status": db.session.scalar(select(DuesOrder.status).where(DuesOrder.order_no == order_no)),
                "ledger": count(DuesLedgerEntry), "notices": count(PayNotice),
                "paid_changes": count(OutboxChange, OutboxChange.type == "dues.paid"),
                "paid_through": db.session.scalar(select(Member.paid_through))}


def _paid_order(app, client, token) -> tuple[str, str]:
    order_no = order(client, token, [months_ago(3), months_ago(2)]).get_json()["order_no"]
    xml = emu_pay.pay_order(app.config, order_no)
    db.session.commit()
    return order_no, xml


def test_a_notice_on_a_dropped_pooled_connection_is_credited_once(app, client, token, member):
    order_no, xml = _paid_order(app, client, token)
    assert terminate_other_connections(app) >= 1
    assert SUCCESS in notify(client, xml).get_data(as_text=True)
    assert SUCCESS in notify(client, xml).get_data(as_text=True)  # WeChat's retry: a repeat
    assert _books(app, order_no) == {"status": "paid", "ledger": 2, "notices": 2, "paid_changes": 1,
                                     "paid_through": months_ago(2)}


def test_the_database_lost_mid_notice_is_503_with_nothing_kept_and_the_retry_credits(app, client, token, member,
                                                                                    monkeypatch):
    order_no, xml = _paid_order(app, client, token)
    before = _books(app, order_no)
    real_rows = DriverStatement.rows
    calls = []

    def rows_then_lose(self, **values):
        found = real_rows(self, **values)
        calls.append(1)
        if len(calls) == 1:  # the order moved and the member locked; then the database goes
            lose_the_database(patched)
        return found

    with monkeypatch.context() as patched:  # leaving it, the database is back
        patched.setattr(DriverStatement, "rows", rows_then_lose)
        answer = notify(client, xml)
        assert answer.status_code == 503 and answer.get_json()["code"] == "service_unavailable"
    assert _books(app, order_no) == {**before, "status": "pending"}
    assert SUCCESS in notify(client, xml).get_data(as_text=True)
    assert _books(app, order_no) == {"status": "paid", "ledger": 2, "notices": 1, "paid_changes": 1,
                                     "paid_through": months_ago(2)}
