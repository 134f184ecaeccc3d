"""The payment notice is checked before wechatpy parses it (docs/limits.md).

The notice endpoint is open to anyone. wechatpy turns the XML into a dict recursively, so a deeply
nested body was a RecursionError (500, a traceback per request, seconds of worker time). A real
notice is one flat <xml> element of about thirty short fields, so anything larger than NOTICE_MAX_BYTES,
nested deeper than NOTICE_MAX_DEPTH, or carrying a DTD or entity (defusedxml) is refused unread.
"""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

NOTICE_MAX_BYTES = 16 * 1024
NOTICE_MAX_DEPTH = 3


class NoticeShapeInvalid(Exception):
    """The body is not a small, flat, entity-free XML document."""


def check_notice_xml(body: bytes | str) -> None:
    """Raise NoticeShapeInvalid unless the body is at most NOTICE_MAX_BYTES and NOTICE_MAX_DEPTH deep."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > NOTICE_MAX_BYTES:
        raise NoticeShapeInvalid("notice too large")
    depth = 0
    try:
        # Streamed start/end events: the depth is known before any tree is built.
        for event, _ in SafeET.iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True):
            depth += 1 if event == "start" else -1
            if depth > NOTICE_MAX_DEPTH:
                raise NoticeShapeInvalid("notice nested too deep")
    except (ET.ParseError, DefusedXmlException) as err:
        raise NoticeShapeInvalid("not well-formed XML") from err

