"""No clear ID number or phone in a log line. Staff search by ID number or phone (`GET /api/v1/members?q=`),
so the query string of a request carries them: no access log may record query strings."""
import logging
import re
from pathlib import Path

from tests.factories import bearer, make_member, staff_token

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
QUERY_VARIABLES = ("$request ", "$request\"", "$request'", "$request;", "$request_uri", "$args", "$query_string",
                   "$arg_")


def test_nginx_access_log_leaves_out_query_strings():
    conf = (DEPLOY / "nginx-party.conf").read_text(encoding="utf-8")
    live = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    formats = dict(re.findall(r"log_format\s+(\w+)\s+((?:'[^']*'\s*|\"[^\"]*\"\s*)+);", live))
    logs = re.findall(r"access_log\s+([^;]+);", live)
    # Without an access_log line nginx writes the default "combined" format, whose $request has the query.
    assert logs, "nginx logs the full request line (with ?q=<ID number>) by default"
    for directive in logs:
        parts = directive.split()
        if parts[0] == "off":
            continue
        assert len(parts) >= 2 and parts[1] in formats, f"access_log {directive!r} uses a format with the query"
        fmt = formats[parts[1]] + " "
        assert not any(v in fmt for v in QUERY_VARIABLES), fmt


def test_gunicorn_access_log_leaves_out_query_strings():
    conf = (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")
    fmt = re.search(r"access_log_format\s*=\s*(.+)", conf).group(1)
    assert "%(r)s" not in fmt and "%(q)s" not in fmt


def test_searching_by_id_number_or_phone_logs_neither(client, ctx, caplog):
    member = make_member()
    staff = bearer(staff_token("county_admin"))
    with caplog.at_level(logging.DEBUG):
        for q in (member.id_number, member.phone):
            resp = client.get("/api/v1/members", query_string={"q": q}, headers=staff)
            assert resp.status_code == 200 and resp.get_json()["total"] == 1
            assert q not in resp.get_data(as_text=True)
    assert member.id_number not in caplog.text and member.phone not in caplog.text
