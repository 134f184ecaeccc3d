"""CONTRACT §3 Errors: one shape for every failure of every endpoint in the OpenAPI document."""
from __future__ import annotations

import re

import pytest
import sqlalchemy.exc

from server import create_app
from tests.callers import assert_error_shape, assert_nothing_internal
from tests.conftest import _test_config

# Endpoints that answer without a bearer token; sync endpoints have their own 401 (CONTRACT §8).
PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/staff/login"), ("POST", "/api/v1/pay/wechat/notify")}
CALLER_ORDER = ("member", "county_admin", "township_admin", "branch_secretary", "unbound")


def _openapi() -> dict:
    app = create_app({**_test_config(), "WECHAT_EMULATOR": False})
    return app.test_client().get("/api/openapi.json").get_json()


SPEC = _openapi()


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _operations():
    for path, item in SPEC["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in item.items():
            if method in ("parameters",):
                continue
            yield method.upper(), path, op


OPERATIONS = list(_operations())
SECURED = [(m, p) for m, p, op in OPERATIONS if {"bearer": []} in (op.get("security") or [])]
SIGNED = [(m, p) for m, p, op in OPERATIONS if {"syncSignature": []} in (op.get("security") or [])]
JSON_BODY = [(m, p, _resolve(op["requestBody"]["content"]["application/json"]["schema"]))
             for m, p, op in OPERATIONS if "application/json" in op.get("requestBody", {}).get("content", {})]
# Signed endpoints check the signature before the body: see test_sync_endpoints_without_a_signature.
UNSIGNED_JSON_BODY = [case for case in JSON_BODY if case[:2] not in SIGNED]
QUERY_FIELDS = [(m, p, prm["name"], prm["schema"]) for m, p, op in OPERATIONS if (m, p) not in SIGNED
                for prm in op.get("parameters", []) if prm.get("in") == "query"]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _ids(cases):
    return [f"{c[0]} {c[1]}" + (f" {c[2]}" if len(c) > 3 else "") for c in cases]


def test_the_walk_covers_every_documented_operation():
    """Guard against a silent empty parametrisation: the document lists the contract's endpoints."""
    paths = {p for _, p, _ in OPERATIONS}
    assert {"/api/v1/auth/login", "/api/v1/events/{event_id}/checkins", "/api/v1/dues/orders",
            "/api/v1/sync/changes", "/api/v1/dashboard/county"} <= paths
    assert len(SECURED) > 40 and len(JSON_BODY) > 15 and SIGNED


def _as_someone_allowed(client, callers, method, path, **kwargs):
    """Send as the first caller whose role the endpoint accepts (role checks run before the body is read)."""
    if (method, path) in PUBLIC:
        return client.open(_url(path), method=method, **kwargs)
    for who in CALLER_ORDER:
        resp = client.open(_url(path), method=method, headers=callers[who], **kwargs)
        if resp.status_code != 403:
            return resp
    pytest.fail(f"no caller may use {method} {path}")


@pytest.mark.parametrize(("method", "path"), SECURED, ids=_ids(SECURED))
def test_a_missing_unknown_or_malformed_token_is_401_unauthorized(client, method, path):
    for headers in ({}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + "x" * 5000}):
        # A body that is itself wrong must not hide the missing token.
        resp = client.open(_url(path), method=method, headers=headers, data="{broken", content_type="application/json")
        assert_error_shape(resp, 401, "unauthorized")


@pytest.mark.parametrize(("method", "path"), SIGNED, ids=_ids(SIGNED))
def test_sync_endpoints_without_a_signature_are_401_sync_auth_failed(client, callers, method, path):
    for headers in ({}, callers["county_admin"]):
        resp = client.open(_url(path), method=method, headers=headers, json={"url": "https://x.example/hook"})
        assert_error_shape(resp, 401, "sync_auth_failed")


