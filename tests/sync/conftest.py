"""Sync fixtures: quick push settings and a live server for the township client."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_push(app):
    """Every pull sequences; pushes retry at once and time out quickly (the worker's real values are minutes)."""
    app.config.update(SYNC_SEQUENCE_DEBOUNCE_MS=0, SYNC_PUSH_BACKOFF_S=0, SYNC_PUSH_TIMEOUT_S=1.0, SYNC_PUSH_MAX_ATTEMPTS=4, SYNC_PUSH_BATCH=50)


