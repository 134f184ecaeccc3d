"""Offline payments and their reversals reach the townships: the digest nets a reversal out, and the township
client mirrors both and says 核对一致."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

from server.common.timeutil import SHANGHAI, month_add, utcnow
from tests.dues.helpers import order, pay
from tests.dues.offline_helpers import record, reverse
from tests.factories import (
    bearer,
    make_branch,
    make_key,
    make_paying_member,
    make_township,
    member_token,
    months_ago,
    staff_token,
)
from tests.sync.synchelpers import signed_get, upsert
from township_sync import cli as township_sync


def _township_with_payments(app, client):
    township = make_township("金山镇")
    branch = make_branch(township)
    members = [make_paying_member(branch, joined_months_ago=3, name=name) for name in ("张建国", "李红梅")]
    for m in members:
        upsert(m)
    secretary = staff_token("branch_secretary", branch.id)
    kept = record(client, secretary, members[0], [months_ago(3), months_ago(2)]).get_json()["payment"]
    wrong = record(client, secretary, members[1], [months_ago(3)]).get_json()["payment"]
    assert reverse(client, secretary, wrong["id"], reason="记错党员").status_code == 200
    token = member_token(members[1])
    pay(app, client, order(client, token, [months_ago(3)]).get_json()["order_no"])
    last_month = utcnow().astimezone(SHANGHAI).date().replace(day=1) - timedelta(days=1)
    earlier = record(client, secretary, members[0], [months_ago(1)], paid_on=last_month.isoformat())
    assert earlier.status_code == 201, earlier.get_json()
    return township, members, kept, wrong, earlier.get_json()["payment"]


def test_the_digest_nets_out_a_reversal(app, client, ctx):
    township, members, kept, wrong, earlier = _township_with_payments(app, client)
    key = make_key(township)
    this_month = months_ago(0)
    digest = signed_get(client, key, "/api/v1/sync/digest", {"month": this_month}).get_json()
    assert digest["paid_fen"] == 3000 + 0 + 1500  # kept, the reversed entry nets to 0, the WeChat order
    previous = signed_get(client, key, "/api/v1/sync/digest", {"month": month_add(this_month, -1)}).get_json()
    assert previous["paid_fen"] == 1500


def test_the_township_client_mirrors_offline_payments_and_reversals(app, client, live_server, ctx, tmp_path,
                                                                    capsys):
    township, members, kept, wrong, earlier = _township_with_payments(app, client)
    key = make_key(township)
    ledger = tmp_path / "ledger.sqlite"
    argv = ["--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", str(ledger)]
    assert township_sync.main(["pull", *argv]) == 0
    assert "核对一致" in capsys.readouterr().out
    assert township_sync.main(["verify", *argv, "--month", month_add(months_ago(0), -1)]) == 0
    assert "核对一致" in capsys.readouterr().out
    conn = sqlite3.connect(ledger)
    rows = {ref: (channel, amount, refunded, receipt) for ref, channel, amount, refunded, receipt in conn.execute(
        "SELECT order_no, channel, amount_fen, refunded_fen, receipt_no FROM payments")}
    assert rows[f"P{kept['id']}"] == ("offline", 3000, 0, kept["receipt_no"])
    assert rows[f"P{wrong['id']}"] == ("offline", 1500, 1500, wrong["receipt_no"])
    paid_through = dict(conn.execute("SELECT id, paid_through FROM members"))
    assert paid_through[members[0].id] == months_ago(1)
    assert paid_through[members[1].id] == months_ago(3)
    assert client.get(f"/api/v1/members/{members[1].id}/dues",
                      headers=bearer(staff_token("township_admin", township.id))).get_json()["paid_through"] \
        == months_ago(3)
