"""Dues fixtures: a branch, a member owing three months' dues, and staff tokens."""
from __future__ import annotations

import pytest

from tests.dues.helpers import make_paying_member
from tests.factories import make_branch, member_token, staff_token


@pytest.fixture
def branch(ctx):
    return make_branch()


@pytest.fixture
def member(branch):
    return make_paying_member(branch, joined_months_ago=3)


@pytest.fixture
def token(member):
    return member_token(member)


@pytest.fixture
def secretary(branch):
    return staff_token("branch_secretary", branch.id)


@pytest.fixture
def township_admin(branch):
    return staff_token("township_admin", branch.township_id)
