"""Demo county: bring the dashboard roll-ups up to date and flag lost-contact candidates (idempotent)."""
from __future__ import annotations

from server.dashboard import lostcontact, rollup


def seed(echo) -> None:
    """Apply every outbox change the other seeders wrote, then open lost-contact flags (status untouched)."""
    applied = rollup.run()
    flagged = lostcontact.flag_candidates()
    state = rollup.status()
    if not applied and not flagged:
        echo(f"看板：汇总已是最新（累计 {state['applied']} 条变更），未做改动")
        return
    echo(f"看板：汇总了 {applied} 条变更（累计 {state['applied']} 条），新标记疑似失联 {flagged} 人")
