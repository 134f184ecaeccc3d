"""Emulated wxa endpoints: mini-program code images and subscribe messages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("emu_wxa", __name__)
