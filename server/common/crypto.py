"""Personal data at rest: AES-GCM encryption and keyed lookup hashes under FIELD_KEY (PIPL)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

_VERSION = b"\x01"


def _keys() -> tuple[bytes, bytes]:
    ext = current_app.extensions
    keys = ext.get("field_keys")
    if keys is None:
        master = base64.b64decode(current_app.config["FIELD_KEY"])
        derive = lambda info: HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(master)  # noqa: E731
        keys = ext["field_keys"] = (derive(b"field-encryption"), derive(b"field-lookup"))
    return keys


def encrypt(plaintext: str) -> str:
    """Encrypt a personal field; a fresh nonce each time."""
    nonce = os.urandom(12)
    sealed = AESGCM(_keys()[0]).encrypt(nonce, plaintext.encode(), None)
    return base64.b64encode(_VERSION + nonce + sealed).decode()


def decrypt(token: str) -> str:
    """Decrypt a value made by encrypt()."""
    raw = base64.b64decode(token)
    return AESGCM(_keys()[0]).decrypt(raw[1:13], raw[13:], None).decode()


def lookup_hash(value: str) -> str:
    """A keyed hash to find a record by ID number or phone without decrypting every row."""
    return hmac.new(_keys()[1], value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str | None) -> str | None:
    """Keep the first 4 and last 4 characters of an ID number."""
    if not value:
        return value
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """Keep the first 3 and last 4 digits of a phone number."""
    if not value:
        return value
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:]


_ID_NUMBER_IN_TEXT = re.compile(r"(?<!\d)(?:\d{17}[\dXxＸｘ]|\d{15})(?![\dXxＸｘ])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_personal_numbers(text: str) -> str:
    """Mask every ID number (18 or the old 15 digits) and mainland mobile phone inside a free text."""
    text = _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


class Encrypted(TypeDecorator):
    """A string column stored AES-GCM encrypted; Python code sees the plaintext."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
