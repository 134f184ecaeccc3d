"""/api/docs in one language: every operation has a Chinese summary, every response a Chinese description, and
the main member and secretary calls carry an example body that the service itself accepts."""
import re

import pytest

from server.common.idcard import is_valid

CJK = re.compile("[\u4e00-\u9fff]")
METHODS = ("get", "post", "put", "patch", "delete")
EXAMPLED = [("/api/v1/auth/login", "post"), ("/api/v1/auth/bind", "post"), ("/api/v1/staff/login", "post"),
            ("/api/v1/me/reports", "post"), ("/api/v1/events", "post"), ("/api/v1/events/{event_id}/checkins", "post"),
            ("/api/v1/events/{event_id}/manual-checkins", "post"), ("/api/v1/events/{event_id}/leave", "post"),
            ("/api/v1/dues/orders", "post")]


@pytest.fixture
def doc(client):
    return client.get("/api/openapi.json").get_json()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_has_a_chinese_summary(doc):
    missing = [f"{method.upper()} {path}" for path, method, op in _operations(doc) if not CJK.search(op.get("summary", ""))]
    assert missing == []


def test_every_response_is_described_in_chinese(doc):
    shared = doc["components"]["responses"]
    assert all(CJK.search(response["description"]) for response in shared.values())
    english = [f"{method.upper()} {path} {status}: {response.get('description')}"
               for path, method, op in _operations(doc) for status, response in op["responses"].items()
               if "$ref" not in response and not CJK.search(response.get("description", ""))]
    assert english == []


@pytest.mark.parametrize("path,method", EXAMPLED)
def test_main_calls_have_an_example_the_service_accepts(app, doc, path, method):
    body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
    example = body["example"]
    view = app.view_functions[next(rule.endpoint for rule in app.url_map.iter_rules()
                                   if rule.rule == path.replace("{", "<").replace("}", ">").replace("<event_id>", "<int:event_id>")
                                   and method.upper() in rule.methods)]
    schema = view._apidoc["arguments"]["parameters"][0]["schema"]
    schema = schema() if isinstance(schema, type) else schema
    assert schema.validate(example) == {}, example
    if "id_number" in example:
        assert is_valid(example["id_number"])


def _descriptions(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield where, value
            else:
                yield from _descriptions(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _descriptions(value, where)


def test_every_field_and_operation_description_is_chinese(doc):
    # flask-smorest's own PaginationMetadata is registered by the library and used by no operation here.
    doc = {**doc, "components": {**doc["components"], "schemas": {
        name: schema for name, schema in doc["components"]["schemas"].items() if name != "PaginationMetadata"}}}
    assert [f"{where}: {text}" for where, text in _descriptions(doc) if not CJK.search(text)] == []
