"""Where meeting photos are kept, behind one small interface.

Decision: the service talks to a `PhotoStore` (put, get, delete by key) chosen by MINUTES_STORAGE. Only the
local store is built: files under MINUTES_LOCAL_DIR (by default the instance folder). An S3-compatible store
(MINUTES_S3_* in server/config.py) is a second class with the same three methods; until it exists,
check_settings refuses MINUTES_STORAGE=s3 at start rather than losing photos at the first upload.
Keys are made by the service (`minutes/<id>/<random>.jpg`), never from a caller's file name.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app


class PhotoStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class LocalPhotoStore:
    """Photos as files under one folder; a write lands whole or not at all (temporary file, then rename)."""

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"photo key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        """Write the bytes under `key`."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None when missing."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        """Remove `key` (missing is fine)."""
        self._path(key).unlink(missing_ok=True)


def photo_store() -> PhotoStore:
    """The store MINUTES_STORAGE names (only "local" exists; see the module docstring)."""
    return LocalPhotoStore(current_app.config["MINUTES_LOCAL_DIR"])
