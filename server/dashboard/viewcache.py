"""The county and township views as answered, shared between readers for DASHBOARD_VIEW_CACHE_S seconds.

A view is cached as its JSON body under a key naming the view, the caller's scope, the month and the
roll-up's state (high-water mark, changes applied, open gaps): once the roll-up job (every 5 s) applies a
change, the next read computes the view again. So a cached view is never older than DASHBOARD_VIEW_CACHE_S
(5 s, the roll-up's own period), and the roll-up figures in it are as fresh as without the cache. Every
read of the township view still writes its audit entry (who read which members' rows, docs/audit.md),
cached or not, and the township is checked against the caller's scope before the cache is looked at.
"""
from __future__ import annotations

import json

from flask import current_app

from server.core.tokens import Principal
from server.dashboard import rollup, service
from server.store import get_redis


def _key(view: str, principal: Principal, month: str) -> str:
    high_water, applied, gaps = rollup.state()
    return f"dashboard:view:{view}:{principal.staff_role}:{principal.scope_id}:{month}:{high_water}:{applied}:{gaps}"


def _respond(body: str):
    return current_app.response_class(body, mimetype="application/json")


def county(principal: Principal, month: str, dump):
    """The county view as a JSON response, from the cache when the roll-up has not moved since."""
    ttl = current_app.config["DASHBOARD_VIEW_CACHE_S"]
    if not ttl:
        return service.county(principal, month)
    service.refresh_if_embedded()
    key = _key("county", principal, month)
    body = get_redis().get(key)
    if body is None:
        body = current_app.json.dumps(dump(service.county(principal, month)))
        get_redis().set(key, body, ex=ttl)
    return _respond(body)


def township(principal: Principal, township_id: int, month: str, dump):
    """The township view as a JSON response (cached like the county's); the read is audited either way."""
    ttl = current_app.config["DASHBOARD_VIEW_CACHE_S"]
    if not ttl:
        return service.township(principal, township_id, month)
    town = service.township_in_scope(principal, township_id)
    service.refresh_if_embedded()
    key = _key(f"township:{town.id}", principal, month)
    cached = get_redis().get(key)
    if cached is not None:
        body, listed = json.loads(cached)
    else:
        result, listed = service.township_view(town, month)
        body = current_app.json.dumps(dump(result))
        get_redis().set(key, json.dumps([body, listed]), ex=ttl)
    service.audit_township_read(town.id, month, listed)
    return _respond(body)
