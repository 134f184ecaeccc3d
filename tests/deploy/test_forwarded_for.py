"""Client addresses behind nginx: X-Forwarded-For is believed only from TRUSTED_PROXIES (here nginx, 127.0.0.1)."""
from __future__ import annotations

import http.client
import json

from sqlalchemy import select

from server.core.audit import AuditEntry
from server.extensions import db

FORGED = "203.0.113.9"


def failed_login_address(send, username: str) -> str:
    """Attempt a staff login as `username` and read the address the audit log recorded for it."""
    status = send("POST", "/api/v1/staff/login", json.dumps({"username": username, "password": "wrong"}).encode(),
                  {"Content-Type": "application/json", "X-Forwarded-For": FORGED})
    assert status == 401
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.login_failed")).all()
    [address] = [e.ip for e in entries if e.detail["username"] == username]
    return address


def direct(port: int, source: str):
    def send(method, path, body, headers):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()
    return send


def test_forged_forwarded_for_is_not_believed_and_nginx_reports_the_real_client(app, ctx, running):
    via_nginx = running.client(source="127.0.0.5")
    # nginx replaces what the client claimed with the address it saw; gunicorn trusts nginx's header.
    assert failed_login_address(lambda *a: via_nginx.request(*a)[0], "via-nginx") == "127.0.0.5"
    # A client reaching gunicorn itself from an untrusted address cannot choose its address either.
    assert failed_login_address(direct(running.gunicorn_port, "127.0.0.7"), "direct") == "127.0.0.7"
    # The trusted proxy's header is believed as sent.
    assert failed_login_address(direct(running.gunicorn_port, "127.0.0.1"), "as-proxy") == FORGED
