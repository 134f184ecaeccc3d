"""Issue, 年审 and renewal of activity certificates reach the township as `certificate.recorded`; the township
client keeps one row per member as the register now stands, shows it in its export, and the digest still matches."""
import sqlite3
from datetime import date, timedelta

import requests
from openpyxl import load_workbook

from server.certificates.service import period_end, today
from tests.factories import bearer, make_branch, make_key, make_member, make_township, staff_token
from tests.sync.synchelpers import upsert
from township_sync import cli


def test_the_township_client_mirrors_issue_review_and_renewal(live_server, ctx, tmp_path, capsys):
    township = make_township("金山镇")
    branch = make_branch(township)
    zhang, li = make_member(branch, name="张建国"), make_member(branch, name="李红梅")
    for member in (zhang, li):
        upsert(member)
    secretary = bearer(staff_token("branch_secretary", branch.id))
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "台账.xlsx"
    key = make_key(township)
    pull = ["pull", "--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", str(ledger)]
    assert cli.main(pull) == 0
    before = capsys.readouterr().out

    def post(path, body, status=201):
        resp = requests.post(f"{live_server}/api/v1{path}", headers=secretary, json=body, timeout=10)
        assert resp.status_code == status, resp.text
        return resp.json()["certificate"]

    now = today()
    lapsed_on = now - timedelta(days=400)
    old = post(f"/members/{zhang.id}/certificate", {"number": "JS-0001", "issued_on": lapsed_on.isoformat()})
    post(f"/certificates/{old['id']}/reviews", {"reviewed_on": now.isoformat(), "result": "通过", "reviewer": "王委员",
                                                "note": "按时报到"})
    post(f"/certificates/{old['id']}/renewals", {"note": "补办年审"})
    fresh = post(f"/members/{li.id}/certificate", {"number": "JS-0002", "issued_on": now.isoformat()})
    post(f"/certificates/{fresh['id']}/reviews", {"reviewed_on": now.isoformat(), "result": "不通过",
                                                  "reviewer": "李委员"})

    assert cli.main(pull) == 0
    after = capsys.readouterr().out
    assert "核对一致" in after
    assert before.split("\n")[-2].split("：", 1)[1] == after.split("\n")[-2].split("：", 1)[1]  # the digest line

    conn = sqlite3.connect(ledger)
    rows = conn.execute("SELECT member_id, number, issued_on, period, valid_from, valid_until, review_period,"
                        " reviewed_on, review_result, reviewer, review_note, last_action FROM certificates").fetchall()
    assert sorted(rows) == sorted([
        (zhang.id, "JS-0001", lapsed_on.isoformat(), 2, now.isoformat(), period_end(now).isoformat(), 1,
         now.isoformat(), "通过", "王委员", "按时报到", "renewed"),
        (li.id, "JS-0002", now.isoformat(), 1, now.isoformat(), period_end(now).isoformat(), 1,
         now.isoformat(), "不通过", "李委员", None, "reviewed"),
    ])
    actions = [row[0] for row in conn.execute(
        "SELECT json_extract(data, '$.action') FROM changes WHERE type = 'certificate.recorded' ORDER BY seq")]
    assert actions == ["issued", "reviewed", "renewed", "issued", "reviewed"]
    assert conn.execute("SELECT certificate_no FROM members WHERE id = ?", (zhang.id,)).fetchone() == ("JS-0001",)
    conn.close()

    assert cli.main(["export", "--db", str(ledger), "--out", str(out)]) == 0
    sheet = load_workbook(out)["活动证"]
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[1][:4] == ["党员编号", "姓名", "活动证编号", "发证日期"]
    body = sorted(r[1:5] for r in table[2:-1])
    assert [(r[0], r[1], r[3]) for r in body] == [("张建国", "JS-0001", 2), ("李红梅", "JS-0002", 1)]
    assert isinstance(table[2][3], date) and sheet.cell(3, 4).number_format.lower().startswith("yyyy")
    assert table[-1][0] == "合计 2 张"
