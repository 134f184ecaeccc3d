"""CONTRACT §4/§5 privacy: ID numbers and phones leave the service only masked; secrets never reach a log.

(Logout of one device, session_key in login, bind limits and masks of /me already have their own tests in
tests/auth and tests/members; these walk every response and every log line instead.)
"""
from __future__ import annotations

import io
import logging
import re
import zipfile

import pytest
from sqlalchemy import select

from server.checkins.models import Event, LeaveRequest
from server.common.crypto import mask_id_number, mask_phone
from server.common.timeutil import current_month
from server.core.accounts import WechatAccount
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.dues.models import DuesCampaign, DuesOrder, DuesStandard
from server.extensions import db
from server.sync.models import DeadLetter
from server.wechat import emulator
from tests.contract.test_section_3 import OPERATIONS
from tests.factories import bearer, make_branch, make_member, member_token, staff_token
from tests.sync.synchelpers import make_key, pull_all, signed_get

ID_MASK = re.compile(r"^\d{4}\*{10}[\dX]{4}$")
PHONE_MASK = re.compile(r"^1\d{2}\*{4}\d{4}$")


@pytest.fixture
def demo_county(app, runner, ctx):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    members = db.session.scalars(select(Member)).all()
    assert len(members) > 20
    return members


def _candidates(members) -> dict[str, list]:
    first = lambda model, col="id": db.session.scalars(select(getattr(model, col)).limit(3)).all()  # noqa: E731
    return {
        "member_id": [m.id for m in members[:3]], "event_id": first(Event), "leave_id": first(LeaveRequest),
        "branch_id": db.session.scalars(select(Branch.id).where(Branch.kind == "mobile").limit(3)).all(),
        "township_id": first(Township), "order_no": first(DuesOrder, "order_no"), "campaign_id": first(DuesCampaign),
        "standard_id": first(DuesStandard), "dead_letter_id": first(DeadLetter),
    }


