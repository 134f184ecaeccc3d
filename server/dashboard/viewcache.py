"""The county and township views as answered, shared between readers for up to DASHBOARD_VIEW_CACHE_S seconds.

A view is cached as its JSON body under a key naming the view, the caller's scope, the month and the
roll-up's state (high-water mark, changes applied, open gaps): once the roll-up job (every 5 s) applies a
change, the next read computes the view again. The one thing a view shows that does not pass through the
outbox, the lost-contact flags, is counted by server/dashboard/viewversion.py: the count is stored with the
body and read with it in one MGET, and a body stored under an older count is computed afresh. So a cached
view is as fresh as the roll-up, and DASHBOARD_VIEW_CACHE_S (300 s) only bounds how long an unread entry
keeps its memory. Every read of the township view still writes its audit entry (who read which members'
rows, docs/audit.md), cached or not, and the township is checked against the caller's scope before the
cache is looked at. With Redis down (after the token check passed) a view is computed afresh, not refused.
"""
from __future__ import annotations

import json
import logging

import redis
from flask import current_app

from server.core.tokens import Principal
from server.dashboard import rollup, service, viewversion
from server.store import get_redis

log = logging.getLogger(__name__)


def _key(view: str, principal: Principal, month: str, state: tuple) -> str:
    high_water, applied, gaps = state
    return f"dashboard:view:{view}:{principal.staff_role}:{principal.scope_id}:{month}:{high_water}:{applied}:{gaps}"


def _respond(body: str):
    return current_app.response_class(body, mimetype="application/json")


def _cached(key: str) -> tuple[list | None, bytes | None]:
    """(what is stored under `key` if it is current, the flags count to store a fresh one under)."""
    try:
        version, stored = get_redis().mget(viewversion.KEY, key)
    except redis.RedisError as err:
        log.warning("dashboard view cache unreadable, view computed afresh: %s", err)
        return None, None
    if stored is not None:
        entry = json.loads(stored)
        if entry[0] == (version or b"0").decode():
            return entry[1:], version
    return None, version


def _store(key: str, version: bytes | None, *values) -> None:
    try:
        get_redis().set(key, json.dumps([(version or b"0").decode(), *values]),
                        ex=current_app.config["DASHBOARD_VIEW_CACHE_S"])
    except redis.RedisError as err:
        log.warning("dashboard view not cached: %s", err)


def county(principal: Principal, month: str, dump):
    """The county view as a JSON response, from the cache when the roll-up and the flags have not moved since."""
    if not current_app.config["DASHBOARD_VIEW_CACHE_S"]:
        return service.county(principal, month)
    service.refresh_if_embedded()
    key = _key("county", principal, month, rollup.state())
    entry, version = _cached(key)
    if entry is not None:
        return _respond(entry[0])
    body = current_app.json.dumps(dump(service.county(principal, month)))
    _store(key, version, body)
    return _respond(body)


def township(principal: Principal, township_id: int, month: str, dump):
    """The township view as a JSON response (cached like the county's); the read is audited either way."""
    if not current_app.config["DASHBOARD_VIEW_CACHE_S"]:
        return service.township(principal, township_id, month)
    service.refresh_if_embedded()
    # The scope check and the roll-up's state in one statement (a cached read is then that, the audit row, commit).
    town, state = service.township_and_rollup_state(principal, township_id)
    key = _key(f"township:{town.id}", principal, month, state)
    entry, version = _cached(key)
    if entry is not None:
        body, listed = entry
    else:
        result, listed = service.township_view(town, month)
        body = current_app.json.dumps(dump(result))
        _store(key, version, body, listed)
    service.audit_township_read(town.id, month, listed)
    return _respond(body)
