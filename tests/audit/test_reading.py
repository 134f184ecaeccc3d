"""GET /api/v1/audit (CONTRACT §14): filters combine, newest first, paged, scoped to the caller."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.common.timeutil import SHANGHAI, utcnow
from tests.audit.conftest import AUDIT
from tests.callers import assert_error_shape
from tests.factories import make_audit_entry


def _items(client, caller, query=""):
    resp = client.get(f"{AUDIT}{query}", headers=caller)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _actions(body):
    return [item["action"] for item in body["items"] if not item["action"].startswith("audit.")]


def test_entries_come_newest_first_in_the_paged_envelope(client, county, towns):
    now = utcnow()
    for minutes, action in ((30, "old.one"), (10, "new.one"), (20, "mid.one")):
        make_audit_entry(action, at=now - timedelta(minutes=minutes), member=towns[0].member)
    body = _items(client, county, "?action=new.one")
    assert set(body) == {"items", "total", "page", "per_page"} and body["total"] == 1
    body = _items(client, county, f"?member_id={towns[0].member.id}")
    assert _actions(body) == ["new.one", "mid.one", "old.one"]
    item = body["items"][0]
    assert set(item) == {"at", "actor", "action", "member_id", "ip", "detail"}
    assert item["member_id"] == towns[0].member.id and item["ip"] == "203.0.113.7" and item["actor"] == "cli"
    assert item["at"].endswith("+08:00")


def test_paging_splits_the_list_without_overlap(client, county, towns):
    now = utcnow()
    for n in range(5):
        make_audit_entry("paged.entry", at=now - timedelta(minutes=n), detail={"n": n})
    pages = [_items(client, county, f"?action=paged.entry&per_page=2&page={p}") for p in (1, 2, 3)]
    assert [p["total"] for p in pages] == [5, 5, 5] and [p["per_page"] for p in pages] == [2, 2, 2]
    assert [[i["detail"]["n"] for i in p["items"]] for p in pages] == [[0, 1], [2, 3], [4]]
    assert _items(client, county, "?action=paged.entry&per_page=2&page=4")["items"] == []


def test_filters_combine(client, county, towns):
    first, second = towns[0].member, towns[1].member
    make_audit_entry("member.read", member=first, actor=("cli", None))
    make_audit_entry("member.read", member=second, actor=("cli", None))
    make_audit_entry("dues.standard_set", member=first, actor=("system", None))
    assert _actions(_items(client, county, f"?member_id={first.id}&action=member.read")) == ["member.read"]
    assert _actions(_items(client, county, f"?member_id={first.id}&actor=system")) == ["dues.standard_set"]
    assert _actions(_items(client, county, f"?member_id={second.id}&actor=system")) == []


def test_actor_is_the_staff_username_and_filters_by_it(client, county, towns):
    member = towns[0].member
    assert client.get(f"/api/v1/members/{member.id}", headers=towns[0].secretary).status_code == 200
    body = _items(client, county, f"?member_id={member.id}&action=member.read")
    [item] = body["items"]
    username = item["actor"]
    assert username.startswith("staff")
    assert _items(client, county, f"?actor={username}&action=member.read")["total"] == 1
    assert _items(client, county, f"?actor={username.upper()}&action=member.read")["total"] == 1
    assert _items(client, county, "?actor=nobody-of-that-name")["total"] == 0


def test_from_and_to_are_whole_days_in_beijing(client, county, towns):
    # 2026-11-30 23:30 Beijing is 15:30 UTC the same day; 2026-12-01 00:30 Beijing is 16:30 UTC on 11-30.
    late = datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)
    early = datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI)
    make_audit_entry("day.late", at=late.astimezone(timezone.utc))
    make_audit_entry("day.early", at=early.astimezone(timezone.utc))
    assert _actions(_items(client, county, "?from=2026-11-30&to=2026-11-30")) == ["day.late"]
    assert _actions(_items(client, county, "?from=2026-12-01&to=2026-12-01")) == ["day.early"]
    assert _actions(_items(client, county, "?from=2026-11-30&to=2026-12-01")) == ["day.early", "day.late"]
    assert _actions(_items(client, county, "?to=2026-11-29")) == []


def test_a_township_admin_sees_their_township_only(client, county, towns):
    mine, theirs = towns
    make_audit_entry("about.mine", member=mine.member)
    make_audit_entry("about.theirs", member=theirs.member)
    make_audit_entry("county.wide")
    assert set(_actions(_items(client, mine.admin))) == {"about.mine"}
    assert set(_actions(_items(client, theirs.admin))) == {"about.theirs"}
    assert set(_actions(_items(client, county))) == {"about.mine", "about.theirs", "county.wide"}
    # Asking for another township's member finds nothing rather than an error that confirms the member.
    assert _items(client, mine.admin, f"?member_id={theirs.member.id}")["total"] == 0


def test_reads_by_a_townships_own_staff_are_that_townships(client, towns):
    mine, theirs = towns
    branch_id = mine.branch.id
    assert client.get(f"/api/v1/branches/{branch_id}/dues/ledger?year=2026", headers=mine.secretary).status_code == 200
    assert client.get(f"/api/v1/members?branch_id={branch_id}", headers=mine.secretary).status_code == 200
    seen = _actions(_items(client, mine.admin))
    assert "dues.ledger_read" in seen and "member.list_read" in seen
    assert "dues.ledger_read" not in _actions(_items(client, theirs.admin))


def test_a_county_admin_reading_a_member_shows_in_the_members_township(client, county, towns):
    member = towns[0].member
    assert client.get(f"/api/v1/members/{member.id}", headers=county).status_code == 200
    [item] = _items(client, towns[0].admin, "?action=member.read")["items"]
    assert item["member_id"] == member.id and item["actor"] == "county-auditor"
    assert _items(client, towns[1].admin, "?action=member.read")["total"] == 0


def test_reading_the_trail_is_itself_on_the_trail(client, county, towns):
    _items(client, county, "?action=member.read")
    body = _items(client, county, "?action=audit.read")
    assert body["total"] == 1 and body["items"][0]["detail"]["filters"] == {"action": "member.read"}


@pytest.mark.parametrize("role", ["secretary", "member"])
def test_secretaries_and_members_are_refused(client, towns, member_caller, role):
    caller = towns[0].secretary if role == "secretary" else member_caller
    assert_error_shape(client.get(AUDIT, headers=caller), 403, "forbidden")
    assert_error_shape(client.get(f"{AUDIT}?format=xlsx", headers=caller), 403, "forbidden")


def test_no_token_is_401(client, towns):
    assert_error_shape(client.get(AUDIT), 401)


@pytest.mark.parametrize("query", [
    "?actor=ab%00cd", "?action=member%00read", "?page=100001", "?per_page=101", "?page=0",
    "?member_id=2147483648", "?member_id=0", "?from=2026-12-02&to=2026-12-01", "?from=1999-12-31",
    "?to=2101-01-01", "?from=0001-01-01", "?from=2026-13-01", "?from=yesterday", "?format=pdf",
    "?actor=" + "a" * 81,
])
def test_bad_input_is_422_in_the_error_shape(client, county, towns, query):
    assert_error_shape(client.get(f"{AUDIT}{query}", headers=county), 422)
