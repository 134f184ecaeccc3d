"""Audit fixtures: two townships with a member each, and staff of each role in the first."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import bearer, make_branch, make_member, member_token, staff_token

AUDIT = "/api/v1/audit"


@dataclass
class Town:
    branch: object
    member: object
    admin: dict
    secretary: dict


@pytest.fixture
def towns(ctx):
    made = []
    for _ in range(2):
        branch = make_branch()
        made.append(Town(branch, make_member(branch),
                         bearer(staff_token("township_admin", branch.township_id)),
                         bearer(staff_token("branch_secretary", branch.id))))
    return made


@pytest.fixture
def county(ctx):
    return bearer(staff_token("county_admin", username="county-auditor"))


@pytest.fixture
def member_caller(towns):
    return bearer(member_token(towns[0].member))
