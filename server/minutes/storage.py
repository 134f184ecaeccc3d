"""Where meeting photos are kept, behind one small interface.

Decisions:
- The service talks to a `PhotoStore` (put, get, delete by key) chosen by MINUTES_STORAGE: `LocalPhotoStore`
  (files under MINUTES_LOCAL_DIR, by default the instance folder) or `S3PhotoStore` (any S3-compatible store
  through boto3: AWS S3, MinIO, 阿里云 OSS, 腾讯云 COS; settings MINUTES_S3_* in server/config.py).
- Photos are always served through the app (the authorisation checks stay ours): the bucket stays private,
  no public or presigned URL is ever handed out.
- A store that cannot be reached or refuses us (timeout, connection refused, 5xx, access denied, no bucket; for
  the folder: disk full, read-only, a shared volume gone) is `PhotoStoreUnavailable`: 503 `photo_store_unavailable` in the one error shape. The log names the operation
  and botocore's error code only, never the keys or the endpoint's credentials.
- boto3 is heavy (about a second to import): it is imported where the S3 store is built, once per process
  and settings, and the client (thread-safe) is kept in `app.extensions`.
Keys are made by the service (`minutes/<id>/<random>.jpg`), never from a caller's file name.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

from server.errors import ServiceUnavailable

log = logging.getLogger(__name__)

_MISSING = ("NoSuchKey", "404", "NotFound")
_S3_SETTINGS = ("MINUTES_S3_ENDPOINT_URL", "MINUTES_S3_BUCKET", "MINUTES_S3_REGION", "MINUTES_S3_ACCESS_KEY_ID",
                "MINUTES_S3_SECRET_ACCESS_KEY", "MINUTES_S3_PREFIX", "MINUTES_S3_ADDRESSING_STYLE",
                "MINUTES_S3_TIMEOUT_S", "MINUTES_S3_MAX_ATTEMPTS")


class PhotoStoreUnavailable(ServiceUnavailable):
    code, message = "photo_store_unavailable", "照片存储暂时无法访问，请稍后再试"


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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as err:
            raise _disk_unavailable("put", err) from None
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException as err:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(err, OSError):  # disk full, read-only, a shared volume gone
                raise _disk_unavailable("put", err) from None
            raise

    def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None when missing."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise _disk_unavailable("get", err) from None

    def delete(self, key: str) -> None:
        """Remove `key` (missing is fine)."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as err:
            raise _disk_unavailable("delete", err) from None


def _disk_unavailable(operation: str, err: OSError) -> PhotoStoreUnavailable:
    log.warning("photo folder %s failed: %s", operation, err.strerror or type(err).__name__)
    return PhotoStoreUnavailable()


class S3PhotoStore:
    """Photos as objects in one bucket of an S3-compatible store, under an optional prefix (a PUT is atomic)."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _call(self, operation: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **kwargs)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if operation == "get_object" and code in _MISSING:
                return None
            log.warning("photo store %s refused: %s", operation, code or "unknown")
        except BotoCoreError as err:
            log.warning("photo store %s unreachable: %s", operation, type(err).__name__)
        raise PhotoStoreUnavailable()

    def put(self, key: str, data: bytes) -> None:
        """Store the bytes under `key`."""
        self._call("put_object", Key=self.prefix + key, Body=data)

    def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None when missing."""
        answer = self._call("get_object", Key=self.prefix + key)
        if answer is None:
            return None
        from botocore.exceptions import BotoCoreError

        try:
            return answer["Body"].read()
        except BotoCoreError as err:  # the connection dropped mid-body
            log.warning("photo store get_object body: %s", type(err).__name__)
            raise PhotoStoreUnavailable() from None

    def delete(self, key: str) -> None:
        """Remove `key` (missing is fine: S3 answers 204 either way)."""
        self._call("delete_object", Key=self.prefix + key)


def _s3_store(config) -> S3PhotoStore:
    import boto3  # heavy; only a deployment with MINUTES_STORAGE=s3 pays for it
    from botocore.config import Config

    timeout = config["MINUTES_S3_TIMEOUT_S"]
    client = boto3.session.Session().client(
        "s3", endpoint_url=config["MINUTES_S3_ENDPOINT_URL"], region_name=config["MINUTES_S3_REGION"],
        aws_access_key_id=config["MINUTES_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=config["MINUTES_S3_SECRET_ACCESS_KEY"],
        config=Config(connect_timeout=timeout, read_timeout=timeout, signature_version="s3v4",
                      retries={"max_attempts": config["MINUTES_S3_MAX_ATTEMPTS"], "mode": "standard"},
                      s3={"addressing_style": config["MINUTES_S3_ADDRESSING_STYLE"]}))
    return S3PhotoStore(client, config["MINUTES_S3_BUCKET"], config["MINUTES_S3_PREFIX"] or "")


def photo_store() -> PhotoStore:
    """The store MINUTES_STORAGE names; the S3 client is built once per settings and kept on the app."""
    config = current_app.config
    if config["MINUTES_STORAGE"] != "s3":
        return LocalPhotoStore(config["MINUTES_LOCAL_DIR"])
    settings = tuple(config[name] for name in _S3_SETTINGS)
    kept = current_app.extensions.get("minutes_photo_store")
    if kept is None or kept[0] != settings:
        kept = current_app.extensions["minutes_photo_store"] = (settings, _s3_store(config))
    return kept[1]
