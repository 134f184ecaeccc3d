"""Profile (not a test): where one payment notice's CPU goes, in-process, by library.

Works on a copy of the province data set at `--scale` members, seeds pending orders and their signed notices
as bench_pay_notify does, then sends `--calls` first-time notices through Flask's test client under cProfile
and prints the CPU per notice and its share by library (bench/profile_checkin.py explains the groups).

    .venv/bin/python -m bench.profile_notice [--scale 1000] [--calls 400]
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import bench_pay_notify, common, province  # noqa: E402
from bench.profile_checkin import arguments, report, run_profiled  # noqa: E402


def main(argv=None) -> None:
    args = arguments(argv, __doc__.strip().splitlines()[0])
    app, _ = common.copy_app("profile", province.ensure(args.scale))
    notices = bench_pay_notify.seed(app, args.calls + 20)
    client = app.test_client()

    def send(xml: str):
        answer = client.post(bench_pay_notify.NOTIFY_PATH, data=xml, headers={"Content-Type": "text/xml"})
        assert answer.status_code == 200 and b"SUCCESS" in answer.data, answer.data

    for xml in notices[:20]:  # warm-up: imports, pools, compiled statements
        send(xml)
    profile, cpu_ms = run_profiled(send, notices[20:20 + args.calls])
    report(profile, cpu_ms, args, "profile_notice", f"{args.calls} first-time payment notices", "")
    common.dispose(app)


if __name__ == "__main__":
    main()
