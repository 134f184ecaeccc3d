"""Generated requests (schemathesis) against the documented API: no 5xx, every answer as documented.

A bounded run (a few examples per operation) as a member, a secretary and the county admin, with a
member, an event and a branch seeded so some generated ids exist.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.extensions import db
from tests.conftest import bearer, make_member, member_token, staff_token
from tests.factories import make_event

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 3


@pytest.fixture
def identities(app):
    with app.app_context():
        member = make_member()
        make_event(member.mobile_branch)
        tokens = {
            "member": member_token(member),
            "secretary": staff_token("branch_secretary", member.mobile_branch_id),
            "county": staff_token("county_admin"),
        }
        db.session.remove()
    return tokens


def test_generated_requests_are_answered_as_documented(app, identities):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    calls = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/pay/wechat/notify") or operation.path.startswith("/api/v1/sync/") \
                and "dead-letters" not in operation.path:
            continue  # not bearer endpoints: the notice and the signed pulls have their own tests

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def answered_as_documented(case):
            calls.append(case.path)
            for token in identities.values():
                case.headers = {**(case.headers or {}), **bearer(token)}
                case.call_and_validate(checks=CHECKS)

        answered_as_documented()
    assert len({path for path in calls}) > 30, sorted(set(calls))
