"""The S3-compatible photo store through the real boto3 client against moto's server on loopback: keys under the
prefix, photos served through the app, and a store that is down answering 503 with nothing half-done."""
from __future__ import annotations

import logging
import secrets
from io import BytesIO

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.minutes.models import Minutes, MinutesPhoto
from tests.callers import assert_error_shape
from tests.factories import make_image
from tests.minutes.conftest import S3_SECRET, minutes_url, s3_client, start_s3_server, use_s3


def upload(client, headers, event, data: bytes, name: str = "会场.jpg"):
    return client.post(minutes_url(event, "/photos"), headers=headers,
                       data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")


def _bucket(app, endpoint) -> str:
    bucket = f"photos-{secrets.token_hex(6)}"
    use_s3(app, endpoint, bucket)
    s3_client(app).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    return bucket


def test_photos_live_under_the_prefix_and_are_served_by_the_app(app, client, secretary, meeting, s3_server):
    bucket = _bucket(app, s3_server)
    photo = upload(client, secretary, meeting, make_image("JPEG", (2000, 1000))).get_json()
    keys = sorted(o["Key"] for o in s3_client(app).list_objects_v2(Bucket=bucket)["Contents"])
    row = db.session.get(MinutesPhoto, photo["id"])
    assert keys == sorted(["party/" + row.original_key, "party/" + row.phone_key])
    phone = client.get(minutes_url(meeting, f"/photos/{photo['id']}"), headers=secretary)
    assert phone.status_code == 200 and phone.mimetype == "image/jpeg"
    assert phone.data == s3_client(app).get_object(Bucket=bucket, Key="party/" + row.phone_key)["Body"].read()
    # The bucket is never exposed: no address of it in what the app answers.
    assert s3_server not in str(client.get(minutes_url(meeting), headers=secretary).get_json())


def test_a_file_gone_from_the_bucket_is_404(app, client, secretary, meeting, s3_server):
    bucket = _bucket(app, s3_server)
    photo = upload(client, secretary, meeting, make_image("JPEG", (64, 48))).get_json()
    s3_client(app).delete_object(Bucket=bucket, Key="party/" + db.session.get(MinutesPhoto, photo["id"]).phone_key)
    assert client.get(minutes_url(meeting, f"/photos/{photo['id']}"), headers=secretary).status_code == 404


@pytest.fixture
def store_going_down(app):
    """A store of its own that the test can stop."""
    server, endpoint = start_s3_server()
    _bucket(app, endpoint)
    yield server.stop
    server.stop()


def _unavailable(resp, caplog):
    body = assert_error_shape(resp, 503, "photo_store_unavailable")
    assert "照片存储" in body["message"]
    assert S3_SECRET not in resp.get_data(as_text=True) and S3_SECRET not in caplog.text


def test_a_store_that_is_down_is_503_and_nothing_is_half_done(client, secretary, meeting, store_going_down, caplog):
    caplog.set_level(logging.DEBUG)
    kept = upload(client, secretary, meeting, make_image("JPEG", (64, 48))).get_json()
    store_going_down()

    _unavailable(upload(client, secretary, meeting, make_image("JPEG", (64, 48)), "新照片.jpg"), caplog)
    assert db.session.scalar(select(func.count()).select_from(MinutesPhoto)) == 1  # no row for a photo not stored

    _unavailable(client.get(minutes_url(meeting, f"/photos/{kept['id']}"), headers=secretary), caplog)
    _unavailable(client.get(minutes_url(meeting, "?format=pdf"), headers=secretary), caplog)
    _unavailable(client.delete(minutes_url(meeting, f"/photos/{kept['id']}"), headers=secretary), caplog)
    assert db.session.get(MinutesPhoto, kept["id"]) is not None  # the row stays with its files
    # The text and the xlsx need no photo bytes: they still work.
    assert client.get(minutes_url(meeting), headers=secretary).status_code == 200
    assert client.get(minutes_url(meeting, "?format=xlsx"), headers=secretary).status_code == 200


def test_first_photo_on_a_store_that_is_down_leaves_no_minutes_row(client, secretary, meeting, store_going_down,
                                                                   caplog):
    store_going_down()
    _unavailable(upload(client, secretary, meeting, make_image("JPEG", (64, 48))), caplog)
    assert db.session.scalar(select(func.count()).select_from(Minutes)) == 0
    assert db.session.scalar(select(func.count()).select_from(MinutesPhoto)) == 0
