"""What any caller can check from the outside: the one error shape, nothing internal in a body or a log."""
from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")
# Things that must never leave the service in a response body or a log line.
LEAK_MARKERS = ("Traceback", "File \"", "sqlalchemy", "psycopg", "SELECT ", "INSERT INTO", "UPDATE ",
                "marshmallow", "werkzeug", "session_key")
MARSHMALLOW_ENGLISH = ("Missing data for required field", "Unknown field", "Not a valid", "Field may not be null",
                       "Invalid input type", "Must be one of", "Longer than", "Shorter than", "Invalid value")


def assert_error_shape(resp, status: int, code: str | None = None) -> dict:
    """The one error shape of CONTRACT §3, with Chinese text, and nothing internal in it."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    body = resp.get_json()
    assert isinstance(body, dict), resp.get_data(as_text=True)[:500]
    assert isinstance(body.get("code"), str) and re.fullmatch(r"[a-z][a-z0-9_]*", body["code"])
    if code is not None:
        assert body["code"] == code, body
    assert isinstance(body.get("message"), str) and CJK.search(body["message"]), body
    if "errors" in body:
        assert isinstance(body["errors"], dict) and body["errors"], body
        for messages in _leaves(body["errors"]):
            assert CJK.search(messages), body
    assert_nothing_internal(resp.get_data(as_text=True))
    return body


def assert_nothing_internal(text: str, secrets: tuple[str, ...] = ()) -> None:
    for marker in (*LEAK_MARKERS, *MARSHMALLOW_ENGLISH, *secrets):
        assert marker not in text, marker


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield str(value)
