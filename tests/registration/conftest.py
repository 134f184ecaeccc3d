"""Registration fixtures: a township with its mobile branch, and a form as the register page sends it."""
from __future__ import annotations

import pytest

from tests.factories import bearer, make_branch, make_id_number, make_township, member_token, staff_token


@pytest.fixture
def orgs(ctx):
    township = make_township("金山镇")
    mobile = make_branch(township, name="金山镇流动党员党支部")
    village = make_branch(township, kind="village", name="红星村党支部")
    return {"township": township, "mobile": mobile, "village": village}


@pytest.fixture
def form(orgs):
    """A complete request body for a fresh ID number; `form(**changes)` for variants."""

    def build(**changes):
        body = {"name": "刘芳", "id_number": make_id_number(), "phone": "13800001111",
                "township_id": orgs["township"].id, "mobile_branch_id": orgs["mobile"].id,
                "home_branch": "红星村党支部", "left_on": "2025-06-01", "destination": "深圳市",
                "employer": "某某电子厂"}
        body.update(changes)
        return {k: v for k, v in body.items() if v is not ...}

    return build


@pytest.fixture
def registrant(ctx):
    """A fresh unbound WeChat account's headers (`registrant()` for another one)."""

    def make(openid=None):
        return bearer(member_token(None, openid=openid))

    return make


@pytest.fixture
def secretary(orgs):
    return bearer(staff_token("branch_secretary", orgs["mobile"].id))


def submit(client, headers, body):
    return client.post("/api/v1/auth/registrations", headers=headers, json=body)
