"""gunicorn settings for one application host (behind nginx)."""
import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and database-bound; 2×cores+1 is the classic starting point.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app is loaded once in the master and forked: workers share its code and module pages (copy-on-write),
# and a worker recycled by max_requests starts at once. create_app() opens no connection (pools, Redis and
# the WeChat clients are made on first use), so nothing is shared across the fork.
preload_app = True
max_requests = 2000
max_requests_jitter = 200


def pre_fork(server, worker):
    """Move the preloaded app's objects (about 2×10⁵: modules, mappers, schemas) out of the cyclic garbage
    collector's reach before each worker is forked: a worker's full collection would walk all of them (110 ms
    measured, with the worker's request waiting) and write to the pages it walked, unsharing them. Full
    collections are rare (none in 3,000 in-process check-ins), so this guards the rare long pause, not the
    benches' tails (gc.freeze, as Python's documentation advises for a preforking server)."""
    gc.freeze()

# Logs go to journald through stdout/stderr; the access log never carries tokens (they are headers).
# GUNICORN_ACCESS_LOG= (empty) turns it off (the benches: bench/load.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(m)s %(U)s %(s)s %(B)s %(M)sms'
# Request limits above nginx's (large_client_header_buffers 4 4k: a request line or header line of at most 4 KB,
# 16 KB of headers in all), so nginx refuses an oversized request with its JSON page first: gunicorn's own
# answers to these are HTML and cannot be replaced by a supported hook (docs/deploy.md).
limit_request_line = 8190          # gunicorn's maximum; its default 4094 is below nginx's 4 KB line
limit_request_field_size = 8190
limit_request_fields = 8192        # 16 KB of headers holds at most ~4100 minimal header lines
# gunicorn's control socket defaults to $HOME/.gunicorn/gunicorn.ctl, read-only under ProtectSystem=strict
# and shared by every gunicorn of one account; systemd manages the process, so there is none.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1")
wsgi_app = "server:create_app()"
