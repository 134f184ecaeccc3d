"""nginx's own refusals and outages answer in the service's JSON error shape, and gunicorn never answers first."""
from __future__ import annotations

import json
import random
import socket
from datetime import timedelta
from io import BytesIO

from PIL import Image
from werkzeug.security import generate_password_hash

from server.common.timeutil import utcnow
from server.core.accounts import StaffUser
from server.extensions import db
from tests.deploy import stack
from tests.deploy.conftest import gunicorn_env, json_error
from tests.factories import make_branch, make_event


def test_oversized_body_uri_and_header_are_json_from_nginx(app, running):
    client = running.client()
    status, headers, body = client.request("POST", "/api/v1/staff/login", body=b"x" * (5 * 1024 * 1024),
                                           headers={"Content-Type": "application/json"})
    assert status == 413
    assert json_error(status, headers, body) == {"code": "payload_too_large", "message": "提交的内容太大"}

    status, headers, body = client.request("GET", "/api/v1/members?q=" + "9" * 5000)
    assert status == 414
    assert json_error(status, headers, body) == {"code": "uri_too_long", "message": "请求地址太长"}

    status, headers, body = client.request("GET", "/healthz", headers={"X-Padding": "p" * 5000})
    assert status == 400
    assert json_error(status, headers, body)["code"] == "bad_request"


def _multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "party-photo-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_photo_near_the_5_mb_limit_is_stored_through_nginx(app, ctx, running):
    """nginx's 4 MB body limit is raised on the photo upload path only, so a photo the app accepts gets there."""
    branch = make_branch(kind="mobile")
    event = make_event(branch, starts_at=utcnow() - timedelta(hours=3), ends_at=utcnow() - timedelta(hours=1))
    db.session.add(StaffUser(username="photo-sec", password_hash=generate_password_hash("photo-pass-2026"),
                             role="branch_secretary", scope_id=branch.id))
    db.session.commit()
    client = running.client()
    status, _, raw = client.request("POST", "/api/v1/staff/login", json.dumps(
        {"username": "photo-sec", "password": "photo-pass-2026"}).encode(), {"Content-Type": "application/json"})
    assert status == 200, raw[:200]
    token = json.loads(raw)["token"]
    picture = BytesIO()
    Image.frombytes("RGB", (1250, 1250), random.Random(7).randbytes(1250 * 1250 * 3)).save(picture, "PNG")
    photo = picture.getvalue()
    assert 4 * 1024 * 1024 < len(photo) < 5 * 1024 * 1024  # over nginx's general limit, under the photo limit
    body, content_type = _multipart("file", "会场合影.png", photo, "image/png")
    status, headers, raw = client.request("POST", f"/api/v1/events/{event.id}/minutes/photos", body,
                                          {"Content-Type": content_type, "Authorization": f"Bearer {token}"},
                                          timeout=60)
    assert status == 201, (status, raw[:300])
    # Elsewhere the general limit still holds, answered by nginx in the service's shape.
    status, headers, raw = client.request("POST", f"/api/v1/events/{event.id}/minutes", body,
                                          {"Content-Type": content_type, "Authorization": f"Bearer {token}"})
    assert status == 413 and json_error(status, headers, raw)["code"] == "payload_too_large"


def test_what_nginx_lets_through_is_within_gunicorn_limits(app, running):
    """The longest request line and the most headers nginx passes reach the app (JSON), not gunicorn's HTML."""
    client = running.client()
    path = "/api/v1/no-such-" + "a" * (4096 - len("GET /api/v1/no-such- HTTP/1.1\r\n") - 1)
    status, headers, body = client.request("GET", path)
    assert status == 404 and json_error(status, headers, body)["code"] == "not_found"

    many = {f"X-Extra-{i}": "1" for i in range(300)}
    status, headers, body = client.request("GET", "/healthz", headers=many)
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_login_flood_is_a_json_429_from_nginx(app, running):
    client = running.client(source="127.0.0.9")  # its own address: nginx limits logins per address
    answers = [client.request("POST", "/api/v1/auth/login", body=b"{}",
                              headers={"Content-Type": "application/json"}) for _ in range(25)]
    statuses = [status for status, _, _ in answers]
    assert statuses[0] == 422  # the app's own answer to a login without a code
    status, headers, body = answers[-1]
    assert status == 429
    assert json_error(status, headers, body) == {"code": "rate_limited", "message": "操作太频繁，请稍后再试"}


def test_405_through_nginx_keeps_allow(app, running):
    status, headers, body = running.client().request("GET", "/api/v1/staff/login")
    assert status == 405
    assert json_error(status, headers, body)["code"] == "method_not_allowed"
    assert "POST" in {m.strip() for m in headers["allow"].split(",")}


def test_stopped_gunicorn_is_a_json_502(_schema, deploy_tmp):
    gunicorn, gport = stack.start_gunicorn(deploy_tmp, gunicorn_env(0), 1)
    nginx = None
    try:
        nginx, nport = stack.start_nginx(deploy_tmp, gport)
        client = stack.Https(nport, deploy_tmp / "fullchain.pem")
        assert client.request("GET", "/healthz")[0] == 200
        stack.stop(gunicorn)
        status, headers, body = client.request("GET", "/healthz")
        assert status == 502
        assert json_error(status, headers, body) == {"code": "service_unavailable",
                                                     "message": "服务暂时不可用，请稍后再试"}
    finally:
        stack.stop(gunicorn)
        if nginx:
            stack.stop(nginx)


def test_upstream_that_stops_answering_is_a_json_504(deploy_tmp):
    """An upstream that accepts connections but never answers (a hung host): nginx's read timeout ends it."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # never accept()ed: the kernel completes the handshake, nothing ever replies
        nginx, nport = stack.start_nginx(deploy_tmp, hung.getsockname()[1], read_timeout="1s")
        try:
            status, headers, body = stack.Https(nport, deploy_tmp / "fullchain.pem").request("GET", "/healthz")
        finally:
            stack.stop(nginx)
    assert status == 504
    assert json_error(status, headers, body) == {"code": "gateway_timeout", "message": "服务响应超时，请稍后再试"}

