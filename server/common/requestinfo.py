"""Facts about the current request that need care: the client address behind trusted proxies."""
from __future__ import annotations

from flask import current_app, has_request_context, request


def client_ip() -> str | None:
    """The caller's address; X-Forwarded-For is believed only when it comes from TRUSTED_PROXIES."""
    if not has_request_context():
        return None
    remote = request.remote_addr
    trusted = set(current_app.config["TRUSTED_PROXIES"])
    if remote not in trusted:
        return remote
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    # Walk from the nearest hop; the first address we do not trust is the client.
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return remote