@pytest.mark.parametrize(("method", "path", "schema"), UNSIGNED_JSON_BODY, ids=_ids(UNSIGNED_JSON_BODY))
def test_a_body_that_is_not_json_is_400_bad_request(client, callers, method, path, schema):
    for kwargs in ({"data": "{not json", "content_type": "application/json"},
                   {"data": "name=张三&id_number=1", "content_type": "application/x-www-form-urlencoded"},
                   {"data": "hello", "content_type": "text/plain"},
                   {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"}):
        assert_error_shape(_as_someone_allowed(client, callers, method, path, **kwargs), 400, "bad_request")


@pytest.mark.parametrize(("method", "path", "schema"), UNSIGNED_JSON_BODY, ids=_ids(UNSIGNED_JSON_BODY))
def test_a_json_array_or_scalar_body_is_422_validation_error(client, callers, method, path, schema):
    for body in ([1, 2], "text", 7, None):
        resp = _as_someone_allowed(client, callers, method, path, json=body)
        if body is None and not schema.get("required"):
            continue  # `null` for an all-optional body (PATCH) reads as "nothing to change"
        assert_error_shape(resp, 422, "validation_error")


@pytest.mark.parametrize(("method", "path", "schema"), UNSIGNED_JSON_BODY, ids=_ids(UNSIGNED_JSON_BODY))
def test_an_unknown_field_is_422_with_a_chinese_message_for_it(client, callers, method, path, schema):
    resp = _as_someone_allowed(client, callers, method, path, json={"is_admin": True})
    body = assert_error_shape(resp, 422, "validation_error")
    assert "is_admin" in body["errors"]


_WRONG = {"string": [12345, ["a"], {"a": 1}], "integer": ["abc", 1.5, [1], True], "number": ["abc", [1]],
          "boolean": ["perhaps", [True], 12], "array": ["x", {"a": 1}, 5], "object": [5, "x", [1]]}


def _field_cases():
    for method, path, schema in UNSIGNED_JSON_BODY:
        for name, prop in _resolve(schema).get("properties", {}).items():
            prop = _resolve(prop)
            if prop.get("readOnly"):
                continue
            yield method, path, name, prop


FIELD_CASES = list(_field_cases())
STRING_CASES = [case for case in FIELD_CASES if case[3].get("type") == "string" and not case[3].get("enum")]


@pytest.mark.parametrize(("method", "path", "field", "prop"), FIELD_CASES, ids=_ids(FIELD_CASES))
def test_a_wrong_type_is_422_naming_the_field_in_chinese(client, callers, method, path, field, prop):
    kind = prop.get("type") or ("object" if "properties" in prop else None)
    if kind not in _WRONG:
        pytest.skip(f"no wrong value known for {prop}")
    for value in _WRONG[kind]:
        resp = _as_someone_allowed(client, callers, method, path, json={field: value})
        body = assert_error_shape(resp, 422, "validation_error")
        assert field in body["errors"], (value, body)


@pytest.mark.parametrize(("method", "path", "field", "prop"), STRING_CASES, ids=_ids(STRING_CASES))
def test_a_100_kb_string_is_422_naming_the_field(client, callers, method, path, field, prop):
    resp = _as_someone_allowed(client, callers, method, path, json={field: "长" * 100_000})
    body = assert_error_shape(resp, 422, "validation_error")
    assert field in body["errors"], body


_WRONG_QUERY = {"integer": "abc", "number": "abc", "boolean": "perhaps"}


@pytest.mark.parametrize(("method", "path", "param", "schema"), QUERY_FIELDS, ids=_ids(QUERY_FIELDS))
def test_a_bad_query_parameter_is_422_naming_it(client, callers, method, path, param, schema):
    schema = _resolve(schema)
    if schema.get("enum"):
        value = "no-such-choice"
    elif schema.get("type") in _WRONG_QUERY:
        value = _WRONG_QUERY[schema["type"]]
    elif schema.get("type") == "string":
        value = "长" * 5000
    else:
        pytest.skip(f"no wrong value known for {schema}")
    resp = _as_someone_allowed(client, callers, method, path, query_string={param: value})
    body = assert_error_shape(resp, 422, "validation_error")
    assert param in body["errors"], body


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v2/me", "/nope", "/api/v1/members/abc"])
def test_unknown_paths_are_404_not_found(client, path):
    assert_error_shape(client.get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/members/987654", "/api/v1/members/99999999999999999999999",
                                  "/api/v1/events/99999999999999999999999", "/api/v1/dues/orders/" + "9" * 300,
                                  "/api/v1/dashboard/townships/9223372036854775808"])
def test_an_unknown_record_is_404_not_found(client, callers, path):
    assert_error_shape(client.get(path, headers=callers["county_admin"]), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/api/v1/me"), ("GET", "/api/v1/auth/login"),
                                               ("PUT", "/api/v1/dues/orders"), ("GET", "/api/v1/pay/wechat/notify")])
def test_a_wrong_method_is_405_in_the_error_shape(client, method, path):
    assert_error_shape(client.open(path, method=method), 405, "method_not_allowed")


def test_a_body_over_max_content_length_is_413_in_the_error_shape(app, client):
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    resp = client.post("/api/v1/auth/login", data=b'{"code": "' + b"a" * size + b'"}',
                       content_type="application/json")
    assert_error_shape(resp, 413)
    resp = client.post("/api/v1/pay/wechat/notify", data=b"<xml>" + b"a" * size + b"</xml>", content_type="text/xml")
    assert resp.status_code == 413


def test_an_unexpected_failure_is_500_without_trace_sql_or_secret(app):
    @app.get("/api/v1/_contract_boom")
    def boom():
        raise sqlalchemy.exc.ProgrammingError("SELECT id_number FROM members WHERE secret='x'", {}, Exception("boom"))

    resp = app.test_client().get("/api/v1/_contract_boom")
    body = assert_error_shape(resp, 500, "internal_error")
    assert_nothing_internal(str(body), secrets=(app.config["SECRET_KEY"], app.config["FIELD_KEY"], "id_number"))


def test_a_query_parameter_the_endpoint_does_not_name_is_422_even_with_a_query_schema(client, ctx):
    from tests.factories import bearer, staff_token

    auth = bearer(staff_token())
    for path in ("/api/v1/members?page=1&unknown=1", "/api/v1/events?monthx=2026-01", "/api/v1/audit?who=me"):
        resp = client.get(path, headers=auth)
        assert resp.status_code == 422, path
        body = resp.get_json()
        assert body["code"] == "validation_error" and set(body["errors"]) & {"unknown", "monthx", "who"}
