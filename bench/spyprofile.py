"""Where the gunicorn workers' CPU goes under the bench's own load: py-spy attached during the measured run.

cProfile in-process (bench/profile_checkin.py) slows every Python call, and Flask's test client is not gunicorn;
py-spy samples the running workers from outside, 200 times a second, counting only the samples in which a
worker holds the GIL (so a worker waiting on PostgreSQL or Redis is not counted: this is CPU, not wall time).
Set `BENCH_PROFILE=<directory>` for any wrk bench: during the service's run `load.compare_with_bare` records
`<directory>/<bench>.raw` (py-spy's collapsed stacks) and prints the shares below; `python -m bench.spyprofile
FILE.raw` prints them again. py-spy costs the machine a little CPU of its own, so a profiled run's rates are
not the figures to quote.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

GROUPS = (("server/", "service code (server/)"), ("sqlalchemy", "SQLAlchemy"), ("psycopg", "psycopg"),
          ("flask_smorest", "flask-smorest, webargs, marshmallow"), ("webargs", "flask-smorest, webargs, marshmallow"),
          ("marshmallow", "flask-smorest, webargs, marshmallow"), ("werkzeug", "Flask, Werkzeug"),
          ("flask", "Flask, Werkzeug"), ("redis", "redis"), ("json", "json"),
          ("gunicorn", "gunicorn"), ("wechatpy", "XML, wechatpy"), ("xmltodict", "XML, wechatpy"),
          ("defusedxml", "XML, wechatpy"), ("xml/", "XML, wechatpy"))


def group(filename: str) -> str:
    """The library a source file belongs to (shared with the cProfile benches)."""
    for needle, name in GROUPS:
        if needle in filename:
            return name
    return "Python and the rest" if filename.startswith(("<", "~")) or "python3" in filename else "other libraries"


# Layers of a request, by the frame that opens them (inclusive shares: a layer includes what it calls).
LAYERS = (("SyncWorker.handle ", "the request in gunicorn (all of it)"),
          ("Flask.wsgi_app ", "  Flask: request context, dispatch, response"),
          ("Flask.preprocess_request ", "    before-request hooks (the token and rate-limit EVAL)"),
          ("Flask.dispatch_request ", "    the endpoint (arguments, service, response schema)"),
          ("RequestContext.pop ", "    teardown (session, driver connection back to the pool)"),
          ("Redis.execute_command ", "  redis-py"),
          ("Cursor.execute ", "  psycopg: statements sent and answered"))
_FRAME = re.compile(r"^(.*?) \((.*?):\d+\)$")


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen | None:
    """py-spy recording the gunicorn master `pid` and its workers for `seconds`; None if py-spy is missing."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("BENCH_PROFILE: py-spy is not installed (pip install -e '.[bench]')", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--nonblocking",
                             "-r", "200", "-d", str(max(1, seconds)), "-f", "raw", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read(path: Path) -> tuple[int, Counter, Counter]:
    """(samples, inclusive samples by layer label, own samples by library) from py-spy's raw output."""
    layers, libraries, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n, frames = int(count), stack.split(";")
        total += n
        for needle, label in LAYERS:
            if any(f.startswith(needle) for f in frames):
                layers[label] += n
        match = _FRAME.match(frames[-1])
        libraries[group(match.group(2)) if match else "Python and the rest"] += n
    return total, layers, libraries


def report(path: Path) -> None:
    total, layers, libraries = read(path)
    if not total:
        print(f"{path}: no samples")
        return
    print(f"\n----- where the workers' CPU went ({total:,} samples holding the GIL; {path}) -----")
    for _, label in LAYERS:
        print(f"{label:<58}: {100 * layers[label] / total:5.1f} %")
    print("own time by library:")
    for label, n in libraries.most_common():
        print(f"  {label:<56}: {100 * n / total:5.1f} %")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        report(Path(name))
