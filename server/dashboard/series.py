"""One point of a dashboard's monthly series: a month without any roll-up row is a gap, not zero.

A month "has data" when at least one report-in, check-in or payment of the unit was rolled up for it
(`branch_month_stats` has a row). For a month without data every figure is null (`has_data: false`), so a
chart leaves a gap instead of drawing 0 %.
"""
from __future__ import annotations

GAP_FIELDS = ("reported", "report_rate", "checkin_members", "checkin_rate", "checkins", "paid_fen")


def rate(part: int, whole: int) -> float:
    """part / whole rounded to 4 decimals, 0 when whole is 0."""
    return round(part / whole, 4) if whole else 0.0


def point(month: str, stats: dict | None, members: int) -> dict:
    """The series point for `month` from its summed roll-up row (None when the month has no row)."""
    if stats is None:
        return {"month": month, "has_data": False, **dict.fromkeys(GAP_FIELDS)}
    return {"month": month, "has_data": True, "reported": stats["reported_members"],
            "report_rate": rate(stats["reported_members"], members),
            "checkin_members": stats["checkin_members"],
            "checkin_rate": rate(stats["checkin_members"], members),
            "checkins": stats["checkins"], "paid_fen": stats["paid_fen"]}
