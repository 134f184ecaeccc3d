"""Where the test suite runs: the embedded defaults, or TEST_DATABASE_URL / TEST_REDIS_URL."""
import os
import tempfile

TMP_DIR = tempfile.mkdtemp(prefix="party-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{TMP_DIR}/test.db"
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "memory://tests"
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
