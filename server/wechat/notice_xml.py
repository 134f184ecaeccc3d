"""The payment notice's XML, read once and checked as it is read (docs/limits.md).

The notice endpoint is open to anyone. A real notice is one flat <xml> element of about thirty short text
fields, so anything larger than NOTICE_MAX_BYTES, nested deeper than <xml> and its fields (a field holding
elements), carrying a DTD or entity (defusedxml), attributes or the same field twice is refused as not a
notice. What passes is handed on as a dict of its fields, text stripped and empty fields None, as wechatpy's
own parser (xmltodict) would give them, so the signature is checked by wechatpy over the same values without
a second parse (the two parses had been a sixth of a notice's CPU). wechatpy's recursive parser had also
been a RecursionError (500, seconds of worker time) on a deeply nested body; it never sees the body now.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

NOTICE_MAX_BYTES = 16 * 1024


class NoticeShapeInvalid(Exception):
    """The body is not a small, flat, entity-free XML document of distinct fields."""


def read_notice_xml(body: bytes | str) -> dict[str, str | None]:
    """The notice's fields; NoticeShapeInvalid unless the body is a flat <xml> document of at most
    NOTICE_MAX_BYTES with distinct, attribute-free fields."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > NOTICE_MAX_BYTES:
        raise NoticeShapeInvalid("notice too large")
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as err:
        raise NoticeShapeInvalid("not well-formed XML") from err
    if root.tag != "xml" or root.attrib:
        raise NoticeShapeInvalid("not a notice")
    fields: dict[str, str | None] = {}
    for field in root:
        if len(field):
            raise NoticeShapeInvalid("notice nested too deep")
        if field.attrib or field.tag in fields or not isinstance(field.tag, str):
            raise NoticeShapeInvalid("not a notice")
        fields[field.tag] = (field.text or "").strip() or None
    return fields
