"""gunicorn settings for one application host (behind nginx)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and database-bound; 2×cores+1 is the classic starting point.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Logs go to journald through stdout/stderr; the access log never carries tokens (they are headers).
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(m)s %(U)s %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1")
wsgi_app = "server:create_app()"
