"""Benchmark (not a test): a 10,000-row roster import on PostgreSQL (first import, then a no-change re-import).

    .venv/bin/python -m bench.roster_import [--quick] [--rows 10000]

Writes a synthetic roster CSV (valid ID numbers, six townships), rebuilds the database party_bench_roster from
the migrations, and times read+validate and apply for both imports.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

FULL = {"rows": 10000}
QUICK = {"rows": 500}
TOWNSHIPS = ["金山镇", "西斗铺镇", "蒋家堰镇", "城关镇", "龙潭镇", "桃园镇"]


def write_roster(rows: int, path: Path) -> None:
    """A roster CSV of `rows` distinct members, in the CONTRACT §2 columns."""
    from server.common.idcard import check_digit
    from server.members import roster

    rng = random.Random(7)
    lines = [",".join(roster.HEADER)]
    seen = set()
    while len(lines) <= rows:
        born = date(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 28))
        first17 = f"420321{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        t = rng.choice(TOWNSHIPS)
        lines.append(",".join([
            "张" + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超"), first17 + check_digit(first17),
            f"13{rng.randrange(10**8, 10**9)}", t, f"{t[:-1]}{rng.randrange(1, 9)}村党支部", f"{t}流动党员党支部",
            "2023-03-01", rng.choice(["十堰市", "襄阳市", "武汉市"]), "某某有限公司", f"LD-{len(lines):05d}",
        ]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> None:
    from server.members import roster

    args = common.arguments(__doc__, FULL, QUICK, argv=argv)
    app, _ = common.fresh_app("roster")
    path = Path(tempfile.mkdtemp(prefix="bench-roster-")) / "roster.csv"
    write_roster(args.rows, path)
    figures, applied = {}, {}
    with app.app_context():
        for label in ("first import", "re-import (no changes)"):
            start = time.perf_counter()
            rows = roster.validate(roster.read_file(path))
            parsed = time.perf_counter()
            result = roster.import_roster(rows, source=str(path))
            done = time.perf_counter()
            applied[label] = done - start
            figures[label] = (f"{args.rows} rows: read+validate {parsed - start:.2f} s, apply {done - parsed:.2f} s "
                              f"(created {result.created}, updated {result.updated}, unchanged {result.unchanged}) "
                              f"= {args.rows / (done - start):,.0f} rows/s")
    path.unlink()
    path.parent.rmdir()
    common.report("roster_import", args, figures, headline={
        "rate": f"{args.rows / applied['first import']:,.0f} rows/s (first import)",
        "first import": f"{applied['first import']:.2f} s", "re-import": f"{applied['re-import (no changes)']:.2f} s"})


if __name__ == "__main__":
    main()
