"""The township client mirrors a member added by registration and their transfer (CONTRACT §10, §13)."""
import sqlite3

from server.common.timeutil import local, utcnow
from tests.factories import bearer, make_branch, make_id_number, make_key, make_township, member_token, staff_token
from township_sync import cli as township_sync


def run(argv):
    return township_sync.main([str(a) for a in argv])


def test_registration_transfer_and_cancel_reach_the_ledger_and_the_digest_matches(live_server, client, ctx, tmp_path,
                                                                                   capsys):
    township = make_township("金山镇")
    mobile = make_branch(township, name="金山镇流动党员党支部")
    secretary = bearer(staff_token("branch_secretary", mobile.id))
    key = make_key(township)
    ledger = tmp_path / "ledger.sqlite"
    args = ["--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", ledger]

    registrant = bearer(member_token(None))
    registration = client.post("/api/v1/auth/registrations", headers=registrant, json={
        "name": "刘芳", "id_number": make_id_number(), "phone": "13800001111", "township_id": township.id,
        "mobile_branch_id": mobile.id, "home_branch": "红星村党支部", "left_on": "2025-06-01",
        "destination": "深圳市", "employer": "某某电子厂"}).get_json()["registration"]
    member_id = client.post(f"/api/v1/registrations/{registration['id']}/decision", headers=secretary,
                            json={"approve": True}).get_json()["registration"]["member_id"]
    assert run(["pull", *args]) == 0
    assert "核对一致" in capsys.readouterr().out
    conn = sqlite3.connect(ledger)
    assert conn.execute("SELECT name, status, village_branch, destination FROM members WHERE id = ?",
                        (member_id,)).fetchone() == ("刘芳", "active", "红星村党支部", "深圳市")

    today = local(utcnow()).date().isoformat()
    transfer = client.post(f"/api/v1/members/{member_id}/transfers", headers=secretary, json={
        "kind": "transfer_out", "reason": "在深圳落户", "effective_on": today,
        "destination": "深圳市宝安区西乡街道党工委"}).get_json()["transfer"]
    assert run(["pull", *args]) == 0
    assert "核对一致" in capsys.readouterr().out
    assert conn.execute("SELECT status FROM members WHERE id = ?", (member_id,)).fetchone() == ("transferred",)
    rows = conn.execute("SELECT from_status, to_status, letter_no, effective_on, destination FROM status_changes"
                        " WHERE member_id = ? ORDER BY seq", (member_id,)).fetchall()
    assert rows == [("active", "transferred", transfer["letter_no"], today, "深圳市宝安区西乡街道党工委")]

    client.post(f"/api/v1/transfers/{transfer['id']}/cancel", headers=secretary, json={"reason": "录错了人"})
    assert run(["pull", *args]) == 0
    assert "核对一致" in capsys.readouterr().out
    assert conn.execute("SELECT status FROM members WHERE id = ?", (member_id,)).fetchone() == ("active",)
