"""The ledger as a workbook the township office can file (Chinese sheets, see township_sync.xlsx).

The first sheet sums up each month the ledger holds: its digest and whether it matched the service at the
last `verify` (or that the ledger changed since, so it needs verifying again).
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from openpyxl import Workbook

from township_sync.ledger import Ledger
from township_sync.xlsx import BEIJING, Column, add_sheet

STATUS_ZH = {"active": "正常", "returned": "已返乡", "transferred": "已转出", "lost_contact": "失联",
             "suspended": "停止党籍"}
EVENT_KIND_ZH = {"branch_assembly": "支部党员大会", "committee": "支委会", "group": "党小组会", "lecture": "党课",
                 "theme_day": "主题党日", "life_meeting": "组织生活会", "training": "培训", "volunteer": "志愿服务"}
CHANNEL_ZH = {"wechat": "微信支付", "offline": "线下缴纳"}
METHOD_ZH = {"cash": "现金", "bank_transfer": "银行转账", "other": "其他"}


def _yes(flag) -> str:
    return "是" if flag else "否"


def summary_rows(ledger: Ledger) -> list[tuple]:
    """One row per month: the ledger's digest now and the last verify's outcome."""
    rows = []
    for month in ledger.months():
        local = ledger.digest(month)
        last = ledger.verification(month)
        if last is None:
            outcome, at, server_hash = "未核对", None, None
        elif last["local"]["hash"] != local["hash"]:
            outcome, at, server_hash = "台账已变化，请重新核对", last["verified_at"], last["server"]["hash"]
        else:
            outcome = "核对一致" if last["matched"] else "核对不一致"
            at, server_hash = last["verified_at"], last["server"]["hash"]
        rows.append((month, local["members"], local["checkins"], local["paid_fen"], local["hash"], outcome, at,
                     server_hash))
    return rows


def export_xlsx(ledger: Ledger, out: str) -> None:
    """Write the ledger as a workbook for the township office."""
    conn = ledger.conn
    names = dict(conn.execute("SELECT id, name FROM members"))
    townships = Counter(row[0] for row in conn.execute("SELECT township FROM members WHERE township IS NOT NULL"))
    township = townships.most_common(1)[0][0] if townships else "乡镇"
    stamp = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M")

    def title(what: str) -> str:
        return f"{township}流动党员台账 · {what}（同步到 seq {ledger.cursor()}，导出于 {stamp}）"

    book = Workbook()
    book.remove(book.active)
    months = summary_rows(ledger)
    add_sheet(book, "核对汇总", title("每月摘要与核对结果"), [
        Column("月份"), Column("党员人数", "int"), Column("签到次数", "int"), Column("党费实缴（元）", "money"),
        Column("本地校验值"), Column("与服务器核对"), Column("核对时间", "datetime"), Column("服务器校验值"),
    ], months, ["合计", None, sum(r[2] for r in months), sum(r[3] for r in months)])

    roster = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], STATUS_ZH.get(r[7], r[7]), *r[8:13]) for r in conn.execute(
        "SELECT id, name, id_number_masked, phone_masked, township, village_branch, mobile_branch, status,"
        " certificate_no, destination, employer, left_on, paid_through FROM members ORDER BY id")]
    add_sheet(book, "党员名册", title("党员名册"), [
        Column("党员编号", "int"), Column("姓名"), Column("身份证号（脱敏）"), Column("手机号（脱敏）"), Column("乡镇"),
        Column("村党支部"), Column("流动党员党支部"), Column("状态"), Column("活动证编号"), Column("流入地"),
        Column("工作单位"), Column("外出时间", "date"), Column("党费交至"),
    ], roster, [f"合计 {len(roster)} 人"])

    changes = [(r[0], r[1], names.get(r[1]), STATUS_ZH.get(r[2], r[2]), STATUS_ZH.get(r[3], r[3]), *r[4:])
               for r in conn.execute("SELECT at, member_id, from_status, to_status, reason, letter_no, effective_on,"
                                     " destination FROM status_changes ORDER BY seq")]
    add_sheet(book, "状态变动", title("状态变动（含转出、返乡）"), [
        Column("时间", "datetime"), Column("党员编号", "int"), Column("姓名"), Column("原状态"), Column("新状态"),
        Column("原因"), Column("介绍信编号"), Column("生效日期", "date"), Column("去向"),
    ], changes, [f"合计 {len(changes)} 条"])

    reports = [(r[0], r[1], names.get(r[1]), *r[2:]) for r in conn.execute(
        "SELECT report_id, member_id, month, city, address, employer, lat, lng, reported_at FROM reports"
        " ORDER BY report_id")]
    add_sheet(book, "报到记录", title("报到记录"), [
        Column("报到编号", "int"), Column("党员编号", "int"), Column("姓名"), Column("月份"), Column("城市"),
        Column("住址"), Column("工作单位"), Column("纬度", "number"), Column("经度", "number"),
        Column("报到时间", "datetime"),
    ], reports, [f"合计 {len(reports)} 条"])

    checkins = [(r[0], r[1], names.get(r[1]), r[2], EVENT_KIND_ZH.get(r[3], r[3]), r[4], r[5], r[6], r[7],
                 _yes(r[8]), _yes(r[9]), r[10]) for r in conn.execute(
        "SELECT checkin_id, member_id, event_id, event_kind, event_title, event_starts_at, event_month,"
        " checked_in_at, late, manual, reason FROM checkins ORDER BY checkin_id")]
    add_sheet(book, "签到记录", title("签到记录"), [
        Column("签到编号", "int"), Column("党员编号", "int"), Column("姓名"), Column("活动编号", "int"),
        Column("活动类型"), Column("活动名称"), Column("活动开始时间", "datetime"), Column("活动月份"),
        Column("签到时间", "datetime"), Column("是否迟到"), Column("是否补录"), Column("补录原因"),
    ], checkins, [f"合计 {len(checkins)} 次"])

    payments = _payment_rows(conn, names)
    years = sorted({row[10][:4] for row in payments if row[10]})
    span = "" if not years else f"{years[0]}年" + (f"至{years[-1]}年" if len(years) > 1 else "") + "，"
    add_sheet(book, "党费缴纳", title(f"党费缴纳（{span}退款与冲销为负数）"), [
        Column("记录类型"), Column("订单号或收据号"), Column("党员编号", "int"), Column("姓名"), Column("党费类型"),
        Column("渠道"), Column("缴纳方式"), Column("所缴月份"), Column("金额（元）", "money"), Column("时间", "datetime"),
        Column("计入月份"), Column("微信支付单号"), Column("退款或冲销原因"),
    ], payments, [f"合计 {len(payments)} 笔", None, None, None, None, None, None, None,
                  sum(row[8] for row in payments)])

    evaluations = [(r[0], names.get(r[0]), *r[1:]) for r in conn.execute(
        "SELECT member_id, year, grade, note, recorded_on FROM evaluations ORDER BY year, member_id")]
    grades = Counter(row[3] for row in evaluations)
    add_sheet(book, "民主评议", title("民主评议党员"), [
        Column("党员编号", "int"), Column("姓名"), Column("年度", "int"), Column("评议等次"), Column("说明"),
        Column("评定日期", "date"),
    ], evaluations, [f"合计 {len(evaluations)} 人", None, None,
                     "，".join(f"{grade} {n} 人" for grade, n in sorted(grades.items()))])

    certificates = [(r[0], names.get(r[0]), *r[1:]) for r in conn.execute(
        "SELECT member_id, number, issued_on, period, valid_from, valid_until, reviewed_on, review_result, reviewer,"
        " review_note FROM certificates ORDER BY valid_until, member_id")]
    add_sheet(book, "活动证", title("流动党员活动证"), [
        Column("党员编号", "int"), Column("姓名"), Column("活动证编号"), Column("发证日期", "date"),
        Column("第几期", "int"), Column("有效期自", "date"), Column("有效期至", "date"), Column("最近年审日期", "date"),
        Column("年审结果"), Column("年审人"), Column("年审说明"),
    ], certificates, [f"合计 {len(certificates)} 张"])
    book.save(out)


def _payment_rows(conn, names: dict) -> list[tuple]:
    """Payments (WeChat and offline), then refunds and reversals as negative amounts, in fen."""
    rows = []
    for ref, member_id, kind, months, amount, paid_at, paid_month, txn, channel, receipt_no, method in conn.execute(
            "SELECT order_no, member_id, kind, months, amount_fen, paid_at, paid_month, transaction_id, channel,"
            " receipt_no, method FROM payments WHERE seq IS NOT NULL ORDER BY paid_at, order_no"):
        covered = "、".join(m["month"] for m in json.loads(months or "[]"))
        number = (receipt_no or ref) if channel == "offline" else ref
        rows.append(("缴费", number, member_id, names.get(member_id), "特殊党费" if kind == "special" else "按月党费",
                     CHANNEL_ZH.get(channel, channel), METHOD_ZH.get(method, method), covered, amount, paid_at,
                     paid_month, txn, None))
    for ref, member_id, amount, refunded_at, paid_month, reason, channel, receipt_no in conn.execute(
            "SELECT r.order_no, r.member_id, r.amount_fen, r.refunded_at, r.paid_month, r.reason, p.channel,"
            " p.receipt_no FROM refunds r LEFT JOIN payments p ON p.order_no = r.order_no ORDER BY r.seq"):
        offline = channel == "offline"
        rows.append(("冲销" if offline else "退款", (receipt_no or ref) if offline else ref, member_id,
                     names.get(member_id), None, CHANNEL_ZH.get(channel, channel), None, None, -amount, refunded_at,
                     paid_month, None, reason))
    return rows
