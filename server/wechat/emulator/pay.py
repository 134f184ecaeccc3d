"""Emulated WeChat Pay v2 (XML, MD5 signatures) under /pay-api/."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("emu_pay", __name__, url_prefix="/pay-api")
