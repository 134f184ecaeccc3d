"""Time a 10,000-row roster import (first import, then a no-change re-import).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/party_bench .venv/bin/python bench/roster_import.py
Without DATABASE_URL it uses a throw-away SQLite file. The database is rebuilt from the migrations.
"""
from __future__ import annotations

import base64
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = int(os.environ.get("ROWS", "10000"))


def main() -> None:
    from flask_migrate import downgrade, upgrade

    from server import create_app
    from server.members import roster
    from server.members.idcard import check_digit

    tmp = tempfile.mkdtemp(prefix="roster-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "memory://bench",
                      "FIELD_KEY": base64.b64encode(os.urandom(32)).decode()})
    rng = random.Random(7)
    townships = ["金山镇", "西斗铺镇", "蒋家堰镇", "城关镇", "龙潭镇", "桃园镇"]
    lines = [",".join(roster.HEADER)]
    seen = set()
    while len(lines) <= ROWS:
        born = date(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 28))
        first17 = f"420321{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        t = rng.choice(townships)
        lines.append(",".join([
            "张" + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超"), first17 + check_digit(first17),
            f"13{rng.randrange(10**8, 10**9)}", t, f"{t[:-1]}{rng.randrange(1, 9)}村党支部", f"{t}流动党员党支部",
            "2023-03-01", rng.choice(["十堰市", "襄阳市", "武汉市"]), "某某有限公司", f"LD-{len(lines):05d}",
        ]))
    path = Path(tmp) / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with app.app_context():
        downgrade(revision="base") if not url.startswith("sqlite") else None
        upgrade(revision="heads")
        for label in ("first import", "re-import (no changes)"):
            start = time.perf_counter()
            rows = roster.validate(roster.read_file(path))
            parsed = time.perf_counter()
            result = roster.import_roster(rows, source=str(path))
            done = time.perf_counter()
            print(f"{label}: {ROWS} rows on {url.split(':')[0]} — read+validate {parsed - start:.2f}s, "
                  f"apply {done - parsed:.2f}s (created {result.created}, updated {result.updated}, "
                  f"unchanged {result.unchanged})")


if __name__ == "__main__":
    main()
