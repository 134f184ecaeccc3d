"""Short Redis leases: taken with a random token, renewed while the work runs, released only by their holder.

A lease instead of a long lock: a holder that dies (kill -9, a lost host) stops renewing, so the next
worker gets the lease within one TTL instead of waiting out a long lock. Renew and release are Lua
scripts that compare the token first, so a holder whose lease already lapsed can never extend or delete
the lease a successor now holds.
"""
from __future__ import annotations

import logging
import secrets
import threading

from server.store import get_redis

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Lease:
    """One named lease of ttl_s seconds; `held` turns False once a renewal finds it lost."""

    def __init__(self, name: str, ttl_s: float):
        self.name = name
        self.ttl_ms = max(int(ttl_s * 1000), 1)
        self.token = secrets.token_hex(16)
        self.held = False
        self._redis = get_redis()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; renewals run in a heartbeat thread until release()."""
        self.held = bool(self._redis.set(self.name, self.token, nx=True, px=self.ttl_ms))
        if self.held:
            self._heartbeat = threading.Thread(target=self._beat, name=f"lease {self.name}", daemon=True)
            self._heartbeat.start()
        return self.held

    def renew(self) -> bool:
        """Extend the lease by a full TTL if it is still ours; False (and `held` False) when it was lost."""
        if self.held and not self._redis.eval(_RENEW, 1, self.name, self.token, self.ttl_ms):
            log.warning("lease %s was lost", self.name)
            self.held = False
        return self.held

    def release(self) -> None:
        """Stop renewing and delete the lease if it is still ours."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        if self.held:
            self.held = False
            try:
                self._redis.eval(_RELEASE, 1, self.name, self.token)
            except Exception:  # noqa: BLE001 - an unreleased lease simply lapses after its TTL
                log.warning("could not release lease %s", self.name)

    def _beat(self) -> None:
        # A third of the TTL: two renewals may fail (a Redis blip) before the lease lapses.
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                if not self.renew():
                    return
            except Exception:  # noqa: BLE001 - a Redis blip: try again at the next beat
                log.warning("could not renew lease %s", self.name)
