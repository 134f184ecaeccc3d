"""Read the OpenAPI document the way a caller's code generator would."""
from __future__ import annotations

from tests.platform.test_error_shape import SPEC, _resolve


def response_fields(method: str, path: str, status: int) -> set[str]:
    """Field names of a documented JSON response (fails when the status is not documented)."""
    responses = SPEC["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} does not document {status}: {sorted(responses)}"
    schema = responses[str(status)].get("content", {}).get("application/json", {}).get("schema")
    return set(_resolve(schema).get("properties", {})) if schema else set()


def request_fields(method: str, path: str) -> dict:
    body = SPEC["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    return {name: _resolve(prop) for name, prop in _resolve(body).get("properties", {}).items()}


def component(name: str) -> dict:
    return _resolve({"$ref": f"#/components/schemas/{name}"})
