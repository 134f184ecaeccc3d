"""Sync fixtures: quick push settings and a live server for the township client."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture(autouse=True)
def _fast_push(app):
    """Every pull sequences; pushes retry at once and time out quickly (the worker's real values are minutes)."""
    app.config.update(SYNC_SEQUENCE_DEBOUNCE_MS=0, SYNC_PUSH_BACKOFF_S=0, SYNC_PUSH_TIMEOUT_S=1.0, SYNC_PUSH_MAX_ATTEMPTS=4, SYNC_PUSH_BATCH=50)


@pytest.fixture
def live_server(app):
    """The app served by werkzeug on 127.0.0.1, a free port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
