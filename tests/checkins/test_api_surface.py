"""CONTRACT §6 Events and check-ins: fixed paths, fields and statuses as a caller's generator reads them."""
from tests.openapi_surface import request_fields, response_fields
from tests.platform.test_error_shape import _resolve

KINDS = ["branch_assembly", "committee", "group", "lecture", "theme_day", "life_meeting", "training", "volunteer"]


def test_event_creation_takes_the_contract_fields_and_kinds():
    fields = request_fields("POST", "/api/v1/events")
    assert {"branch_id", "kind", "title", "starts_at", "ends_at", "location"} <= set(fields)
    assert fields["kind"]["enum"] == KINDS
    assert {"lat", "lng", "radius_m"} <= set(_resolve(fields["location"])["properties"])
    assert "id" in response_fields("POST", "/api/v1/events", 201)


def test_checkin_code_is_token_and_expires_in():
    assert {"token", "expires_in"} <= response_fields("GET", "/api/v1/events/{event_id}/checkin-code", 200)


def test_checkin_is_201_first_and_200_on_repeat_with_the_checkin():
    assert {"token", "lat", "lng", "accuracy"} <= set(request_fields("POST", "/api/v1/events/{event_id}/checkins"))
    for status in (201, 200):
        assert "checkin" in response_fields("POST", "/api/v1/events/{event_id}/checkins", status)
    response_fields("POST", "/api/v1/events/{event_id}/checkins", 422)  # documented


def test_leave_is_201_and_attendance_has_present_on_leave_absent():
    assert "reason" in request_fields("POST", "/api/v1/events/{event_id}/leave")
    response_fields("POST", "/api/v1/events/{event_id}/leave", 201)
    assert {"present", "on_leave", "absent"} <= response_fields("GET", "/api/v1/events/{event_id}/attendance", 200)
