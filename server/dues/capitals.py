"""Amounts in Chinese capitals (人民币大写) as banks and receipts write them: a pure function, no database.

Rules followed (the People's Bank's rules for writing amounts on vouchers):
- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, 万 and 亿 between groups; 10 is 壹拾.
- zeros between significant digits are written once as 零 (1001 → 壹仟零壹; 100010 → 壹拾万零壹拾), trailing
  zeros are not written (100000 → 壹拾万).
- 元 after the yuan part; no 角 and no 分 → 整 (10.00 → 壹拾元整); 角 without 分 has no 整 (1001.50 →
  壹仟零壹元伍角); 分 after a zero 角 is preceded by 零 (1.05 → 壹元零伍分); no yuan part → only 角/分 (0.05 → 伍分);
  nothing at all → 零元整.
"""
from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("仟", "佰", "拾", "")
_SECTIONS = ("", "万", "亿", "万亿")


def _group(number: int) -> str:
    """A number 1..9999 without its leading zeros (the caller writes the 零 in front of a short group)."""
    out, pending_zero = "", False
    for digit, unit in zip(f"{number:04d}", _UNITS):
        if digit == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
        out += DIGITS[int(digit)] + unit
        pending_zero = False
    return out


def _yuan(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    if len(groups) > len(_SECTIONS):
        raise ValueError("amount too large")
    out, pending_zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        out += _group(group) + _SECTIONS[index]
        pending_zero = False
    return out


def rmb_capitals(fen: int) -> str:
    """An amount in fen in Chinese capitals: 5 → 伍分, 1000 → 壹拾元整, 100150 → 壹仟零壹元伍角."""
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise ValueError("an amount in fen must be a non-negative integer")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    head = _yuan(yuan) + "元" if yuan else ""
    if not jiao and not cents:
        return (head or "零元") + "整"
    if jiao:
        return head + DIGITS[jiao] + "角" + (DIGITS[cents] + "分" if cents else "")
    return head + ("零" if head else "") + DIGITS[cents] + "分"
