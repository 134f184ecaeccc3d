"""Fixtures for meeting minutes: an event that is over, with one member present, one on leave, one absent."""
from __future__ import annotations

import secrets
from datetime import timedelta

import boto3
import pytest
from moto.server import ThreadedMotoServer

from server.common.timeutil import utcnow
from tests.factories import bearer, make_branch, make_checkin, make_event, make_leave, make_member, staff_token

S3_SECRET = "moto-secret-access-key-never-shown"


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    """Photos go to a fresh folder per test."""
    app.config["MINUTES_LOCAL_DIR"] = str(tmp_path / "photos")
    return tmp_path / "photos"


def start_s3_server() -> tuple[ThreadedMotoServer, str]:
    """moto's S3 on a random loopback port: real HTTP and real SigV4 for the real boto3 client."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@pytest.fixture(scope="session")
def s3_server():
    server, endpoint = start_s3_server()
    yield endpoint
    server.stop()


def use_s3(app, endpoint: str, bucket: str) -> None:
    """Point the app's photo store at `bucket` of the S3 server at `endpoint` (created there if it is up)."""
    app.config.update(MINUTES_STORAGE="s3", MINUTES_S3_ENDPOINT_URL=endpoint, MINUTES_S3_BUCKET=bucket,
                      MINUTES_S3_REGION="cn-north-1", MINUTES_S3_ACCESS_KEY_ID="testing-key-id",
                      MINUTES_S3_SECRET_ACCESS_KEY=S3_SECRET, MINUTES_S3_PREFIX="party/",
                      MINUTES_S3_ADDRESSING_STYLE="path", MINUTES_S3_TIMEOUT_S=2.0, MINUTES_S3_MAX_ATTEMPTS=1)


def s3_client(app):
    cfg = app.config
    return boto3.client("s3", endpoint_url=cfg["MINUTES_S3_ENDPOINT_URL"], region_name=cfg["MINUTES_S3_REGION"],
                        aws_access_key_id=cfg["MINUTES_S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=cfg["MINUTES_S3_SECRET_ACCESS_KEY"])


@pytest.fixture(params=["local", "s3"])
def stored(request, app, photo_dir):
    """The photo store of the test (local folder or S3 bucket); calling it lists the keys it holds."""
    if request.param == "local":
        return lambda: sorted(str(p.relative_to(photo_dir)) for p in photo_dir.rglob("*") if p.is_file()) \
            if photo_dir.exists() else []
    endpoint = request.getfixturevalue("s3_server")
    bucket = f"photos-{secrets.token_hex(6)}"
    use_s3(app, endpoint, bucket)
    client = s3_client(app)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    return lambda: sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.fixture
def branch(ctx):
    return make_branch(kind="mobile")


@pytest.fixture
def secretary(branch):
    return bearer(staff_token("branch_secretary", branch.id))


@pytest.fixture
def meeting(branch):
    """A theme day that ended an hour ago: 张建国 checked in, 李春梅 on approved leave, 王大山 absent, and
    赵小红 absent after a denied leave."""
    now = utcnow()
    event = make_event(branch, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1),
                       topic="学习党的二十届四中全会精神")
    present, on_leave = make_member(branch, name="张建国"), make_member(branch, name="李春梅")
    _absent, denied = make_member(branch, name="王大山"), make_member(branch, name="赵小红")
    make_checkin(event, present)
    make_leave(event, on_leave, reason="在深圳加班，无法请假")
    make_leave(event, denied, reason="想休息", status="denied")
    return event


def minutes_url(event, tail: str = "") -> str:
    return f"/api/v1/events/{event.id}/minutes{tail}"
