"""Dues test helpers: members with standards, ordering and paying through the emulator."""
from __future__ import annotations

import threading
from datetime import timedelta

from server.common.timeutil import utcnow
from server.extensions import db
from server.wechat.emulator import pay as emu_pay
from tests.factories import (
    bearer,
)


def order(client, token, months=None, **body):
    body = body or {"months": months}
    return client.post("/api/v1/dues/orders", json=body, headers=bearer(token))


def notify(client, xml):
    return client.post("/api/v1/pay/wechat/notify", data=xml, content_type="text/xml")


def pay(app, client, order_no):
    """The member pays in WeChat and WeChat sends the notice."""
    xml = emu_pay.pay_order(app.config, order_no)
    return notify(client, xml)


def run_threads(app, count, target):
    """Run target(i) in `count` threads at once, each with its own app context; returns results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = target(i)
            except Exception as err:  # noqa: BLE001 - surfaced by the test's assertions
                results[i] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def backdate_order(order_no, seconds=30):
    """Make an order look older (so GET checks it with orderquery)."""
    from sqlalchemy import update

    from server.dues.models import DuesOrder

    db.session.execute(update(DuesOrder).where(DuesOrder.order_no == order_no)
                       .values(created_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()

