"""The township's local SQLite ledger: a mirror of the change feed (docs/changes.md), applied idempotently.

Every change is kept verbatim in `changes` (a type this client does not know is kept there and otherwise
skipped); the tables beside it are what the office reads and what the digest is recomputed from.
`payments.order_no` holds the payment reference of township_sync.digest.payment_ref: the WeChat order
number, or `P<payment_id>` for a payment recorded outside WeChat.
"""
from __future__ import annotations

import json
import sqlite3
import threading

from township_sync.digest import digest_figures, payment_ref

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY, type TEXT NOT NULL, member_id INTEGER, township_id INTEGER, at TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY, name TEXT, id_number_masked TEXT, phone_masked TEXT, township TEXT, village_branch TEXT,
    mobile_branch TEXT, status TEXT, certificate_no TEXT, destination TEXT, employer TEXT, left_on TEXT,
    paid_through TEXT, updated_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS status_changes (
    seq INTEGER PRIMARY KEY, member_id INTEGER, from_status TEXT, to_status TEXT, reason TEXT, at TEXT,
    letter_no TEXT, effective_on TEXT, destination TEXT);
CREATE TABLE IF NOT EXISTS reports (
    report_id INTEGER PRIMARY KEY, member_id INTEGER, month TEXT, city TEXT, address TEXT, employer TEXT,
    lat REAL, lng REAL, reported_at TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkins (
    checkin_id INTEGER PRIMARY KEY, member_id INTEGER, event_id INTEGER, event_kind TEXT, event_title TEXT,
    event_starts_at TEXT, event_month TEXT, checked_in_at TEXT, late INTEGER, manual INTEGER, reason TEXT,
    seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_checkins_month ON checkins (event_month);
CREATE TABLE IF NOT EXISTS payments (
    order_no TEXT PRIMARY KEY, member_id INTEGER, kind TEXT, months TEXT, campaign_id INTEGER,
    amount_fen INTEGER NOT NULL DEFAULT 0, paid_at TEXT, paid_month TEXT, transaction_id TEXT,
    refunded_fen INTEGER NOT NULL DEFAULT 0, seq INTEGER);
CREATE INDEX IF NOT EXISTS ix_payments_month ON payments (paid_month);
CREATE TABLE IF NOT EXISTS refunds (
    seq INTEGER PRIMARY KEY, order_no TEXT NOT NULL, member_id INTEGER, amount_fen INTEGER NOT NULL,
    refunded_at TEXT, paid_month TEXT, reason TEXT);
CREATE TABLE IF NOT EXISTS evaluations (
    member_id INTEGER NOT NULL, year INTEGER NOT NULL, grade TEXT, note TEXT, recorded_on TEXT, seq INTEGER NOT NULL,
    PRIMARY KEY (member_id, year));
CREATE TABLE IF NOT EXISTS certificates (
    member_id INTEGER PRIMARY KEY, certificate_id INTEGER, number TEXT, issued_on TEXT, period INTEGER,
    valid_from TEXT, valid_until TEXT, review_period INTEGER, reviewed_on TEXT, review_result TEXT, reviewer TEXT,
    review_note TEXT, last_action TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verifications (
    month TEXT PRIMARY KEY, verified_at TEXT NOT NULL, matched INTEGER NOT NULL, server TEXT NOT NULL,
    local TEXT NOT NULL);
"""
# Columns added since the first ledgers were written: (table, column, type).
ADDED_COLUMNS = (("payments", "channel", "TEXT"), ("payments", "payment_id", "INTEGER"),
                 ("payments", "receipt_no", "TEXT"), ("payments", "method", "TEXT"))


class Ledger:
    """The township's local SQLite mirror. Each batch of changes and the cursor commit together."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.lock = threading.Lock()
        with self.conn:
            self.conn.executescript(SCHEMA)
            for table, column, kind in ADDED_COLUMNS:
                if column not in {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self.conn.close()

    def cursor(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'cursor'").fetchone()
        return int(row[0]) if row else 0

    def apply(self, changes: list[dict], next_cursor: int | None, after: int | None = None) -> int:
        """Apply a batch idempotently (a seq already seen is skipped) and move the cursor in the same
        transaction. The cursor moves only when the batch starts at or before it (no hole is skipped)."""
        applied = 0
        with self.lock, self.conn:
            current = self.cursor()
            for change in changes:
                inserted = self.conn.execute(
                    "INSERT OR IGNORE INTO changes (seq, type, member_id, township_id, at, data) VALUES (?,?,?,?,?,?)",
                    (change["seq"], change["type"], change.get("member_id"), change.get("township_id"),
                     change.get("at"), json.dumps(change["data"], ensure_ascii=False))).rowcount
                if inserted:
                    APPLIERS.get(change["type"], _skip)(self.conn, change)
                    applied += 1
            if next_cursor is not None and (after is None or after <= current) and next_cursor > current:
                self.conn.execute("INSERT INTO meta (name, value) VALUES ('cursor', ?) "
                                  "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(next_cursor),))
        return applied

    def digest(self, month: str) -> dict:
        """The digest recomputed from the ledger, by the rule the service uses (township_sync.digest)."""
        members = [tuple(row) for row in self.conn.execute("SELECT id, status FROM members")]
        checkins = {row[0] for row in self.conn.execute("SELECT checkin_id FROM checkins WHERE event_month = ?",
                                                        (month,))}
        payments = dict(self.conn.execute(
            "SELECT order_no, amount_fen - refunded_fen FROM payments WHERE paid_month = ?", (month,)))
        return {"month": month, **digest_figures(members, checkins, payments)}

    def months(self) -> list[str]:
        """Every month the ledger holds check-ins or payments of, or has verified, oldest first."""
        return [row[0] for row in self.conn.execute(
            "SELECT event_month FROM checkins UNION SELECT paid_month FROM payments UNION SELECT month FROM verifications"
            " ORDER BY 1") if row[0]]

    def record_verification(self, month: str, verified_at: str, server: dict, local: dict, matched: bool) -> None:
        """Keep the last verify of a month (the export's summary sheet shows it)."""
        with self.lock, self.conn:
            self.conn.execute(
                "INSERT INTO verifications (month, verified_at, matched, server, local) VALUES (?,?,?,?,?)"
                " ON CONFLICT (month) DO UPDATE SET verified_at=excluded.verified_at, matched=excluded.matched,"
                " server=excluded.server, local=excluded.local",
                (month, verified_at, int(matched), json.dumps(server, ensure_ascii=False),
                 json.dumps(local, ensure_ascii=False)))

    def verification(self, month: str) -> dict | None:
        """{verified_at, matched, server, local} of the month's last verify, or None."""
        row = self.conn.execute("SELECT verified_at, matched, server, local FROM verifications WHERE month = ?",
                                (month,)).fetchone()
        if row is None:
            return None
        return {"verified_at": row[0], "matched": bool(row[1]), "server": json.loads(row[2]), "local": json.loads(row[3])}


# ---- one function per change type ----------------------------------------------------------------

def _skip(conn, change: dict) -> None:
    """A type this client does not know (CONTRACT §8: readers skip it); it stays in `changes`."""


def _member_upserted(conn, change: dict) -> None:
    seq, member_id, data = change["seq"], change.get("member_id"), change["data"]
    if _moved_away(change):
        # The member now belongs to another township: they leave this ledger's roster.
        conn.execute("DELETE FROM members WHERE id = ? AND updated_seq < ?", (member_id, seq))
        conn.execute("DELETE FROM certificates WHERE member_id = ? AND seq < ?", (member_id, seq))
        return
    conn.execute(
        "INSERT INTO members (id, name, id_number_masked, phone_masked, township, village_branch, mobile_branch,"
        " status, certificate_no, destination, employer, left_on, paid_through, updated_seq)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET name=excluded.name,"
        " id_number_masked=excluded.id_number_masked, phone_masked=excluded.phone_masked,"
        " township=excluded.township, village_branch=excluded.village_branch,"
        " mobile_branch=excluded.mobile_branch, status=excluded.status,"
        " certificate_no=excluded.certificate_no, destination=excluded.destination,"
        " employer=excluded.employer, left_on=excluded.left_on, paid_through=excluded.paid_through,"
        " updated_seq=excluded.updated_seq WHERE members.updated_seq < excluded.updated_seq",
        (member_id, data.get("name"), data.get("id_number_masked"), data.get("phone_masked"),
         _name(data.get("township")), _name(data.get("village_branch")), _name(data.get("mobile_branch")),
         data.get("status"), data.get("certificate_no"), data.get("destination"), data.get("employer"),
         data.get("left_on"), data.get("paid_through"), seq))


def _status_changed(conn, change: dict) -> None:
    """Any status, `transferred` and `returned` included; a transfer's letter is kept with it."""
    seq, member_id, data = change["seq"], change.get("member_id"), change["data"]
    conn.execute("INSERT INTO members (id, status, updated_seq) VALUES (?,?,?) ON CONFLICT (id) DO UPDATE SET"
                 " status=excluded.status, updated_seq=excluded.updated_seq"
                 " WHERE members.updated_seq < excluded.updated_seq", (member_id, data.get("to"), seq))
    conn.execute("INSERT OR IGNORE INTO status_changes VALUES (?,?,?,?,?,?,?,?,?)",
                 (seq, member_id, data.get("from"), data.get("to"), data.get("reason"), change.get("at"),
                  data.get("letter_no"), data.get("effective_on"), data.get("destination")))


def _report_created(conn, change: dict) -> None:
    data = change["data"]
    conn.execute("INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (data.get("report_id"), change.get("member_id"), data.get("month"), data.get("city"),
                  data.get("address"), data.get("employer"), data.get("lat"), data.get("lng"),
                  data.get("reported_at"), change["seq"]))


def _checkin_created(conn, change: dict) -> None:
    data = change["data"]
    conn.execute("INSERT OR REPLACE INTO checkins VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                 (data.get("checkin_id"), change.get("member_id"), data.get("event_id"), data.get("event_kind"),
                  data.get("event_title"), data.get("event_starts_at"), data.get("event_month"),
                  data.get("checked_in_at"), int(bool(data.get("late"))), int(bool(data.get("manual"))),
                  data.get("reason"), change["seq"]))


def _dues_paid(conn, change: dict) -> None:
    """A WeChat order, or (data.channel "offline") a payment the branch recorded."""
    seq, member_id, data = change["seq"], change.get("member_id"), change["data"]
    conn.execute(
        "INSERT INTO payments (order_no, member_id, kind, months, campaign_id, amount_fen, paid_at, paid_month,"
        " transaction_id, seq, channel, payment_id, receipt_no, method) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (order_no) DO UPDATE SET member_id=excluded.member_id, kind=excluded.kind,"
        " months=excluded.months, campaign_id=excluded.campaign_id, amount_fen=excluded.amount_fen,"
        " paid_at=excluded.paid_at, paid_month=excluded.paid_month, transaction_id=excluded.transaction_id,"
        " seq=excluded.seq, channel=excluded.channel, payment_id=excluded.payment_id,"
        " receipt_no=excluded.receipt_no, method=excluded.method",
        (payment_ref(data), member_id, data.get("kind"), json.dumps(data.get("months") or [], ensure_ascii=False),
         data.get("campaign_id"), int(data["amount_fen"]), data.get("paid_at"), data.get("paid_month"),
         data.get("transaction_id"), seq, data.get("channel") or "wechat", data.get("payment_id"),
         data.get("receipt_no"), data.get("method")))
    _paid_through(conn, member_id, data, seq)


def _dues_refunded(conn, change: dict) -> None:
    """A WeChat refund, or the reversing entry of an offline payment (nets out of its payment's month)."""
    seq, member_id, data = change["seq"], change.get("member_id"), change["data"]
    ref = payment_ref(data)
    conn.execute("INSERT OR IGNORE INTO refunds VALUES (?,?,?,?,?,?,?)",
                 (seq, ref, member_id, int(data["amount_fen"]), data.get("refunded_at"), data.get("paid_month"),
                  data.get("reason")))
    conn.execute("INSERT INTO payments (order_no, member_id, kind, paid_at, paid_month, refunded_fen, channel,"
                 " payment_id) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (order_no) DO UPDATE SET"
                 " refunded_fen = payments.refunded_fen + excluded.refunded_fen",
                 (ref, member_id, data.get("kind"), data.get("paid_at"), data.get("paid_month"),
                  int(data["amount_fen"]), data.get("channel") or "wechat", data.get("payment_id")))
    _paid_through(conn, member_id, data, seq)


def _evaluation_recorded(conn, change: dict) -> None:
    """The member's yearly democratic evaluation; a later record of the same year replaces it."""
    seq, data = change["seq"], change["data"]
    conn.execute("INSERT INTO evaluations (member_id, year, grade, note, recorded_on, seq) VALUES (?,?,?,?,?,?)"
                 " ON CONFLICT (member_id, year) DO UPDATE SET grade=excluded.grade, note=excluded.note,"
                 " recorded_on=excluded.recorded_on, seq=excluded.seq WHERE evaluations.seq < excluded.seq",
                 (change.get("member_id"), int(data["year"]), data.get("grade"), data.get("note"),
                  data.get("recorded_on"), seq))


def _certificate_recorded(conn, change: dict) -> None:
    """The member's activity certificate as it now stands (issue, 年审, renewal, renumbering): a later change
    replaces the entry; the last review is kept until another review replaces it."""
    seq, data = change["seq"], change["data"]
    review = data.get("review") or {}
    conn.execute(
        "INSERT INTO certificates (member_id, certificate_id, number, issued_on, period, valid_from, valid_until,"
        " review_period, reviewed_on, review_result, reviewer, review_note, last_action, seq)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (member_id) DO UPDATE SET"
        " certificate_id=excluded.certificate_id, number=excluded.number, issued_on=excluded.issued_on,"
        " period=excluded.period, valid_from=excluded.valid_from, valid_until=excluded.valid_until,"
        " review_period=coalesce(excluded.review_period, certificates.review_period),"
        " reviewed_on=coalesce(excluded.reviewed_on, certificates.reviewed_on),"
        " review_result=coalesce(excluded.review_result, certificates.review_result),"
        " reviewer=coalesce(excluded.reviewer, certificates.reviewer),"
        " review_note=CASE WHEN excluded.reviewed_on IS NULL THEN certificates.review_note"
        " ELSE excluded.review_note END,"
        " last_action=excluded.last_action, seq=excluded.seq WHERE certificates.seq < excluded.seq",
        (change.get("member_id"), data.get("certificate_id"), data.get("number"), data.get("issued_on"),
         data.get("period"), data.get("valid_from"), data.get("valid_until"), review.get("period"),
         review.get("reviewed_on"), review.get("result"), review.get("reviewer"), review.get("note"),
         data.get("action"), seq))


APPLIERS = {
    "member.upserted": _member_upserted, "member.status_changed": _status_changed,
    "report.created": _report_created, "checkin.created": _checkin_created, "dues.paid": _dues_paid,
    "dues.refunded": _dues_refunded, "evaluation.recorded": _evaluation_recorded,
    "certificate.recorded": _certificate_recorded,
    # A second report-in of the same month rewrites that month's record (same report_id).
    "report.updated": _report_created,
}


def _paid_through(conn, member_id, data: dict, seq: int) -> None:
    if "paid_through" in data:
        conn.execute("UPDATE members SET paid_through = ? WHERE id = ? AND updated_seq < ?",
                     (data["paid_through"], member_id, seq))


def _moved_away(change: dict) -> bool:
    """A member.upserted addressed to a township the member no longer belongs to."""
    township = change["data"].get("township") or {}
    return change.get("township_id") is not None and township.get("id") not in (None, change["township_id"])


def _name(org) -> str | None:
    return org.get("name") if isinstance(org, dict) else org
