"""The 2008 bracket table at every edge: the bracket applies to the whole base, rounding half up to the fen."""
from decimal import Decimal

import pytest

from server.dues.rules import RuleError, compute, round_fen


@pytest.mark.parametrize("base_fen, monthly_fen, rate", [
    (0, 0, "0.005"),
    (300000, 1500, "0.005"),
    (300001, 3000, "0.01"),      # 3000.01 yuan × 1% = 30.0001 yuan → 3000 fen
    (500000, 5000, "0.01"),
    (500001, 7500, "0.015"),     # 7500.015 fen → 7500
    (1000000, 15000, "0.015"),
    (1000001, 20000, "0.02"),    # 20000.02 fen → 20000
    (123457, 617, "0.005"),      # 617.285 → 617
    (123500, 618, "0.005"),      # 617.5 → 618: half up, not to even
    (123300, 617, "0.005"),      # 616.5 → 617
])
def test_salaried_brackets_apply_to_the_whole_base(base_fen, monthly_fen, rate):
    result = compute("salaried", income_base_fen=base_fen)
    assert result.monthly_fen == monthly_fen
    assert result.rate == Decimal(rate)


@pytest.mark.parametrize("base_fen, monthly_fen", [(500000, 2500), (500001, 5000), (250000, 1250), (800000, 8000)])
def test_retired_brackets(base_fen, monthly_fen):
    assert compute("retired", income_base_fen=base_fen).monthly_fen == monthly_fen


def test_rounding_is_half_up_to_the_fen():
    assert round_fen(Decimal("2.5")) == 3
    assert round_fen(Decimal("3.5")) == 4
    assert round_fen(Decimal("2.4999")) == 2


@pytest.mark.parametrize("fen", [20, 55, 100])
def test_farmer_amount_is_chosen_between_20_and_100_fen(fen):
    assert compute("farmer", monthly_fen=fen).monthly_fen == fen


@pytest.mark.parametrize("fen", [None, 0, 19, 101, 1500])
def test_farmer_amount_outside_the_range_is_refused(fen):
    with pytest.raises(RuleError) as err:
        compute("farmer", monthly_fen=fen)
    assert err.value.field == "monthly_fen"


@pytest.mark.parametrize("category", ["student", "unemployed"])
def test_students_and_unemployed_pay_20_fen(category):
    assert compute(category).monthly_fen == 20
    with pytest.raises(RuleError):
        compute(category, monthly_fen=50)


def test_hardship_needs_a_reason_and_allows_zero():
    with pytest.raises(RuleError) as err:
        compute("hardship", monthly_fen=0, reason="  ")
    assert err.value.field == "reason"
    assert compute("hardship", monthly_fen=0, reason="重病住院").monthly_fen == 0
    with pytest.raises(RuleError):
        compute("hardship", monthly_fen=-1, reason="重病")


def test_salaried_without_base_or_absurd_base_is_refused():
    with pytest.raises(RuleError):
        compute("salaried")
    with pytest.raises(RuleError):
        compute("salaried", income_base_fen=10**12)
