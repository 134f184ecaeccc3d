"""Benchmark (not a test): signed WeChat Pay notices handled per second, on PostgreSQL + Redis under gunicorn.

Works on a copy of the province data set at `--scale` members (bench/province.py: 6×10⁶ paid months at
the full scale), seeds pending orders for new members on top of it (at least RATE_BOUND per second of the
run, so no notice repeats one already credited), signs one payment notice per order, and drives
POST /api/v1/pay/wechat/notify with wrk (32 connections). In the same run it drives a bare Flask endpoint that
answers the same SUCCESS XML under the same gunicorn settings and the same requests, and prints both rates,
p50/p95/p99 and their ratio. After the run it checks the books: every paid order credited exactly once, one
`dues.paid` per paid order (exit 1 otherwise), and counts the first-time credits against the answers.
The service runs production-like here: the WeChat emulator off (a notice needs no call out).

    .venv/bin/python -m bench.bench_pay_notify [--quick] [--scale 100000] [--orders 6000] [--duration 15]
"""
from __future__ import annotations

import random
import sys
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common, load, province  # noqa: E402

NOTIFY_PATH = "/api/v1/pay/wechat/notify"
FULL = {"scale": 100_000, "orders": 6000}
QUICK = {"scale": 1000, "orders": 3000}
RATE_BOUND = 1500  # notices/s the seeded orders cover for the whole run (the bench says when it ran out)
PER_MEMBER = 12  # months ahead are payable: one order per month keeps every order distinct


def seed(app, orders: int) -> list[str]:
    """`orders` pending orders over orders/12 members; returns one signed notice per order, shuffled."""
    from wechatpy.pay.utils import calculate_signature, dict_to_xml

    from server.common.crypto import lookup_hash
    from server.common.timeutil import current_month, month_add, utcnow
    from server.core.members import Member
    from server.dues.models import DuesMonthClaim, DuesOrder
    from server.dues.service import add_standard
    from server.extensions import db

    notices = []
    cfg = app.config
    with app.app_context():
        township, branch, village = common.seed_township()
        month = current_month()
        for i in range(-(-orders // PER_MEMBER)):
            id_number = f"42010119800101{i:04d}"
            member = Member(name=f"压测党员{i}", id_number=id_number, id_number_hash=lookup_hash(id_number),
                            township_id=township.id, village_branch_id=village.id, mobile_branch_id=branch.id,
                            created_at=utcnow())
            db.session.add(member)
            db.session.flush()
            std = add_standard(member, year=int(month[:4]), category="salaried", income_base_fen=300000,
                               monthly_fen=None, reason=None, set_by="bench", approve=True)
            for k in range(min(PER_MEMBER, orders - len(notices))):
                m = month_add(month, k)
                order = DuesOrder(order_no=f"BENCH{i:06d}{k:02d}", member_id=member.id, township_id=township.id,
                                  branch_id=branch.id, kind="monthly",
                                  months=[{"month": m, "amount_fen": 1500, "standard_id": std.id}], amount_fen=1500,
                                  status="pending", openid=f"obench{i}", created_at=utcnow(),
                                  expires_at=utcnow() + timedelta(hours=2), prepay_id=f"wxbench{i}{k}")
                db.session.add(order)
                db.session.flush()
                db.session.add(DuesMonthClaim(member_id=member.id, month=m, order_id=order.id))
                fields = {"appid": cfg["WECHAT_APPID"], "mch_id": cfg["WECHAT_PAY_MCH_ID"], "openid": f"obench{i}",
                          "out_trade_no": order.order_no, "transaction_id": f"4200bench{i:06d}{k:02d}",
                          "total_fee": "1500", "cash_fee": "1500", "result_code": "SUCCESS", "return_code": "SUCCESS",
                          "time_end": utcnow().strftime("%Y%m%d%H%M%S"), "nonce_str": f"n{i}x{k}",
                          "bank_type": "OTHERS", "trade_type": "JSAPI", "fee_type": "CNY", "is_subscribe": "N"}
                xml = dict_to_xml(fields, calculate_signature(fields, cfg["WECHAT_PAY_API_KEY"]))
                notices.append(xml.replace("\n", ""))
        db.session.commit()
        db.engine.dispose()
    # Month-end peaks spread over many members: notices arrive in no particular order.
    random.Random(4).shuffle(notices)
    return notices


def check_books(db_url: str) -> dict:
    """After the run, over the bench's orders (order_no BENCH…): paid orders, dues.paid rows, ledger rows —
    each paid order credited exactly once."""
    bench = "SELECT id FROM dues_orders WHERE order_no LIKE 'BENCH%'"
    return {
        "paid_orders": common.scalar(db_url, "SELECT count(*) FROM dues_orders WHERE status='paid' "
                                             "AND order_no LIKE 'BENCH%'"),
        "dues_paid_rows": common.scalar(db_url, "SELECT count(*) FROM outbox_changes WHERE type='dues.paid'"),
        "duplicate_dues_paid": common.scalar(db_url, "SELECT count(*) FROM (SELECT data->>'order_no' FROM "
                                                     "outbox_changes WHERE type='dues.paid' GROUP BY 1 "
                                                     "HAVING count(*) > 1) d"),
        "ledger_rows": common.scalar(db_url, f"SELECT count(*) FROM dues_ledger WHERE order_id IN ({bench})"),
        "notices_stored": common.scalar(db_url, "SELECT count(*) FROM dues_pay_notices"),
    }


def main(argv=None) -> None:
    args = common.arguments(__doc__, FULL, QUICK, load=True, argv=argv)
    app, db_url = common.copy_app("dues", province.ensure(args.scale), emulator=False)
    orders = max(args.orders, RATE_BOUND * args.duration)
    common.log(f"seeding {orders} pending orders …")
    notices = [load.Request("POST", NOTIFY_PATH, "", xml) for xml in seed(app, orders)]
    run = load.compare_with_bare(args, common.service_env(db_url, emulator=False), notices, bare_reply="xml",
                                 content_type="text/xml")
    books = check_books(db_url)
    ok = (books["paid_orders"] == books["dues_paid_rows"] == books["ledger_rows"]
          and books["duplicate_dues_paid"] == 0)
    answered = run.service.answered
    figures = load.load_figures("signed pay notices", run, args)
    figures.update({
        "requests that did the full work": (
            f"{min(answered, books['paid_orders'])} of {answered} answered were first-time credits "
            f"({books['paid_orders']} orders paid in the database; the unmeasured warm-up turn's and those in flight when a turn stops are credited "
            f"but not counted); {max(0, answered - books['paid_orders'])} repeats; answers "
            + " ".join(f"{k}={v}" for k, v in run.service.statuses.items() if v)),
        "requests available": f"{orders:,} orders seeded; {'enough' if run.service.next_line <= orders else 'RAN OUT'} "
                              f"for the {run.service.next_line} lines reached (the warm-up turn's included)",
        "books": ", ".join(f"{k} {v}" for k, v in books.items()),
        "each paid order credited once": "yes" if ok else "NO",
        "data set": f"copy of the province data set at scale {args.scale:,} members",
    })
    common.report("bench_pay_notify", args, figures,
                  headline={**load.load_headline("notices/s", run), "books": "ok" if ok else "WRONG",
                            "full work": f"{min(answered, books['paid_orders'])}/{answered}"})
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
