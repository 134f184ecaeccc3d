"""The digest: figures and a hash a township can recompute from the documented rule."""
import hashlib

from server.members.service import change_status
from tests.factories import make_branch, make_key, make_member, make_township
from tests.sync.synchelpers import checkin, paid, refunded, signed_get, upsert

DIGEST = "/api/v1/sync/digest"


def test_digest_counts_the_month_and_nets_refunds(client, ctx):
    jinshan, other = make_township("金山镇"), make_township("西斗铺镇")
    a, b = make_member(make_branch(jinshan)), make_member(make_branch(jinshan))
    stranger = make_member(make_branch(other))
    for m in (a, b, stranger):
        upsert(m)
    change_status(b.id, "lost_contact", "半年未联系", "staff:2")
    checkin(a, "2026-03", checkin_id=11), checkin(b, "2026-03", checkin_id=9), checkin(a, "2026-04", checkin_id=12)
    checkin(stranger, "2026-03", checkin_id=13)
    full = paid(a, 3000, "2026-03", order_no="D0002")
    part = paid(b, 1500, "2026-03", order_no="D0001")
    paid(a, 999, "2026-04", order_no="D0003")
    paid(stranger, 5000, "2026-03", order_no="D0004")
    refunded(a, full, 3000, "2026-03")
    refunded(b, part, 500, "2026-03")

    resp = signed_get(client, make_key(jinshan), DIGEST, {"month": "2026-03"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["members"], body["checkins"], body["paid_fen"]) == (2, 2, 1000)
    first, second = sorted([a.id, b.id])
    status = {a.id: "active", b.id: "lost_contact"}
    listing = "\n".join([f"M {first} {status[first]}", f"M {second} {status[second]}",
                         "C 9", "C 11", "O D0001 1000", "O D0002 0"])
    assert body["hash"] == hashlib.sha256(listing.encode()).hexdigest()

    county = signed_get(client, make_key(), DIGEST, {"month": "2026-03"}).get_json()
    assert (county["members"], county["checkins"], county["paid_fen"]) == (3, 3, 6000)


def test_empty_month_hashes_the_empty_listing(client, ctx):
    body = signed_get(client, make_key(make_township()), DIGEST, {"month": "2020-01"}).get_json()
    assert body["hash"] == hashlib.sha256(b"").hexdigest()
    assert (body["members"], body["checkins"], body["paid_fen"]) == (0, 0, 0)


def test_month_is_required_and_well_formed(client, ctx):
    key = make_key()
    for params in ({}, {"month": "2026-13"}, {"month": "2026-3"}, {"month": "三月"}):
        resp = signed_get(client, key, DIGEST, params)
        assert resp.status_code == 422, params
        assert resp.get_json()["code"] == "validation_error"


def test_digest_is_signed_like_a_pull(client, ctx):
    resp = client.get(DIGEST + "?month=2026-03")
    assert resp.status_code == 401 and resp.get_json()["code"] == "sync_auth_failed"
