"""Profile (not a test): where one check-in's CPU goes, in-process, by library.

Works on a copy of the province data set at `--scale` members, seeds fresh (member, theme day) pairs as
bench_checkins does, then sends `--calls` first-time check-ins through Flask's test client under cProfile and
prints the CPU per request and its share by the package that spent it (own time of each function, grouped by
the file it lives in): the service's own code, SQLAlchemy, psycopg, Flask/Werkzeug, flask-smorest/webargs/
marshmallow, redis, the rest. CPU time barely moves with the machine's load, unlike wrk's figures.

    .venv/bin/python -m bench.profile_checkin [--scale 1000] [--calls 400]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import bench_checkins, common, province  # noqa: E402
from bench.spyprofile import group  # noqa: E402


def run_profiled(send, plan) -> tuple[cProfile.Profile, float]:
    """`send` each request of `plan` under cProfile (process CPU time); the profile and CPU ms per request."""
    profile = cProfile.Profile(time.process_time)
    started = time.process_time()
    profile.enable()
    for request in plan:
        send(request)
    profile.disable()
    return profile, (time.process_time() - started) * 1000 / len(plan)


def report(profile: cProfile.Profile, cpu_ms: float, args, name: str, what: str, note: str) -> None:
    """Print the CPU per request, its shares by library and the functions with the most own time."""
    if args.dump:
        profile.dump_stats(args.dump)
    shares: Counter = Counter()
    for (filename, _, _), (_, _, own, _, _) in pstats.Stats(profile).stats.items():
        shares[group(filename)] += own
    total = sum(shares.values())
    print(f"\n===== {name} ({what} in-process, scale {args.scale:,}) =====")
    print(f"app CPU per request (profiled, test client) : {cpu_ms:.2f} ms")
    for label, own in shares.most_common():
        print(f"  {label:<40}: {100 * own / total:5.1f} %  ({1000 * own / args.calls:.2f} ms)")
    print("functions with the most own time (ms per request):")
    top = sorted(pstats.Stats(profile).stats.items(), key=lambda item: -item[1][2])[:args.top]
    for (filename, line, function), (_, _, own, _, _) in top:
        print(f"  {1000 * own / args.calls:6.2f}  {function} ({'/'.join(Path(filename).parts[-2:])}:{line})")
    print(f"data                                        : {note}")
    print("bench-json: " + json.dumps({"bench": name, "cpu_ms": round(cpu_ms, 2),
                                       "shares": {k: round(100 * v / total, 1) for k, v in shares.items()}}))


def arguments(argv, description: str):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--top", type=int, default=15, help="functions to list by own time")
    parser.add_argument("--dump", help="also write the raw profile here (for pstats / snakeviz)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = arguments(argv, __doc__.strip().splitlines()[0])
    app, _ = common.copy_app("profile", province.ensure(args.scale))
    requests, _, note, _ = bench_checkins.seed(app, args.calls + 20, 30)
    plan = requests()
    client = app.test_client()

    def send(request):
        answer = client.post(request.path, data=request.body, headers={
            "Authorization": f"Bearer {request.token}", "Content-Type": "application/json"})
        assert answer.status_code == 201, answer.get_json()

    for request in plan[:20]:  # warm-up: imports, pools, compiled statements
        send(request)
    profile, cpu_ms = run_profiled(send, plan[20:20 + args.calls])
    report(profile, cpu_ms, args, "profile_checkin", f"{args.calls} first-time check-ins", note)
    common.dispose(app)


if __name__ == "__main__":
    main()
