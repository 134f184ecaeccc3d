"""The Redis connection: real Redis for `redis://`, an in-process fake for `memory://`."""
from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from flask import current_app

if TYPE_CHECKING:
    import fakeredis

_MEMORY_SERVERS: dict[str, fakeredis.FakeServer] = {}


def connect(url: str) -> redis.Redis:
    """Open a client for REDIS_URL; `memory://name` shares one in-process server per name."""
    if url.startswith("memory://"):
        import fakeredis  # about 9 MB: only a development or test app loads it

        server = _MEMORY_SERVERS.setdefault(url, fakeredis.FakeServer())
        return fakeredis.FakeRedis(server=server)
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)


def get_redis() -> redis.Redis:
    """The app's Redis client, created on first use (never at import or in the factory)."""
    ext = current_app.extensions
    client = ext.get("redis")
    if client is None:
        client = ext["redis"] = connect(current_app.config["REDIS_URL"])
    return client


def reset_memory_store(url: str) -> None:
    """Forget an in-process store (tests use a fresh one per test)."""
    _MEMORY_SERVERS.pop(url, None)
