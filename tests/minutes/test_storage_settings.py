"""Photo-store settings: production refuses MINUTES_STORAGE=s3 without its bucket or keys (naming each, never
showing a value); any environment refuses an unknown store or s3 without a bucket."""
from __future__ import annotations

import pytest

from server import create_app
from server.config import InvalidConfiguration, UnsafeConfiguration, load_config
from tests.conftest import _test_config
from tests.platform.test_production_settings import SAFE

S3 = {"MINUTES_STORAGE": "s3", "MINUTES_S3_BUCKET": "party-minutes", "MINUTES_S3_REGION": "oss-cn-hangzhou",
      "MINUTES_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com", "MINUTES_S3_ACCESS_KEY_ID": "LTAI5tExample",
      "MINUTES_S3_SECRET_ACCESS_KEY": "production-secret-value-0123456789", "MINUTES_S3_PREFIX": "county/"}


def test_production_starts_with_a_complete_s3_store(tmp_path):
    config = load_config(str(tmp_path), {**SAFE, **S3})
    assert (config["MINUTES_STORAGE"], config["MINUTES_S3_BUCKET"], config["MINUTES_S3_PREFIX"]) == (
        "s3", "party-minutes", "county/")


@pytest.mark.parametrize("name", ["MINUTES_S3_BUCKET", "MINUTES_S3_ACCESS_KEY_ID", "MINUTES_S3_SECRET_ACCESS_KEY"])
def test_production_refuses_s3_without_its_bucket_or_keys(tmp_path, name):
    for missing in ({}, {name: ""}):
        env = {k: v for k, v in {**SAFE, **S3, **missing}.items() if k != name or missing}
        with pytest.raises(UnsafeConfiguration) as err:
            load_config(str(tmp_path), env)
        assert f"{name} is not set" in str(err.value)
        assert S3["MINUTES_S3_SECRET_ACCESS_KEY"] not in str(err.value)


def test_local_storage_needs_no_s3_settings_in_production(tmp_path):
    assert load_config(str(tmp_path), SAFE)["MINUTES_STORAGE"] == "local"


@pytest.mark.parametrize("overrides, message", [
    ({"MINUTES_STORAGE": "ftp"}, "must be 'local' or 's3'"),
    ({"MINUTES_STORAGE": "s3"}, "needs MINUTES_S3_BUCKET"),
    ({"MINUTES_S3_ADDRESSING_STYLE": "dns"}, "MINUTES_S3_ADDRESSING_STYLE"),
])
def test_any_environment_refuses_an_unusable_store(overrides, message):
    with pytest.raises(InvalidConfiguration, match=message):
        create_app({**_test_config(), **overrides})
