"""Meeting photos: refused by content and size with nothing stored, nine at most, a phone copy without EXIF;
the same against the local folder and an S3-compatible store (moto's server over loopback HTTP)."""
from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.extensions import db
from server.minutes.models import MinutesPhoto
from tests.factories import bearer, make_branch, make_image, staff_token
from tests.minutes.conftest import minutes_url


def upload(client, headers, event, data: bytes, name: str = "会场.jpg"):
    return client.post(minutes_url(event, "/photos"), headers=headers,
                       data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")


def photo_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(MinutesPhoto))


def _gif() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 40), "red").save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize("data, name, code", [
    (b"just some text, not a picture\n" * 20, "会场.jpg", "not_an_image"),
    (_gif(), "会场.png", "not_an_image"),
    (make_image("JPEG")[:4000], "会场.jpg", "image_damaged"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "会场.jpg", "not_an_image"),
])
def test_not_a_jpeg_or_png_is_422_and_stores_nothing(client, secretary, meeting, stored, data, name, code):
    resp = upload(client, secretary, meeting, data, name)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["code"] == code
    assert "file" in resp.get_json()["errors"]
    assert stored() == [] and photo_rows() == 0


def test_over_five_megabytes_is_413_and_stores_nothing(client, app, secretary, meeting, stored):
    big = make_image("PNG", (10, 10)) + b"\0" * (5 * 1024 * 1024)
    resp = upload(client, secretary, meeting, big, "大图.png")
    assert resp.status_code == 413 and resp.get_json()["code"] == "photo_too_large"
    huge = upload(client, secretary, meeting, b"\0" * (6 * 1024 * 1024), "更大.png")
    assert huge.status_code == 413 and huge.get_json()["code"] == "payload_too_large"
    assert stored() == [] and photo_rows() == 0


def test_decompression_bomb_is_refused_by_pixel_count(client, app, secretary, meeting, stored):
    app.config["MINUTES_PHOTO_MAX_PIXELS"] = 1_000_000
    bomb = make_image("PNG", (1200, 1000))  # a few kilobytes of one colour, 1.2 million pixels
    assert len(bomb) < 100_000
    resp = upload(client, secretary, meeting, bomb, "bomb.png")
    assert resp.status_code == 413 and resp.get_json()["code"] == "image_too_large"
    assert stored() == [] and photo_rows() == 0


def test_phone_copy_is_resized_jpeg_without_exif(client, secretary, meeting, stored):
    resp = upload(client, secretary, meeting, make_image("JPEG", (3000, 2000), gps=True), "IMG_0001.JPG")
    assert resp.status_code == 201, resp.get_json()
    photo = resp.get_json()
    assert (photo["format"], photo["width"], photo["height"]) == ("JPEG", 3000, 2000)
    assert (photo["phone_width"], photo["phone_height"]) == (1280, 853)
    assert photo["file_name"] == "IMG_0001.JPG"
    phone = client.get(minutes_url(meeting, f"/photos/{photo['id']}"), headers=secretary)
    assert phone.mimetype == "image/jpeg"
    with Image.open(BytesIO(phone.data)) as image:
        assert image.format == "JPEG" and image.size == (1280, 853)
        assert not image.getexif()
    original = client.get(minutes_url(meeting, f"/photos/{photo['id']}?size=original"), headers=secretary)
    with Image.open(BytesIO(original.data)) as image:
        assert image.size == (3000, 2000) and not image.getexif()
    assert b"GPS" not in original.data and "测试相机".encode() not in original.data
    assert len(stored()) == 2


def test_small_png_is_kept_as_is_and_not_enlarged(client, secretary, meeting):
    photo = upload(client, secretary, meeting, make_image("PNG", (640, 480)), "小图.png").get_json()
    assert (photo["format"], photo["phone_width"], photo["phone_height"]) == ("PNG", 640, 480)
    original = client.get(minutes_url(meeting, f"/photos/{photo['id']}?size=original"), headers=secretary)
    assert original.mimetype == "image/png"


def test_nine_photos_at_most(client, secretary, meeting, stored):
    small = make_image("JPEG", (64, 48))
    for i in range(9):
        assert upload(client, secretary, meeting, small, f"{i}.jpg").status_code == 201
    tenth = upload(client, secretary, meeting, small, "9.jpg")
    assert tenth.status_code == 409 and tenth.get_json()["code"] == "too_many_photos"
    assert photo_rows() == 9 and len(stored()) == 18
    assert len(client.get(minutes_url(meeting), headers=secretary).get_json()["photos"]) == 9


def test_delete_removes_row_and_files(client, secretary, meeting, stored):
    photo = upload(client, secretary, meeting, make_image("JPEG", (64, 48))).get_json()
    assert client.delete(minutes_url(meeting, f"/photos/{photo['id']}"), headers=secretary).status_code == 204
    assert photo_rows() == 0 and stored() == []
    assert client.get(minutes_url(meeting, f"/photos/{photo['id']}"), headers=secretary).status_code == 404


def test_locked_minutes_take_no_photos(client, secretary, meeting, stored):
    photo = upload(client, secretary, meeting, make_image("JPEG", (64, 48))).get_json()
    assert client.post(minutes_url(meeting, "/lock"), headers=secretary).status_code == 200
    refused = upload(client, secretary, meeting, make_image("JPEG", (64, 48)))
    assert refused.status_code == 409 and refused.get_json()["code"] == "minutes_locked"
    assert client.delete(minutes_url(meeting, f"/photos/{photo['id']}"), headers=secretary).status_code == 409
    assert photo_rows() == 1 and len(stored()) == 2


def test_photos_of_another_branch_are_404(client, secretary, meeting, stored):
    photo = upload(client, secretary, meeting, make_image("JPEG", (64, 48))).get_json()
    other = bearer(staff_token("branch_secretary", make_branch(kind="mobile").id))
    assert upload(client, other, meeting, make_image("JPEG", (64, 48))).status_code == 404
    assert client.get(minutes_url(meeting, f"/photos/{photo['id']}"), headers=other).status_code == 404
    assert client.delete(minutes_url(meeting, f"/photos/{photo['id']}"), headers=other).status_code == 404
    assert photo_rows() == 1 and len(stored()) == 2


def test_a_photo_folder_that_cannot_be_written_is_503_and_stores_nothing(client, secretary, meeting, photo_dir):
    photo_dir.parent.mkdir(parents=True, exist_ok=True)
    photo_dir.write_text("a file where the folder should be")  # like a shared volume that is gone
    resp = upload(client, secretary, meeting, make_image("JPEG", (64, 48)))
    assert resp.status_code == 503 and resp.get_json()["code"] == "photo_store_unavailable"
    assert photo_rows() == 0