def _query(op) -> list[dict]:
    month = current_month()
    values = {"month": month, "year": month[:4], "quarter": f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"}
    base = {p["name"]: values[p["name"]] for p in op.get("parameters", [])
            if p.get("in") == "query" and p.get("required") and p["name"] in values}
    names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
    variants = [base]
    if "format" in names:
        variants.append({**base, "format": "xlsx"})
    return variants


def _urls(path: str, candidates) -> list[str]:
    names = re.findall(r"\{([^}]+)\}", path)
    if not names:
        return [path]
    urls = []
    for i in range(3):
        url = path
        for name in names:
            ids = candidates.get(name) or []
            if not ids:
                break
            url = url.replace("{" + name + "}", str(ids[min(i, len(ids) - 1)]))
        else:
            urls.append(url)
    return urls


def _text(resp) -> str:
    if resp.mimetype and "spreadsheetml" in resp.mimetype:
        with zipfile.ZipFile(io.BytesIO(resp.data)) as book:
            return "\n".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
    return resp.get_data(as_text=True)


def _masked_values(value, found):
    if isinstance(value, dict):
        for key, v in value.items():
            if key in ("id_number_masked", "phone_masked") and v is not None:
                found.append((key, v))
            else:
                _masked_values(v, found)
    elif isinstance(value, list):
        for v in value:
            _masked_values(v, found)
    return found


def test_no_response_carries_a_clear_id_number_or_phone(app, client, demo_county):
    members = demo_county
    clear = {m.id_number for m in members} | {m.phone for m in members if m.phone}
    masks = {"id_number_masked": {mask_id_number(m.id_number) for m in members},
             "phone_masked": {mask_phone(m.phone) for m in members if m.phone}}
    candidates = _candidates(members)
    jinshan = db.session.scalar(select(Township).where(Township.name == "金山镇"))
    secretary_branch = db.session.scalar(select(Branch).where(Branch.township_id == jinshan.id,
                                                              Branch.kind == "mobile"))
    own = db.session.scalar(select(Member).where(Member.mobile_branch_id == secretary_branch.id,
                                                 Member.id.not_in(select(WechatAccount.member_id)
                                                                  .where(WechatAccount.member_id.is_not(None)))))
    callers = {"county": bearer(staff_token("county_admin")),
               "township": bearer(staff_token("township_admin", jinshan.id)),
               "secretary": bearer(staff_token("branch_secretary", secretary_branch.id)),
               "member": bearer(member_token(own))}
    seen = {"ok": 0, "masked": 0}

    def scan(resp, where):
        text = _text(resp)
        for value in clear:
            assert value not in text, f"{where} carries {value[:3]}… in clear"
        if resp.is_json:
            for key, value in _masked_values(resp.get_json(), []):
                assert (ID_MASK if key == "id_number_masked" else PHONE_MASK).match(value), (where, key, value)
                assert value in masks[key], (where, key, value)
                seen["masked"] += 1
        if resp.status_code == 200:
            seen["ok"] += 1

    for method, path, op in OPERATIONS:
        if method != "GET" or {"bearer": []} not in (op.get("security") or []):
            continue
        for url in _urls(path, candidates):
            for query in _query(op):
                for who, headers in callers.items():
                    scan(client.get(url, query_string=query, headers=headers), f"{who} GET {url} {query}")
    for page in ("/dashboard", f"/dashboard/members/{own.id}"):
        scan(client.get(page, headers=callers["county"]), page)
    for change in pull_all(client, make_key()):
        for key, value in _masked_values(change["data"], []):
            assert value in masks[key], (change["type"], key, value)
            seen["masked"] += 1
        assert not clear & set(re.findall(r"[\dX]{11,18}", str(change))), change["type"]
    # The walk really read member lists, details, ledgers, attendance and flags, not a wall of 404s.
    assert seen["ok"] > 60 and seen["masked"] > 100, seen


def test_no_secret_token_or_clear_personal_number_reaches_any_log_record(app, client, ctx, caplog):
    """A whole day's flow at DEBUG: login, bind, report, check-in, pay, staff reads, sync pull, logout."""
    from tests.checkins.conftest import make_event
    from tests.dues.helpers import make_paying_member, months_ago, order, pay

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    branch = make_branch()
    member = make_paying_member(branch, joined_months_ago=3)
    secrets = [app.config["SECRET_KEY"], app.config["FIELD_KEY"], app.config["WECHAT_SECRET"],
               app.config["WECHAT_PAY_API_KEY"], member.id_number, member.phone]

    code = emulator.issue_login_code(app.config, openid="o-log-audit")
    session_key = emulator.server_for(app.config).state.get("code", code)["session_key"]
    token = client.post("/api/v1/auth/login", json={"code": code}).get_json()["token"]
    phone = "13912345678"
    bound = client.post("/api/v1/auth/bind", headers=bearer(token), json={
        "name": member.name, "id_number": member.id_number,
        "phone_code": emulator.issue_phone_code(app.config, phone)})
    assert bound.status_code == 200, bound.get_json()
    client.post("/api/v1/auth/bind", headers=bearer(member_token(None)),
                json={"name": member.name, "id_number": make_member(branch).id_number[:-1] + "0"})
    assert client.post("/api/v1/me/reports", headers=bearer(token), json={
        "city": "武汉市", "address": "江汉区新华路 1 号", "employer": "武汉某物流公司"}).status_code == 201

    secretary = bearer(staff_token("branch_secretary", branch.id))
    event = make_event(branch)
    checkin_token = client.get(f"/api/v1/events/{event.id}/checkin-code", headers=secretary).get_json()["token"]
    assert client.post(f"/api/v1/events/{event.id}/checkins", headers=bearer(token), json={
        "token": checkin_token, "lat": event.lat, "lng": event.lng}).status_code == 201
    ordered = order(client, token, [months_ago(3)])
    assert ordered.status_code == 201, ordered.get_json()
    order_no = ordered.get_json()["order_no"]
    pay(app, client, order_no)
    client.get(f"/api/v1/members/{member.id}", headers=secretary)
    client.get(f"/api/v1/branches/{branch.id}/dues/ledger", headers=secretary)

    from server.auth.service import create_staff

    create_staff("jinshan-audit", "county_admin", None, "县级管理员口令-2026")
    staff_login = client.post("/api/v1/staff/login", json={"username": "jinshan-audit",
                                                           "password": "县级管理员口令-2026"})
    staff = staff_login.get_json()["token"]
    client.post("/api/v1/staff/login", json={"username": "jinshan-audit", "password": "wrong-口令"})
    key = make_key()
    assert signed_get(client, key, "/api/v1/sync/changes").status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    secrets += [session_key, token, staff, key[1], checkin_token, code, phone, "县级管理员口令-2026", "wrong-口令"]
    assert caplog.records, "log records were captured"
    for record in caplog.records:
        text = record.getMessage() + " " + str(record.args) + " " + (record.exc_text or "")
        for secret in secrets:
            assert secret not in text, f"{record.name}: {text[:200]}"
