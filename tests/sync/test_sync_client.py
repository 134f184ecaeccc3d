"""township-sync against the live service: mirror, resume after a crash, verify, export."""
import ast
import sqlite3
import time
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from server.common.timeutil import current_month
from server.extensions import db
from server.members.service import change_status
from server.sync import client as township_sync
from tests.factories import make_branch, make_member, make_township
from tests.sync.synchelpers import checkin, make_key, paid, refunded, report, upsert


@pytest.fixture
def jinshan(ctx):
    """金山镇 with members, report-ins, check-ins, payments and a refund; and 西斗铺镇 beside it."""
    township, other = make_township("金山镇"), make_township("西斗铺镇")
    branch = make_branch(township)
    members = [make_member(branch, name=name) for name in ("张建国", "李红梅", "王德胜")]
    outsider = make_member(make_branch(other), name="赵六")
    for m in members + [outsider]:
        upsert(m)
        report(m)
        checkin(m)
    first = paid(members[0], 3000)
    paid(members[1], 1500)
    paid(outsider, 2000)
    refunded(members[0], first, 3000)
    change_status(members[2].id, "returned", "返乡", "staff:1")
    return township, members


def run(argv, **kwargs):
    return township_sync.main([str(a) for a in argv], **kwargs)


def args_for(url, key, db_path, *extra):
    return ["--url", url, "--key", key[0], f"--secret={key[1]}", "--db", db_path, *extra]


def test_pull_mirrors_the_township_and_verifies(live_server, jinshan, tmp_path, capsys):
    township, members = jinshan
    key = make_key(township)
    ledger = tmp_path / "ledger.sqlite"
    assert run(["pull", *args_for(live_server, key, ledger)]) == 0
    out = capsys.readouterr().out
    assert "核对一致" in out and "党员 3 人" in out
    conn = sqlite3.connect(ledger)
    assert sorted(r[0] for r in conn.execute("SELECT name FROM members")) == sorted(m.name for m in members)
    assert dict(conn.execute("SELECT id, status FROM members"))[members[2].id] == "returned"
    assert conn.execute("SELECT count(*) FROM checkins").fetchone()[0] == 3
    assert conn.execute("SELECT sum(amount_fen - refunded_fen) FROM payments").fetchone()[0] == 1500

    # A second run changes nothing and still matches; new changes arrive on the next one.
    assert run(["pull", *args_for(live_server, key, ledger)]) == 0
    checkin(members[1])
    assert run(["pull", *args_for(live_server, key, ledger)]) == 0
    assert "本次新增 1 条变更" in capsys.readouterr().out


class CrashingSession(requests.Session):
    """Dies on the nth changes request, like a PC losing power mid-run."""

    def __init__(self, die_on: int):
        super().__init__()
        self.calls, self.die_on = 0, die_on

    def request(self, method, url, *args, **kwargs):
        if "/sync/changes" in url:
            self.calls += 1
            if self.calls == self.die_on:
                raise KeyboardInterrupt("power cut")
        return super().request(method, url, *args, **kwargs)


def test_a_crash_mid_run_resumes_exactly(live_server, jinshan, tmp_path):
    township, _ = jinshan
    key = make_key(township)
    ledger = tmp_path / "ledger.sqlite"
    with pytest.raises(KeyboardInterrupt):
        run(["pull", *args_for(live_server, key, ledger, "--limit", 2)], session=CrashingSession(die_on=3))
    conn = sqlite3.connect(ledger)
    seqs = [r[0] for r in conn.execute("SELECT seq FROM changes ORDER BY seq")]
    cursor = int(conn.execute("SELECT value FROM meta WHERE name='cursor'").fetchone()[0])
    assert len(seqs) == 4 and cursor == seqs[-1], "the cursor and the rows it covers commit together"
    conn.close()
    assert run(["pull", *args_for(live_server, key, ledger)]) == 0
    conn = sqlite3.connect(ledger)
    assert conn.execute("SELECT count(*), count(DISTINCT seq) FROM changes").fetchone() == (13, 13)


def test_verify_reports_differences_and_exits_1(live_server, jinshan, tmp_path, capsys):
    township, members = jinshan
    key = make_key(township)
    ledger = tmp_path / "ledger.sqlite"
    assert run(["pull", *args_for(live_server, key, ledger), "--no-verify"]) == 0
    conn = sqlite3.connect(ledger)
    with conn:
        conn.execute("DELETE FROM checkins WHERE member_id = ?", (members[0].id,))
    capsys.readouterr()
    assert run(["verify", *args_for(live_server, key, ledger), "--month", current_month()]) == 1
    out = capsys.readouterr().out
    assert "核对不一致" in out and "签到次数：服务器 3，本地台账 2" in out and "校验值" in out


