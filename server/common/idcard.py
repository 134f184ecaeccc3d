"""Resident ID numbers (GB 11643-1999): the check digit and plausibility rules."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def normalize(value: str) -> str:
    """Trim and upper-case a typed ID number (a lower-case x is common); full-width digits become ASCII.

    NFKC first, so "４２０１…" and "4201…" are one number with one lookup hash (never two roster members).
    """
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def is_valid(value: str) -> bool:
    """18 characters, a real birth date and the right check digit."""
    value = normalize(value)
    if not _SHAPE.match(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    return check_digit(value[:17]) == value[17]
