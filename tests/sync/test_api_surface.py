"""CONTRACT §8 Sync: fixed paths, fields and change types as a township's generator reads them."""
import re

from tests.openapi_surface import component, request_fields, response_fields

TYPES = ["member.upserted", "member.status_changed", "report.created", "checkin.created", "leave.created",
         "dues.paid", "dues.refunded", "standard.set"]


def test_changes_page_has_changes_next_and_more_always():
    page = component("ChangesOut")
    assert {"changes", "next", "more"} <= set(page["required"])
    change = component("ChangeOut")
    assert {"seq", "type", "member_id", "township_id", "at", "data"} <= set(change["properties"])
    kinds = change["properties"]["type"]["enum"]
    assert kinds[:len(TYPES)] == TYPES
    later = kinds[len(TYPES):]  # "plus later types of the same dotted form, each documented"
    assert all(re.fullmatch(r"[a-z]+\.[a-z_]+", kind) and kind in change["properties"]["type"]["description"]
               for kind in later)


def test_digest_has_members_checkins_paid_fen_and_a_documented_hash():
    assert {"members", "checkins", "paid_fen", "hash"} <= response_fields("GET", "/api/v1/sync/digest", 200)
    response_fields("GET", "/api/v1/sync/digest", 401)  # sync_auth_failed is documented


def test_webhook_takes_a_url():
    assert "url" in request_fields("PUT", "/api/v1/sync/webhook")
