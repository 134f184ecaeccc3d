"""Meeting photos checked by what they are, not what they are called, and made fit for a phone.

Decisions:
- The bytes decide: Pillow opens them and `verify()`s them, and only JPEG and PNG pass (a text file named
  .jpg, a GIF, a PDF are 422). A truncated or corrupt image is 422 too: `verify()` does not read a JPEG's
  scan data, so the image is then decoded in full, which a truncated file fails.
- Decompression bombs: the pixel count in the header is held to MINUTES_PHOTO_MAX_PIXELS before anything
  is decoded (413); Pillow's own DecompressionBombError (twice its MAX_IMAGE_PIXELS) is 413 as well.
- Nothing the camera wrote is kept: the picture is turned upright by its EXIF orientation, then both the
  kept original and the phone copy are encoded afresh without EXIF (GPS position, device) or other metadata.
- The phone copy is a JPEG whose longest side is MINUTES_PHONE_LONG_SIDE (never enlarged).
"""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from server.errors import PayloadTooLarge, Unprocessable

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where a photo is read, not with the app (a worker that never sees a photo never loads it).

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
_NOT_AN_IMAGE = "请上传 JPEG 或 PNG 格式的照片"


@dataclass
class CheckedPhoto:
    format: str
    width: int
    height: int
    original: bytes
    phone: bytes
    phone_width: int
    phone_height: int


def _refuse(message: str, code: str):
    return Unprocessable(message, code=code, errors={"file": [message]})


def _too_many_pixels(max_pixels: int) -> PayloadTooLarge:
    message = f"照片像素过多（上限 {max_pixels // 1_000_000} 百万像素）"
    return PayloadTooLarge(message, code="image_too_large", errors={"file": [message]})


def _header(data: bytes, max_pixels: int) -> str:
    """The format after a header check and `verify()`; raises 422/413 for anything else."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise _refuse(_NOT_AN_IMAGE, "not_an_image")
            width, height = probe.size
            if width * height > max_pixels:
                raise _too_many_pixels(max_pixels)
            probe.verify()
            return probe.format
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except (UnidentifiedImageError, SyntaxError, OSError, ValueError):
        raise _refuse(_NOT_AN_IMAGE, "not_an_image") from None


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=88, optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """The picture in RGB, transparency on white (JPEG has no alpha)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def checked_photo(data: bytes, *, max_pixels: int, long_side: int) -> CheckedPhoto:
    """Check a photo by content and make its stored original and phone copy, both without metadata."""
    from PIL import Image, ImageOps

    fmt = _header(data, max_pixels)
    try:
        with Image.open(BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except (SyntaxError, OSError, ValueError):
        raise _refuse("照片文件不完整或已损坏，请重新选择", "image_damaged") from None
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif fmt == "PNG" and upright.mode == "P":
        upright = upright.convert("RGBA")
    # A fresh image carries no info dict: nothing of the camera's EXIF, ICC text or PNG text chunks.
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    original = _encode(clean, fmt)
    phone = _flattened(upright)
    phone.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return CheckedPhoto(fmt, upright.width, upright.height, original, _encode(phone, "JPEG"),
                        phone.width, phone.height)