def test_a_clock_ten_minutes_off_is_refused(live_server, jinshan, tmp_path, capsys):
    key = make_key(jinshan[0])
    code = run(["pull", *args_for(live_server, key, tmp_path / "l.sqlite")], clock=lambda: time.time() - 600)
    assert code == 2
    assert "sync_auth_failed" in capsys.readouterr().err
    # With the clock right, the same ledger then syncs and matches.
    assert run(["pull", *args_for(live_server, key, tmp_path / "l.sqlite")]) == 0


def test_a_revoked_key_stops_the_client(live_server, jinshan, tmp_path, runner, capsys):
    key = make_key(jinshan[0])
    assert runner.invoke(args=["sync", "revoke-key", key[0]]).exit_code == 0
    assert run(["pull", *args_for(live_server, key, tmp_path / "l.sqlite")]) == 2
    assert "HTTP 401" in capsys.readouterr().err


def test_export_writes_the_four_chinese_sheets(live_server, jinshan, tmp_path):
    township, members = jinshan
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "台账.xlsx"
    assert run(["pull", *args_for(live_server, make_key(township), ledger)]) == 0
    assert run(["export", "--db", ledger, "--out", out]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["党员名册", "报到记录", "签到记录", "党费缴纳"]
    roster = list(book["党员名册"].values)
    assert roster[0][:2] == ("党员编号", "姓名") and len(roster) == 4
    assert "已返乡" in [row[7] for row in roster]
    assert len(list(book["报到记录"].values)) == 4 and len(list(book["签到记录"].values)) == 4
    dues = list(book["党费缴纳"].values)
    assert [row[0] for row in dues[1:]].count("退款（冲销）") == 1
    assert sum(row[6] for row in dues[1:]) == pytest.approx(15.00)


def test_the_client_imports_neither_flask_nor_the_service():
    tree = ast.parse(Path(township_sync.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "argparse", "hashlib", "hmac", "json", "os", "secrets", "sqlite3", "sys",
                        "threading", "time", "datetime", "http", "urllib", "requests", "openpyxl"}


def test_client_and_service_agree_on_signatures(ctx):
    from server.sync.signing import canonical, signature

    assert township_sync.sign("s3cret", "get", "/api/v1/sync/changes?after=1", "1700000000") == \
        signature("s3cret", canonical("GET", "/api/v1/sync/changes?after=1", "1700000000"))
    assert township_sync.sign("s3cret", "POST", "/hook", "1", "ab") == signature("s3cret", canonical("POST", "/hook", "1", "ab"))
    db.session.rollback()


def test_a_member_who_moves_township_leaves_the_old_ledger(live_server, ctx, tmp_path, capsys):
    """A roster re-import moves a member from 金山镇 to 西斗铺镇: both townships' ledgers still match."""
    from server.members import roster
    from tests.factories import make_id_number, make_phone

    header = "姓名,身份证号,手机号,乡镇,村党支部,流动党员党支部,外出时间,流入地,工作单位,活动证编号"
    movers_id, stayer_id, movers_phone, stayer_phone = make_id_number(), make_id_number(), make_phone(), make_phone()

    def import_csv(movers_township):
        path = tmp_path / "roster.csv"
        path.write_text("\n".join([
            header,
            f"张建国,{movers_id},{movers_phone},{movers_township},{movers_township}村党支部,"
            f"{movers_township}流动党员党支部,2023-03-01,武汉市,光谷电子厂,JS-0001",
            f"李红梅,{stayer_id},{stayer_phone},金山镇,金山村党支部,金山镇流动党员党支部,2022-05-01,十堰市,汽配厂,JS-0002",
        ]), encoding="utf-8")
        return roster.import_roster(roster.validate(roster.read_file(path)))

    import_csv("金山镇")
    from server.core.orgs import Township

    jinshan = db.session.execute(db.select(Township).filter_by(name="金山镇")).scalar_one()
    key = make_key(jinshan)
    ledger = tmp_path / "jinshan.sqlite"
    assert run(["pull", *args_for(live_server, key, ledger)]) == 0
    assert "党员 2 人" in capsys.readouterr().out

    assert import_csv("西斗铺镇").updated == 1
    xidoupu = db.session.execute(db.select(Township).filter_by(name="西斗铺镇")).scalar_one()
    assert run(["pull", *args_for(live_server, key, ledger)]) == 0
    out = capsys.readouterr().out
    assert "核对一致" in out and "党员 1 人" in out
    names = [r[0] for r in sqlite3.connect(ledger).execute("SELECT name FROM members")]
    assert names == ["李红梅"]

    other = tmp_path / "xidoupu.sqlite"
    assert run(["pull", *args_for(live_server, make_key(xidoupu), other)]) == 0
    assert "核对一致" in capsys.readouterr().out
    assert [r[0] for r in sqlite3.connect(other).execute("SELECT name FROM members")] == ["张建国"]
