"""Every error the service really answers matches what /api/openapi.json documents for that status."""
from __future__ import annotations

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import (
    bearer,
    make_id_number,
    make_member,
    member_token,
    staff_token,
)

DOC = "urn:openapi"


def _documented_schema(doc: dict, path: str, method: str, status: int) -> dict:
    """The JSON schema of the documented response (the status's own, else `default`)."""
    responses = doc["paths"][path][method]["responses"]
    response = responses.get(str(status)) or responses["default"]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def _assert_documented(doc: dict, path: str, method: str, resp) -> None:
    schema = _documented_schema(doc, path, method, resp.status_code)
    registry = Registry().with_resource(DOC, Resource.from_contents(doc, default_specification=DRAFT4))
    ref = {"$ref": DOC + schema["$ref"]} if "$ref" in schema else schema
    jsonschema.Draft4Validator(ref, registry=registry).validate(resp.get_json())
    assert isinstance(resp.get_json()["code"], str)


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


def test_no_error_response_points_at_the_integer_code_schema(doc):
    assert "Error" not in doc["components"]["schemas"]
    assert doc["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "default" in operation["responses"], (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
            if operation.get("security"):
                assert "401" in operation["responses"], (method, path)


def test_real_errors_match_their_documented_schema(client, ctx, doc):
    member = make_member(name="黄丽")
    secretary = bearer(staff_token("branch_secretary", member.mobile_branch_id))
    cases = [
        (401, "/api/v1/members", "get", client.get("/api/v1/members")),
        (403, "/api/v1/members", "get", client.get("/api/v1/members", headers=bearer(member_token(member)))),
        (404, "/api/v1/members/{member_id}", "get", client.get("/api/v1/members/2147483647", headers=secretary)),
        (405, "/api/v1/members/{member_id}", "get", client.delete(f"/api/v1/members/{member.id}", headers=secretary)),
        (422, "/api/v1/events", "post", client.post("/api/v1/events", json={"title": "x\x00"}, headers=secretary)),
        (400, "/api/v1/staff/login", "post", client.post("/api/v1/staff/login", data="username=a",
                                                         content_type="text/plain")),
    ]
    bind = {"name": "黄丽", "id_number": member.id_number}  # member_token(member) bound it already
    cases.append((409, "/api/v1/auth/bind", "post",
                  client.post("/api/v1/auth/bind", json=bind, headers=bearer(member_token()))))
    guesser = bearer(member_token())
    for _ in range(5):
        client.post("/api/v1/auth/bind", json={"name": "黄丽", "id_number": make_id_number()}, headers=guesser)
    cases.append((429, "/api/v1/auth/bind", "post", client.post("/api/v1/auth/bind", json=bind, headers=guesser)))

    for status, path, method, resp in cases:
        assert resp.status_code == status, (path, resp.get_json())
        _assert_documented(doc, path, method, resp)
