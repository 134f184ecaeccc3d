"""Benchmark (not a test): how far a check-in's own work is from the bare endpoint, without the web framework.

The check-in bench compares the service with a bare Flask route that does nothing. This one asks what part of
the gap is the work itself. In the same run, with the same gunicorn settings and wrk load, it drives three apps:
- the service (`server:create_app()`), as bench_checkins does;
- `make_lean_app()`: a WSGI callable in front of the same app that does a check-in's work and nothing more. It
  pushes Flask's request context (so `g`, the session and the driver connection live and end as in a request),
  takes the token and the rate-limit count in the one Redis EVAL, loads the body with the endpoint's own schema
  (`CheckinIn`), calls the service (`checkin.check_in`: its two PostgreSQL statements), dumps the answer with
  `CheckinResultOut`. No URL dispatch, flask-smorest, webargs, hooks or error handlers: the most a leaner request
  path for this endpoint could reach;
- `make_floor_app()`: only the input and output a check-in cannot do without, in the same request context: the one
  Redis EVAL (token and rate-limit count), the body read with `json.loads`, and the one PostgreSQL statement that
  writes the check-in, its outbox row, the member's activity and the audit entry (`writes.insert_recorded`, the
  event from the worker's kept copy, read once per event). No code, time or place check, no schema, no dispatch:
  what the round trips and their writes cost on this stack, the floor under any faster check-in;
- the bare one-route app.
Each request is a first-time check-in (fresh pairs, split between the three apps that check in). While each app
runs, the CPU time of every process is read from /proc, so the final block also says what one request costs in
the workers, in PostgreSQL and in Redis.

    .venv/bin/python -m bench.lean_checkin [--quick] [--scale 100000] [--duration 15]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import bench_checkins, common, load, province

FULL = {"scale": 100_000}
QUICK = {"scale": 1000}
APPS = (("service", "server:create_app()"), ("lean path", "bench.lean_checkin:make_lean_app()"),
        ("floor", "bench.lean_checkin:make_floor_app()"), ("bare Flask endpoint", "bench.load:make_bare_app('json')"))
CHECKING = ("service", "lean path", "floor")


def make_lean_app():
    """The check-in's work behind a WSGI callable (see the module's docstring); /healthz for gunicorn()."""
    from flask import g, request

    from server import create_app
    from server.checkins import checkin
    from server.checkins.schemas import CheckinIn, CheckinResultOut
    from server.core.guards import member_required
    from server.errors import AppError

    app = create_app()
    load_in, dump_out = CheckinIn(), CheckinResultOut()
    guard = member_required(lambda: None, counts=("checkin", "CHECKIN_RATE_WINDOW_S")).guard

    def lean(environ, start_response):
        parts = environ["PATH_INFO"].split("/")  # /api/v1/events/<id>/checkins
        if len(parts) != 6 or parts[5] != "checkins":
            return answer(start_response, "200 OK", {"status": "ok"})
        with app.request_context(environ):
            try:
                guard()
                data = load_in.load(request.get_json())
                record, created = checkin.check_in(g.member_id, int(parts[4]), data["token"], data["lat"],
                                                   data["lng"], data.get("accuracy"))
            except AppError as err:
                return answer(start_response, f"{err.status} ERROR", err.to_dict())
            return answer(start_response, "201 CREATED" if created else "200 OK", dump_out.dump({"checkin": record}))

    return lean


def answer(start_response, status: str, body: dict):
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def make_floor_app():
    """The check-in's round trips and writes and nothing else behind a WSGI callable (see the module's docstring)."""
    from flask import g

    from server import create_app
    from server.checkins import checkin, writes
    from server.common.timeutil import utcnow
    from server.core.guards import member_required
    from server.errors import AppError

    app = create_app()
    guard = member_required(lambda: None, counts=("checkin", "CHECKIN_RATE_WINDOW_S")).guard

    def floor(environ, start_response):
        parts = environ["PATH_INFO"].split("/")  # /api/v1/events/<id>/checkins
        if len(parts) != 6 or parts[5] != "checkins":
            return answer(start_response, "200 OK", {"status": "ok"})
        event_id = int(parts[4])
        with app.request_context(environ):
            try:
                guard()
                body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
                event = checkin._known_event(event_id)
                if event is None:  # once per event and worker, as the service does
                    event = checkin._standing(checkin._checkin_context(g.member_id, event_id))[0]
                    checkin._remember(event)
                values = {"checked_in_at": utcnow(), "lat": body["lat"], "lng": body["lng"],
                          "accuracy_m": body.get("accuracy"), "distance_m": 0.0, "late": False, "manual": False,
                          "reason": None}
                new_id, _ = writes.insert_recorded(event, g.member_id, None, values)
            except AppError as err:
                return answer(start_response, f"{err.status} ERROR", err.to_dict())
            return answer(start_response, "201 CREATED" if new_id else "200 OK", {"checkin": {"id": new_id}})

    return floor


def main(argv=None) -> None:
    args = common.arguments(__doc__, FULL, QUICK, load=True, argv=argv)
    app, db_url = common.copy_app("lean", province.ensure(args.scale))
    requests, _, note, _ = bench_checkins.seed(app, len(CHECKING) * bench_checkins.RATE_BOUND * args.duration,
                                                  load.slices(args.duration)[1])
    common.dispose(app)
    env = common.service_env(db_url)
    # Each app that checks in takes its own third of the fresh pairs; the bare one is sent the service's.
    shares = {label: (lambda i=i: requests()[i::len(CHECKING)]) for i, label in enumerate(CHECKING)}
    shares["bare Flask endpoint"] = shares["service"]
    run = load.take_turns(args, env, [spec for _, spec in APPS], [shares[label] for label, _ in APPS])
    results = {label: result for (label, _), result in zip(APPS, run.results)}
    costs = {label: cost for (label, _), cost in zip(APPS, run.cpu)}
    bare = results["bare Flask endpoint"]
    figures = {}
    for label, _ in APPS:
        result = results[label]
        figures[label] = result.describe()
        figures[f"{label}: ratio to bare; CPU a request"] = (f"{result.rps / bare.rps:.3f}; "
                                                             f"{load.describe_cpu(costs[label])}")
    figures["requests available"] = f"{note}, a third to each app that checks in"
    figures["load"] = (f"gunicorn {args.workers} sync workers; wrk {min(load.WRK_THREADS, args.connections)} "
                       f"threads, {args.connections} connections; {load.describe_turns(args)}")
    common.report("lean_checkin", args, figures, headline={
        "service": f"{results['service'].rps / bare.rps:.3f} of bare",
        "lean path": f"{results['lean path'].rps / bare.rps:.3f} of bare",
        "floor": f"{results['floor'].rps / bare.rps:.3f} of bare"})


if __name__ == "__main__":
    main()
