"""The version of what the dashboard views show outside the outbox: lost-contact flags.

Everything else a view shows reaches it through the outbox and the roll-up, whose state is in the view
cache's key (server/dashboard/viewcache.py). A flag is opened by the flagging job and closed by a secretary
without an outbox row, so each of those commits bumps this one counter, and a cached view stored under an
older count is computed afresh: a dismissed flag leaves the dashboard at once, however long the cache lasts.
The bump comes after the commit, so a view computed meanwhile is stored under the old count and dropped.
"""
from __future__ import annotations

import logging

import redis

from server.store import get_redis

log = logging.getLogger(__name__)

KEY = "dashboard:flags-version"


def flags_changed() -> None:
    """Count one change of the lost-contact flags (after its commit). Redis down: the cached views expire on
    their own (DASHBOARD_VIEW_CACHE_S); the change itself is already committed, so the caller is not failed."""
    try:
        get_redis().incr(KEY)
    except redis.RedisError as err:
        log.warning("dashboard view cache not invalidated after a flag change: %s", err)
