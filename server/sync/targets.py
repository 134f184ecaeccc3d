"""Push targets: which webhook URLs a key may register (no credentials, no reaching into our own network)."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

from server.errors import Unprocessable


def validate_webhook_url(url: str) -> str:
    """An absolute http(s) URL without credentials."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or len(url) > 512 or any(c.isspace() for c in url):
        raise Unprocessable("推送地址应为 http:// 或 https:// 开头的完整网址", code="validation_error",
                            errors={"url": ["推送地址应为 http:// 或 https:// 开头的完整网址"]})
    try:
        parts.port
    except ValueError:
        raise Unprocessable("推送地址端口不正确", errors={"url": ["端口不正确"]}) from None
    if not current_app.config["SYNC_WEBHOOK_ALLOW_PRIVATE"] and internal_host(parts.hostname):
        # A township key must not make this server call into its own network (SSRF).
        raise Unprocessable("推送地址不能指向内网或本机", errors={"url": ["推送地址不能指向内网或本机"]})
    return url


def internal_host(hostname: str) -> bool:
    """Whether a host is, or resolves to, a loopback, private, link-local or otherwise non-public address."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (socket.gaierror, UnicodeError):
        return True
    return any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)
