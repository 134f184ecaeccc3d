"""The 2008 dues rules (中组发〔2008〕3号) as pure functions: no database, no Flask.

Rounding rule: the monthly amount is base × rate computed exactly with Decimal, then rounded half up
to the whole fen (ROUND_HALF_UP). The bracket is chosen by the WHOLE base and its rate applies to the whole
base, not marginally: 3000.00 yuan → 15.00 yuan, 3000.01 yuan → 30.00 yuan.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# (upper bound of the base in fen, inclusive; rate). None = no upper bound.
SALARIED_BRACKETS = (
    (300000, Decimal("0.005")),
    (500000, Decimal("0.01")),
    (1000000, Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BRACKETS = (
    (500000, Decimal("0.005")),
    (None, Decimal("0.01")),
)
FARMER_MIN_FEN, FARMER_MAX_FEN = 20, 100
STUDENT_FEN = 20  # also the unemployed and those on relief or 低保
HARDSHIP_MAX_FEN = 10000  # a reduced amount; 0 is a full exemption
MAX_BASE_FEN = 100_000_000  # 1,000,000 yuan a month: anything above is a typing error


class RuleError(ValueError):
    """A standard the rules do not allow; `field` names the input at fault, the message is Chinese."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Computed:
    monthly_fen: int
    rate: Decimal | None
    income_base_fen: int | None


def round_fen(value: Decimal) -> int:
    """Round a fen amount half up to the whole fen."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def bracket_rate(base_fen: int, brackets) -> Decimal:
    """The rate of the bracket the whole base falls in."""
    for upper, rate in brackets:
        if upper is None or base_fen <= upper:
            return rate
    raise AssertionError("brackets must end with an open bracket")


def compute(category: str, income_base_fen: int | None = None, monthly_fen: int | None = None,
            reason: str | None = None) -> Computed:
    """The monthly dues for a category: salaried/retired from the base, fixed amounts for the others."""
    if category in ("salaried", "retired"):
        if income_base_fen is None:
            raise RuleError("income_base_fen", "在职和离退休党员须填写月计算基数（分）")
        if not 0 <= income_base_fen <= MAX_BASE_FEN:
            raise RuleError("income_base_fen", "计算基数超出合理范围")
        rate = bracket_rate(income_base_fen, SALARIED_BRACKETS if category == "salaried" else RETIRED_BRACKETS)
        return Computed(round_fen(Decimal(income_base_fen) * rate), rate, income_base_fen)
    if category == "farmer":
        if monthly_fen is None:
            raise RuleError("monthly_fen", "农民党员的月缴纳额由支部在 0.2 元至 1 元之间确定，请填写")
        if not FARMER_MIN_FEN <= monthly_fen <= FARMER_MAX_FEN:
            raise RuleError("monthly_fen", "农民党员每月缴纳 0.2 元至 1 元（20 至 100 分）")
        return Computed(monthly_fen, None, None)
    if category in ("student", "unemployed"):
        if monthly_fen is not None and monthly_fen != STUDENT_FEN:
            raise RuleError("monthly_fen", "学生、下岗失业和享受低保的党员每月缴纳 0.2 元")
        return Computed(STUDENT_FEN, None, None)
    if category == "hardship":
        if not reason or not reason.strip():
            raise RuleError("reason", "生活困难减免须写明原因")
        if monthly_fen is None:
            raise RuleError("monthly_fen", "请填写减免后的月缴纳额（可为 0）")
        if not 0 <= monthly_fen <= HARDSHIP_MAX_FEN:
            raise RuleError("monthly_fen", "生活困难党员减免后的月缴纳额应在 0 至 100 元之间")
        return Computed(monthly_fen, None, income_base_fen)
    raise RuleError("category", "党员类别不正确")
