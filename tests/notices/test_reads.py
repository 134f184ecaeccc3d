"""Read marks: repeatable, counted over every active member of the audience (bound to WeChat or not)."""
import threading

import requests

from server.core.audit import AuditEntry
from server.extensions import db
from server.members.service import change_status
from tests.callers import assert_error_shape
from tests.notices.helpers import county_admin, make_town, publish, secretary, township_admin


def test_counts_cover_unbound_members_and_a_repeat_read_counts_once(client, ctx):
    town = make_town("金山镇", bound=2, unbound=2)
    make_town("西斗铺镇")
    notice = publish(client, secretary(town)).get_json()
    assert (notice["read_count"], notice["unread_count"]) == (0, 4)

    for _ in range(3):
        resp = client.post(f"/api/v1/me/notices/{notice['id']}/read", headers=town.tokens[0])
        assert resp.status_code == 204 and resp.get_data() == b""
    detail = client.get(f"/api/v1/notices/{notice['id']}", headers=secretary(town)).get_json()
    assert (detail["read_count"], detail["unread_count"]) == (1, 3)
    assert detail["audience"] == {"type": "branch", "id": town.branch.id, "name": town.branch.name}

    mine = client.get("/api/v1/me/notices", headers=town.tokens[0]).get_json()
    assert mine["items"][0]["read"] is True and mine["unread"] == 0
    assert client.get("/api/v1/me/notices", headers=town.tokens[1]).get_json()["unread"] == 1


def test_only_active_members_count(client, ctx):
    town = make_town("金山镇", bound=1, unbound=2)
    change_status(town.members[2].id, "transferred", "组织关系转出", "staff:1")
    notice = publish(client, township_admin(town)).get_json()
    assert (notice["read_count"], notice["unread_count"]) == (0, 2)


def test_concurrent_reads_of_one_member_are_all_204_and_count_once(live_server, client, ctx):
    town = make_town("金山镇", bound=1, unbound=0)
    notice_id = publish(client, secretary(town)).get_json()["id"]
    answers = []

    def read():
        answers.append(requests.post(f"{live_server}/api/v1/me/notices/{notice_id}/read",
                                     headers=town.tokens[0], timeout=10).status_code)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [204] * 6
    detail = requests.get(f"{live_server}/api/v1/notices/{notice_id}", headers=secretary(town), timeout=10).json()
    assert (detail["read_count"], detail["unread_count"]) == (1, 0)


def test_who_has_not_read_lists_masked_phones_and_says_who_is_not_on_wechat(client, ctx):
    town = make_town("金山镇", bound=2, unbound=1)
    notice = publish(client, secretary(town)).get_json()
    client.post(f"/api/v1/me/notices/{notice['id']}/read", headers=town.tokens[0])
    resp = client.get(f"/api/v1/notices/{notice['id']}/unread", headers=secretary(town))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["total"] == 2
    assert [(m["name"], m["bound"]) for m in body["items"]] == [("金山镇党员2", True), ("金山镇党员3", False)]
    phone = town.members[1].phone
    assert body["items"][0]["phone_masked"] != phone and body["items"][0]["phone_masked"].endswith(phone[-4:])
    assert phone not in resp.get_data(as_text=True)
    entry = db.session.query(AuditEntry).filter_by(action="notice.unread_read").one()
    assert entry.detail["member_ids"] == [town.members[1].id, town.members[2].id]


def test_a_notice_not_addressed_to_the_member_is_404_to_read(client, ctx):
    jinshan, xidou = make_town("金山镇"), make_town("西斗铺镇")
    notice = publish(client, secretary(jinshan)).get_json()
    assert_error_shape(client.post(f"/api/v1/me/notices/{notice['id']}/read", headers=xidou.tokens[0]), 404)
    assert_error_shape(client.post("/api/v1/me/notices/999999/read", headers=xidou.tokens[0]), 404)
    expired = publish(client, secretary(jinshan), expires_on="2020-01-01").get_json()
    assert_error_shape(client.post(f"/api/v1/me/notices/{expired['id']}/read", headers=jinshan.tokens[0]), 404)
    detail = client.get(f"/api/v1/notices/{notice['id']}", headers=county_admin()).get_json()
    assert detail["read_count"] == 0
