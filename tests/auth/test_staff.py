"""Staff password login, lockout, profile, logout and the `staff` command."""
from sqlalchemy import select

from server.auth import service
from server.core.accounts import StaffUser
from server.core.audit import AuditEntry
from server.extensions import db
from tests.factories import bearer, make_branch, make_township

PASSWORD = "correct-horse-42"


def _login(client, username, password, environ=None):
    return client.post("/api/v1/staff/login", json={"username": username, "password": password},
                       environ_base=environ or {})


def test_login_me_logout(client, ctx):
    township = make_township("金山镇")
    service.create_staff("jinshan", "township_admin", township.id, PASSWORD)
    resp = _login(client, "jinshan", PASSWORD)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["roles"] == ["township_admin"] and body["expires_in"] > 0
    me = client.get("/api/v1/staff/me", headers=bearer(body["token"])).get_json()
    assert me["username"] == "jinshan" and me["role"] == "township_admin"
    assert me["scope"] == {"type": "township", "id": township.id, "name": "金山镇"}
    assert client.post("/api/v1/staff/logout", headers=bearer(body["token"])).status_code == 204
    assert client.get("/api/v1/staff/me", headers=bearer(body["token"])).status_code == 401


def test_unknown_user_and_wrong_password_get_the_same_answer(client, ctx):
    service.create_staff("county", "county_admin", None, PASSWORD)
    wrong = _login(client, "county", "nope-nope-nope")
    unknown = _login(client, "nobody", "nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["code"] == "bad_credentials"


def test_sixth_bad_password_locks_even_the_right_one(client, ctx):
    service.create_staff("county", "county_admin", None, PASSWORD)
    for _ in range(5):
        assert _login(client, "county", "wrong-password").status_code == 401
    locked = _login(client, "county", PASSWORD)
    assert locked.status_code == 423 and locked.get_json()["code"] == "account_locked"
    assert _login(client, "COUNTY", PASSWORD).status_code == 423


def _from(address):
    return {"REMOTE_ADDR": address}


def test_an_attacker_at_one_address_cannot_lock_out_the_owner_at_another(client, ctx):
    service.create_staff("county", "county_admin", None, PASSWORD)
    for _ in range(8):
        _login(client, "county", "wrong-password", _from("203.0.113.7"))
    attacker = _login(client, "county", PASSWORD, _from("203.0.113.7"))
    assert attacker.status_code == 423 and attacker.get_json()["code"] == "account_locked"
    assert _login(client, "county", PASSWORD, _from("198.51.100.20")).status_code == 200


def test_guessing_spread_over_many_addresses_still_locks_the_account(client, ctx):
    service.create_staff("county", "county_admin", None, PASSWORD)
    answers = [_login(client, "county", "wrong-password", _from(f"203.0.113.{n}")).status_code
               for n in range(1, 11) for _ in range(5)]
    assert answers == [401] * 50
    locked = _login(client, "county", "wrong-password", _from("203.0.113.99"))
    assert locked.status_code == 423 and locked.get_json()["code"] == "account_locked"
    assert _login(client, "county", PASSWORD, _from("198.51.100.20")).status_code == 423


def test_success_resets_the_failure_count(client, ctx):
    service.create_staff("county", "county_admin", None, PASSWORD)
    for _ in range(4):
        _login(client, "county", "wrong-password")
    assert _login(client, "county", PASSWORD).status_code == 200
    for _ in range(4):
        assert _login(client, "county", "wrong-password").status_code == 401
    assert _login(client, "county", PASSWORD).status_code == 200


def test_unknown_usernames_lock_too_so_lockout_does_not_reveal_accounts(client, ctx):
    for _ in range(5):
        _login(client, "ghost", "whatever-123")
    assert _login(client, "ghost", "whatever-123").status_code == 423


def test_failed_and_successful_logins_are_audited(client, ctx):
    user = service.create_staff("county", "county_admin", None, PASSWORD)
    _login(client, "county", "wrong-password")
    _login(client, "county", PASSWORD)
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))
                                 .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["staff.created", "staff.login_failed", "staff.login"]


def test_password_is_stored_as_a_slow_hash(ctx):
    user = service.create_staff("county", "county_admin", None, PASSWORD)
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")


def test_disabled_user_cannot_log_in_and_their_tokens_die(client, ctx, runner):
    service.create_staff("county", "county_admin", None, PASSWORD)
    token = _login(client, "county", PASSWORD).get_json()["token"]
    result = runner.invoke(args=["staff", "disable", "--username", "county"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/staff/me", headers=bearer(token)).status_code == 401
    assert _login(client, "county", PASSWORD).status_code == 401


def test_staff_login_malformed_bodies(client):
    assert client.post("/api/v1/staff/login", json={"username": "a"}).status_code == 422
    assert client.post("/api/v1/staff/login", json={"username": "a", "password": ["x"]}).status_code == 422
    assert client.post("/api/v1/staff/login", json={"username": "a", "password": "x" * 1000}).status_code == 422
    assert client.post("/api/v1/staff/login", data="nope", content_type="application/json").status_code == 400


# ---- the command ------------------------------------------------------------------------------

def test_cli_creates_each_role_with_the_right_scope(runner, ctx):
    township = make_township("西斗铺镇")
    mobile = make_branch(township, "mobile")
    village = make_branch(township, "village")
    ok = [
        ["--username", "county2", "--role", "county_admin"],
        ["--username", "xidoupu", "--role", "township_admin", "--scope", str(township.id)],
        ["--username", "xidoupu-sj", "--role", "branch_secretary", "--scope", str(mobile.id)],
    ]
    for args in ok:
        result = runner.invoke(args=["staff", "create", *args, "--password-stdin"], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    bad = [
        (["--username", "abc1", "--role", "township_admin"], "乡镇"),
        (["--username", "abc2", "--role", "branch_secretary", "--scope", str(village.id)], "流动党员党支部"),
        (["--username", "abc3", "--role", "county_admin", "--scope", "999"], "存在的县"),
        (["--username", "abc4", "--role", "mayor"], "mayor"),
        (["--username", "county2", "--role", "county_admin"], "已存在"),
    ]
    for args, reason in bad:
        result = runner.invoke(args=["staff", "create", *args, "--password-stdin"], input=PASSWORD + "\n")
        assert result.exit_code != 0 and reason in result.output, result.output
    short = runner.invoke(args=["staff", "create", "--username", "abc5", "--role", "county_admin", "--password-stdin"],
                          input="short\n")
    assert short.exit_code != 0 and "密码至少" in short.output
    assert db.session.execute(select(StaffUser.username).order_by(StaffUser.id)).scalars().all() == [
        "county2", "xidoupu", "xidoupu-sj"]


def test_cli_set_password_lifts_lockout(runner, client, ctx):
    service.create_staff("county", "county_admin", None, PASSWORD)
    for _ in range(6):
        _login(client, "county", "wrong-password")
        _login(client, "county", "wrong-password", _from("203.0.113.7"))
    result = runner.invoke(args=["staff", "set-password", "--username", "county", "--password-stdin"],
                           input="another-long-pass\n")
    assert result.exit_code == 0, result.output
    assert _login(client, "county", "another-long-pass").status_code == 200
    assert _login(client, "county", "another-long-pass", _from("203.0.113.7")).status_code == 200
