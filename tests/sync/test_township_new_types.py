"""Change types added by the dues, transfer and evaluation features reach the township ledger: offline payments
and their reversals (netted in the digest by both sides), transfers and returns, yearly evaluations; a type the
client does not know is kept and skipped."""
import hashlib
import sqlite3

from server.members.service import change_status
from tests.factories import (
    bearer,
    make_branch,
    make_key,
    make_member,
    make_township,
    member_token,
)
from tests.sync.synchelpers import (
    checkin,
    evaluation,
    offline_paid,
    offline_reversed,
    paid,
    signed_get,
    upsert,
)
from township_sync import cli
from township_sync.ledger import Ledger


def test_the_digest_nets_an_offline_reversal_against_its_payment(client, ctx):
    township = make_township("金山镇")
    member = make_member(make_branch(township))
    upsert(member)
    paid(member, 1200, "2026-03", order_no="DF0001")
    offline_paid(member, 7, 2400, "2026-03")
    offline_paid(member, 8, 2400, "2026-03")
    offline_reversed(member, 7, 2400, "2026-03")
    body = signed_get(client, make_key(township), "/api/v1/sync/digest", {"month": "2026-03"}).get_json()
    assert body["paid_fen"] == 3600
    listing = "\n".join([f"M {member.id} active", "O DF0001 1200", "O P7 0", "O P8 2400"])
    assert body["hash"] == hashlib.sha256(listing.encode()).hexdigest()


def test_the_client_mirrors_offline_dues_transfers_and_evaluations(live_server, ctx, tmp_path, capsys):
    township = make_township("金山镇")
    branch = make_branch(township)
    leaving, staying = make_member(branch, name="张建国"), make_member(branch, name="李红梅")
    for m in (leaving, staying):
        upsert(m)
        checkin(m)
    offline_paid(staying, 31, 1500, method="bank_transfer")
    offline_paid(staying, 32, 1500)
    offline_reversed(staying, 32, 1500)
    paid(leaving, 900)
    change_status(leaving.id, "transferred", "组织关系转至武汉", "staff:1")
    evaluation(staying, 2025, "优秀", "带头参加志愿服务")
    evaluation(leaving, 2025, "合格")
    evaluation(leaving, 2025, "基本合格", "复核后改定")

    ledger = tmp_path / "ledger.sqlite"
    key = make_key(township)
    assert cli.main(["pull", "--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", str(ledger)]) == 0
    out = capsys.readouterr().out
    assert "核对一致" in out and "党费实缴 24.00 元（2400 分）" in out

    conn = sqlite3.connect(ledger)
    assert dict(conn.execute("SELECT id, status FROM members"))[leaving.id] == "transferred"
    assert conn.execute("SELECT to_status, reason FROM status_changes WHERE member_id = ?",
                        (leaving.id,)).fetchall() == [("transferred", "组织关系转至武汉")]
    assert sorted(conn.execute("SELECT order_no, channel, method, receipt_no, amount_fen - refunded_fen FROM payments"
                               " WHERE channel = 'offline'")) == [
        ("P31", "offline", "bank_transfer", "SJ00000031", 1500), ("P32", "offline", "cash", "SJ00000032", 0)]
    assert sorted(conn.execute("SELECT member_id, year, grade, note FROM evaluations")) == sorted([
        (staying.id, 2025, "优秀", "带头参加志愿服务"), (leaving.id, 2025, "基本合格", "复核后改定")])


def test_a_type_the_client_does_not_know_is_kept_and_skipped(tmp_path):
    ledger = Ledger(str(tmp_path / "l.sqlite"))
    applied = ledger.apply([
        {"seq": 1, "type": "notice.published", "member_id": 5, "township_id": 1, "at": "2026-11-01T08:00:00+08:00",
         "data": {"title": "通知"}},
        {"seq": 2, "type": "member.upserted", "member_id": 5, "township_id": 1, "at": "2026-11-01T08:00:00+08:00",
         "data": {"name": "王德胜", "township": {"id": 1, "name": "金山镇"}, "status": "active"}},
    ], next_cursor=2)
    assert applied == 2 and ledger.cursor() == 2
    assert ledger.conn.execute("SELECT type FROM changes ORDER BY seq").fetchall() == [("notice.published",),
                                                                                        ("member.upserted",)]
    assert ledger.digest("2026-11")["members"] == 1
    ledger.close()


def test_an_older_ledger_file_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE payments (order_no TEXT PRIMARY KEY, member_id INTEGER, kind TEXT, months TEXT,"
                " campaign_id INTEGER, amount_fen INTEGER NOT NULL DEFAULT 0, paid_at TEXT, paid_month TEXT,"
                " transaction_id TEXT, refunded_fen INTEGER NOT NULL DEFAULT 0, seq INTEGER)")
    old.execute("INSERT INTO payments (order_no, amount_fen, paid_month, seq) VALUES ('DF1', 300, '2026-10', 1)")
    old.commit()
    old.close()
    ledger = Ledger(str(path))
    ledger.apply([{"seq": 2, "type": "dues.paid", "member_id": 1, "township_id": 1, "at": "2026-10-02T08:00:00+08:00",
                   "data": {"amount_fen": 500, "paid_month": "2026-10", "channel": "offline", "payment_id": 4}}], 2)
    assert ledger.digest("2026-10")["paid_fen"] == 800
    ledger.close()



def test_a_rewritten_report_in_replaces_the_months_record_in_the_ledger(live_server, app, ctx, tmp_path):
    township = make_township("金山镇")
    member = make_member(make_branch(township))
    upsert(member)
    token = member_token(member)
    with app.test_client() as phone:
        for city, address in (("襄阳市", "襄阳市樊城区长虹路 8 号"), ("武汉市", "武汉市江汉区解放大道 688 号")):
            phone.post("/api/v1/me/reports", headers=bearer(token),
                       json={"city": city, "address": address, "employer": "某某物流公司"})
    ledger = tmp_path / "ledger.sqlite"
    key = make_key(township)
    assert cli.main(["pull", "--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", str(ledger)]) == 0
    rows = sqlite3.connect(ledger).execute("SELECT member_id, city, address FROM reports").fetchall()
    assert rows == [(member.id, "武汉市", "武汉市江汉区解放大道 688 号")]
