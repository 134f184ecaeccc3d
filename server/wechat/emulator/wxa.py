"""Emulated wxa endpoints: mini-program code images and subscribe messages.

The code image is a real PNG drawn with zlib and struct: a QR-like grid with three finder squares,
whose data modules spell out the scene (a length byte, the scene's bytes, then filler), so a test
can read the scene back with `read_scene`. It is not a scannable WeChat code.
Subscribe messages need a one-time grant per message: tests (and the service in emulator mode)
announce grants with `grant_subscription`; sent messages are kept for `sent_messages`.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib

from flask import Blueprint, Response, current_app, request

from server.wechat.emulator.state import EmulatorState, wechat_error

bp = Blueprint("emu_wxa", __name__)

# The mini-program's pages a code may open (an unknown page is WeChat's 41030).
KNOWN_PAGES = {
    "pages/index/index", "pages/checkin/checkin", "pages/events/events", "pages/events/detail",
    "pages/me/me", "pages/dues/dues", "pages/report/report", "pages/bind/bind",
}
_SCENE_RE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRID = 29          # modules per side
QUIET = 4          # blank modules around the grid
_FINDER = 8        # a 7x7 finder square plus its separator


def _state():
    return current_app.extensions["emulator_state"]


def _body() -> dict:
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


# ---- the code image -----------------------------------------------------------------------------

def _in_finder(r: int, c: int) -> bool:
    far = GRID - _FINDER
    return (r < _FINDER and c < _FINDER) or (r < _FINDER and c >= far) or (r >= far and c < _FINDER)


def _finder_dark(r: int, c: int) -> bool:
    # Local coordinates inside the square; the separator row/column sits at -1 or 7.
    lr = r if r < _FINDER else r - (GRID - 7)
    lc = c if c < _FINDER else c - (GRID - 7)
    if lr in (-1, 7) or lc in (-1, 7):
        return False
    return max(abs(lr - 3), abs(lc - 3)) != 2


def _data_cells() -> list[tuple[int, int]]:
    return [(r, c) for r in range(GRID) for c in range(GRID) if not _in_finder(r, c)]


def _modules(scene: str) -> list[list[bool]]:
    payload = bytes([len(scene.encode())]) + scene.encode()
    filler = hashlib.sha256(payload).digest() * 8
    bits = [(byte >> (7 - i)) & 1 for byte in payload + filler for i in range(8)]
    grid = [[False] * GRID for _ in range(GRID)]
    for r in range(GRID):
        for c in range(GRID):
            if _in_finder(r, c):
                grid[r][c] = _finder_dark(r, c)
    for (r, c), bit in zip(_data_cells(), bits):
        grid[r][c] = bool(bit)
    return grid


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def code_png(scene: str, width: int = 430) -> bytes:
    """An 8-bit greyscale PNG of the QR-like grid for `scene`, about `width` pixels wide."""
    grid = _modules(scene)
    side = GRID + 2 * QUIET
    scale = max(2, min(width, 1280) // side)
    rows = []
    for mr in range(side):
        line = bytearray()
        for mc in range(side):
            r, c = mr - QUIET, mc - QUIET
            dark = 0 <= r < GRID and 0 <= c < GRID and grid[r][c]
            line += (b"\x00" if dark else b"\xff") * scale
        rows.extend([b"\x00" + bytes(line)] * scale)
    size = side * scale
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (_PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def read_scene(png: bytes) -> str:
    """Read back the scene a `code_png` image carries (tests use it)."""
    if not png.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos, idat, size = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">I", data[:4])[0]
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    scale = size // (GRID + 2 * QUIET)
    stride = size + 1

    def dark(r, c):
        y, x = (r + QUIET) * scale + scale // 2, (c + QUIET) * scale + scale // 2
        return raw[y * stride + 1 + x] < 128

    bits = [1 if dark(r, c) else 0 for r, c in _data_cells()]
    data = bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits) - 7, 8))
    return data[1:1 + data[0]].decode()


@bp.post("/wxa/getwxacodeunlimit")
def wxa_code_unlimited():
    state = _state()
    if not state.valid_access_token():
        return wechat_error(40001, "invalid credential, access_token is invalid or not latest")
    body = _body()
    scene = body.get("scene")
    if not isinstance(scene, str) or not _SCENE_RE.match(scene):
        return wechat_error(40169, "invalid length for scene, or the data is not json string")
    page = body.get("page")
    if page is not None and page not in KNOWN_PAGES:
        return wechat_error(41030, "invalid page")
    width = body.get("width", 430)
    width = width if isinstance(width, int) and 280 <= width <= 1280 else 430
    state.redis.incr(state.key("wxacode", "count"))
    return Response(code_png(scene, width), mimetype="image/png")


# ---- subscribe messages -------------------------------------------------------------------------

@bp.post("/cgi-bin/message/subscribe/send")
def subscribe_send():
    state = _state()
    if not state.valid_access_token():
        return wechat_error(40001, "invalid credential, access_token is invalid or not latest")
    body = _body()
    openid, template_id = body.get("touser"), body.get("template_id")
    if not isinstance(openid, str) or not openid:
        return wechat_error(40003, "invalid openid")
    if not isinstance(template_id, str) or not template_id:
        return wechat_error(40037, "invalid template_id")
    if not isinstance(body.get("data"), dict):
        return wechat_error(47003, "argument invalid! data.value invalid")
    key = state.key("grant", openid, template_id)
    if state.redis.decr(key) < 0:
        state.redis.incr(key)
        return wechat_error(43101, "user refuse to accept the msg")
    state.redis.rpush(state.key("subscribe", "sent"), json.dumps(
        {"touser": openid, "template_id": template_id, "page": body.get("page"), "data": body["data"]},
        ensure_ascii=False))
    return wechat_error(0, "ok")


def grant_subscription(config: dict, openid: str, template_id: str, count: int = 1) -> int:
    """What a tap on "allow" in wx.requestSubscribeMessage gives WeChat: one more message allowed."""
    state = EmulatorState(config)
    return int(state.redis.incrby(state.key("grant", openid, template_id), count))


def sent_messages(config: dict) -> list[dict]:
    """Every subscribe message the emulator accepted, oldest first."""
    state = EmulatorState(config)
    return [json.loads(m) for m in state.redis.lrange(state.key("subscribe", "sent"), 0, -1)]
