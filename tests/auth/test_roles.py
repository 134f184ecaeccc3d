"""CONTRACT §5 Staff API: wrong role is 403 `forbidden`, a member's token on any staff endpoint too."""
import re

import pytest

from tests.callers import assert_error_shape
from tests.platform.test_error_shape import SECURED

# What a member may call (the mini-program): everything else in the API is for staff. An order and a receipt
# answer their member and staff in scope alike (CONTRACT §7, §11).
MEMBER_PATHS = re.compile(r"^/api/v1/(me(/.*)?|auth/(bind|logout|registrations(/mine)?)"
                          r"|events/\{event_id\}/(checkins|leave)|dues/orders(/\{order_no\})?|dues/receipts/\{receipt_no\})$")
# Both: members see the active special-dues campaigns they can give to (docs/dues.md), and the registration
# form lists townships and branches by name (CONTRACT §10).
SHARED = {("GET", "/api/v1/dues/campaigns"), ("GET", "/api/v1/townships"), ("GET", "/api/v1/branches")}
STAFF_ONLY = [(m, p) for m, p in SECURED if not MEMBER_PATHS.match(p) and (m, p) not in SHARED]
MEMBER_ONLY = [(m, p) for m, p in SECURED if MEMBER_PATHS.match(p) and not p.startswith(("/api/v1/auth/",
                                                                                          "/api/v1/dues/orders/",
                                                                                          "/api/v1/dues/receipts/"))]


def test_the_split_covers_staff_and_member_endpoints():
    assert len(STAFF_ONLY) > 30 and len(MEMBER_ONLY) > 8


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY, ids=[f"{m} {p}" for m, p in STAFF_ONLY])
def test_a_member_token_on_a_staff_endpoint_is_403_forbidden(client, callers, method, path):
    for who in ("member", "unbound"):
        resp = client.open(re.sub(r"\{[^}]+\}", "1", path), method=method, headers=callers[who], json={})
        assert_error_shape(resp, 403, "forbidden")


@pytest.mark.parametrize(("method", "path"), MEMBER_ONLY, ids=[f"{m} {p}" for m, p in MEMBER_ONLY])
def test_a_staff_token_on_a_member_endpoint_is_403_forbidden(client, callers, method, path):
    for who in ("county_admin", "branch_secretary"):
        resp = client.open(re.sub(r"\{[^}]+\}", "1", path), method=method, headers=callers[who], json={})
        assert_error_shape(resp, 403, "forbidden")
