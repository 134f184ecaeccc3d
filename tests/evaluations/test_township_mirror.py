"""Evaluations recorded through the API reach the home township's ledger (the later one of a year wins), show in
its export, and leave the month's digest as it was."""
import sqlite3

from openpyxl import load_workbook

from tests.evaluations.test_evaluations import YEAR
from tests.factories import bearer, make_branch, make_key, make_member, make_township, staff_token
from tests.sync.synchelpers import upsert
from township_sync import cli


def test_the_township_client_mirrors_recorded_evaluations(live_server, client, ctx, tmp_path, capsys):
    import requests

    township, elsewhere = make_township("金山镇"), make_township("西斗铺镇")
    branch = make_branch(township)
    zhang, li = make_member(branch, name="张建国"), make_member(branch, name="李红梅")
    stranger = make_member(make_branch(elsewhere), name="外镇党员")
    for member in (zhang, li, stranger):
        upsert(member)
    secretary = bearer(staff_token("branch_secretary", branch.id))
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "台账.xlsx"
    key = make_key(township)
    pull = ["pull", "--url", live_server, "--key", key[0], f"--secret={key[1]}", "--db", str(ledger)]
    assert cli.main(pull) == 0
    before = capsys.readouterr().out

    def record(member, grade, note=None, headers=secretary):
        resp = requests.put(f"{live_server}/api/v1/members/{member.id}/evaluations/{YEAR}", headers=headers,
                            json={"grade": grade, "note": note, "recorded_on": f"{YEAR}-12-20"}, timeout=10)
        assert resp.status_code == 200, resp.text

    record(zhang, "合格")
    record(li, "优秀", "带头参加志愿服务")
    record(zhang, "基本合格", "复核后改定")
    record(stranger, "不合格", headers=bearer(staff_token("township_admin", elsewhere.id)))
    assert cli.main(pull) == 0
    after = capsys.readouterr().out
    assert "核对一致" in after
    assert before.split("\n")[-2].split("：", 1)[1] == after.split("\n")[-2].split("：", 1)[1]  # the digest line

    conn = sqlite3.connect(ledger)
    assert sorted(conn.execute("SELECT member_id, year, grade, note, recorded_on FROM evaluations")) == sorted([
        (zhang.id, YEAR, "基本合格", "复核后改定", f"{YEAR}-12-20"),
        (li.id, YEAR, "优秀", "带头参加志愿服务", f"{YEAR}-12-20")])
    assert conn.execute("SELECT count(*) FROM changes WHERE type = 'evaluation.recorded'").fetchone() == (3,)
    conn.close()

    assert cli.main(["export", "--db", str(ledger), "--out", str(out)]) == 0
    rows = [[c.value for c in row] for row in load_workbook(out)["民主评议"].iter_rows()]
    assert sorted(r[1:4] for r in rows[2:-1]) == [["张建国", YEAR, "基本合格"], ["李红梅", YEAR, "优秀"]]
    assert rows[-1][0] == "合计 2 人" and rows[-1][3] == "优秀 1 人，基本合格 1 人"
