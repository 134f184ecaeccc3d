"""Background work on RQ (Redis). With REDIS_URL=memory:// jobs run inline, after the caller's commit.

A job is a plain module-level function that runs inside an application context; it owns its own
transaction like any service function. Enqueue only after the caller has committed.
"""
from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING, Callable

import click
from flask import current_app
from flask.cli import with_appcontext

from server.store import get_redis

if TYPE_CHECKING:
    from rq import Queue
    from rq.job import Job

# rq (about 8 MB of a web worker) is imported where a job is queued or run, not with the app.

log = logging.getLogger(__name__)

QUEUES = ("default",)
# (interval seconds, function) pairs that the worker enqueues on schedule; features add to it.
PERIODIC: list[tuple[int, Callable]] = []


def periodic(interval_s: int):
    """Register a job function to be enqueued every interval_s seconds by the worker."""

    def decorator(func):
        PERIODIC.append((interval_s, func))
        return func

    return decorator


def _inline() -> bool:
    return current_app.config["REDIS_URL"].startswith("memory://")


def get_queue(name: str = "default") -> Queue:
    """The RQ queue on the app's Redis."""
    from rq import Queue

    return Queue(name, connection=get_redis())


def enqueue(func: Callable, *args, delay_s: float | None = None, **kwargs) -> Job | None:
    """Queue func(*args, **kwargs); inline in the embedded default (then a failure is logged, not raised)."""
    if _inline():
        if delay_s:
            # No scheduler in the embedded mode: delayed retries wait for the next periodic sweep.
            return None
        try:
            func(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a background failure must not fail the caller
            log.exception("inline job %s failed", getattr(func, "__name__", func))
        return None
    queue = get_queue()
    if delay_s:
        from datetime import timedelta

        return queue.enqueue_in(timedelta(seconds=delay_s), func, *args, **kwargs)
    return queue.enqueue(func, *args, **kwargs)


@functools.cache
def _worker_class() -> type:
    """An RQ worker that runs every job inside the Flask app context."""
    from rq import SimpleWorker

    class AppWorker(SimpleWorker):
        def __init__(self, *args, flask_app=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.flask_app = flask_app

        def perform_job(self, job, queue, *args, **kwargs):
            # RQ 3 passes an execution record as a third argument.
            with self.flask_app.app_context():
                return super().perform_job(job, queue, *args, **kwargs)

    return AppWorker


def drain(app=None) -> None:
    """Run every queued job now, in this process (tests, demo seeding)."""
    app = app or current_app._get_current_object()
    with app.app_context():
        if _inline():
            return
        _worker_class()([get_queue(n) for n in QUEUES], connection=get_redis(), flask_app=app).work(burst=True)


def _schedule_periodic(app, stop: threading.Event) -> None:
    """Enqueue due periodic jobs; a Redis lock per job keeps several workers from doubling them."""
    while not stop.is_set():
        with app.app_context():
            r = get_redis()
            for interval, func in PERIODIC:
                name = f"{func.__module__}.{func.__name__}"
                if r.set(f"periodic:{name}", "1", nx=True, ex=interval):
                    get_queue().enqueue(func)
        stop.wait(5)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run queued jobs, then exit.")
@with_appcontext
def worker_command(burst: bool):
    """Run the background worker (RQ on REDIS_URL) with its periodic jobs."""
    app = current_app._get_current_object()
    if _inline():
        raise click.ClickException("REDIS_URL=memory:// runs jobs inline; set REDIS_URL=redis://… for a worker")
    stop = threading.Event()
    if not burst:
        threading.Thread(target=_schedule_periodic, args=(app, stop), daemon=True).start()
    worker = _worker_class()([get_queue(n) for n in QUEUES], connection=get_redis(), flask_app=app)
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


def init_app(app) -> None:
    """Register the worker command."""
    app.cli.add_command(worker_command)
