"""Outbox ordering: readers paging by cursor never skip a late commit and never see a change twice."""
import random
import threading
import time

import pytest

from server.core.outbox import OutboxChange, record_change
from server.extensions import db
from server.sync import sequencer
from tests.factories import make_branch, make_member, make_township
from tests.sync.synchelpers import make_key, signed_get
from tests.testenv import ON_POSTGRES


def _sequence_everything():
    """Sequence until nothing committed is left without a seq (waiting out a busy sequencer)."""
    while sequencer.has_pending():
        sequencer.sequence_pending()
        db.session.rollback()
        time.sleep(0.01)
    db.session.rollback()


def test_concurrent_late_commits_are_never_skipped_nor_doubled(app):
    with app.app_context():
        townships = [make_township(f"并发镇{i}") for i in range(3)]
        members = [make_member(make_branch(t)) for t in townships for _ in range(3)]
        member_ids = [(m.id, m.township_id) for m in members]
        county, township_key = make_key(), make_key(townships[0])
        township_zero = townships[0].id

    writers, transactions = (8, 25) if ON_POSTGRES else (4, 12)
    committed: set[str] = set()
    rolled_back: set[str] = set()
    lock = threading.Lock()
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int):
        rng = random.Random(n)
        try:
            with app.app_context():
                from server.core.members import Member

                for i in range(transactions):
                    # Several members per transaction, locked in id order like any multi-member writer.
                    chosen = sorted(rng.choice(member_ids)[0] for _ in range(rng.randint(1, 3)))
                    tags = [f"w{n}-{i}-{j}" for j in range(len(chosen))]
                    for member_id, tag in zip(chosen, tags):
                        record_change("report.created", db.session.get(Member, member_id), {"tag": tag})
                    roll = rng.random()
                    # Mostly short, sometimes long enough for many sequencer runs to pass this row by.
                    time.sleep(rng.uniform(0.5, 1.0) if roll < 0.05 else rng.uniform(0.03, 0.15) if roll < 0.3
                               else rng.uniform(0, 0.01))
                    if rng.random() < 0.1:
                        db.session.rollback()
                        with lock:
                            rolled_back.update(tags)
                    else:
                        db.session.commit()
                        with lock:
                            committed.update(tags)
        except BaseException as err:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(err)

    results: dict[str, list[dict]] = {}

    def reader(name: str, key, limit: int):
        client = app.test_client()
        seen, after = [], 0
        try:
            with app.app_context():
                while True:
                    finished = writers_done.is_set()
                    resp = signed_get(client, key, "/api/v1/sync/changes", {"after": after, "limit": limit})
                    assert resp.status_code == 200, resp.get_json()
                    body = resp.get_json()
                    seen += body["changes"]
                    after = body["next"]
                    if finished and not body["more"]:
                        break
                    if not body["more"]:
                        time.sleep(0.005)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)
        results[name] = seen

    writer_threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    reader_threads = [threading.Thread(target=reader, args=args) for args in
                      (("county-1", county, 1), ("county-1000", county, 1000), ("township-1", township_key, 1))]
    for t in writer_threads + reader_threads:
        t.start()
    for t in writer_threads:
        t.join(120)
    with app.app_context():
        _sequence_everything()
    writers_done.set()
    for t in reader_threads:
        t.join(120)

    assert not errors, errors
    assert committed and rolled_back
    one, thousand = results["county-1"], results["county-1000"]
    for seen in (one, thousand):
        tags = [c["data"]["tag"] for c in seen]
        assert len(tags) == len(set(tags)), "a change was seen twice"
        assert set(tags) == committed, "a committed change was skipped, or a rolled-back one appeared"
        seqs = [c["seq"] for c in seen]
        assert seqs == sorted(seqs)
    assert one == thousand, "two readers saw different orders"
    mine = results["township-1"]
    assert mine == [c for c in one if c["township_id"] == township_zero]


def test_seq_is_dense_after_rollbacks_and_given_in_insert_order(ctx):
    member = make_member()
    for n in range(5):
        record_change("report.created", member, {"n": n})
        if n % 2:
            db.session.rollback()
        else:
            db.session.commit()
    assert sequencer.sequence_pending() == 3
    rows = db.session.execute(db.select(OutboxChange).order_by(OutboxChange.seq)).scalars().all()
    assert [r.data["n"] for r in rows] == [0, 2, 4]
    assert [r.seq for r in rows] == [1, 2, 3]
    assert sequencer.sequence_pending() == 0


def test_sequencer_runs_in_batches_and_continues_numbering(ctx, monkeypatch):
    member = make_member()
    monkeypatch.setattr(sequencer, "BATCH", 4)
    for n in range(10):
        record_change("report.created", member, {"n": n})
    db.session.commit()
    assert sequencer.sequence_pending() == 10
    record_change("report.created", member, {"n": 10})
    db.session.commit()
    assert sequencer.sequence_pending() == 1
    rows = db.session.execute(db.select(OutboxChange).order_by(OutboxChange.seq)).scalars().all()
    assert [(r.seq, r.data["n"]) for r in rows] == [(n + 1, n) for n in range(11)]


@pytest.mark.postgresql  # the advisory lock exists on PostgreSQL only
def test_a_busy_sequencer_makes_readers_read_what_is_sequenced(app):
    from sqlalchemy import text

    with app.app_context():
        member = make_member()
        record_change("report.created", member, {"n": 1})
        db.session.commit()
        key = make_key()
    with app.app_context():
        holding = db.engine.connect()
    try:
        trans = holding.begin()
        holding.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": sequencer.ADVISORY_LOCK_KEY})
        with app.app_context():
            assert sequencer.sequence_pending() is None
            resp = signed_get(app.test_client(), key, "/api/v1/sync/changes")
            assert resp.status_code == 200 and resp.get_json()["changes"] == []
        trans.rollback()
        with app.app_context():
            resp = signed_get(app.test_client(), key, "/api/v1/sync/changes")
            assert [c["data"] for c in resp.get_json()["changes"]] == [{"n": 1}]
    finally:
        holding.close()


@pytest.mark.postgresql  # SQLite runs one writer at a time
def test_per_member_order_is_commit_order(app):
    """B inserts first but commits late; A, changing the same member meanwhile, must come after B."""
    with app.app_context():
        member_id = make_member().id
    commits: list[str] = []
    b_inserted = threading.Event()

    def change(name: str, wait_before: threading.Event | None, hold: float):
        with app.app_context():
            from server.core.members import Member

            if wait_before:
                wait_before.wait(5)
            record_change("report.created", db.session.get(Member, member_id), {"who": name})
            if not wait_before:
                b_inserted.set()
            time.sleep(hold)
            db.session.commit()
            commits.append(name)

    b = threading.Thread(target=change, args=("B", None, 0.5))
    a = threading.Thread(target=change, args=("A", b_inserted, 0))
    b.start(), a.start()
    b.join(10), a.join(10)
    with app.app_context():
        sequencer.sequence_pending()
        rows = db.session.execute(db.select(OutboxChange).order_by(OutboxChange.seq)).scalars().all()
        assert [r.data["who"] for r in rows] == commits == ["B", "A"]
