"""A small county for the notice tests: two townships, each with a mobile branch and a few members."""
from __future__ import annotations

from dataclasses import dataclass, field

from tests.factories import bearer, make_branch, make_member, make_township, member_token, staff_token


@dataclass
class Town:
    township: object
    branch: object
    members: list = field(default_factory=list)
    tokens: list = field(default_factory=list)


def make_town(name: str, bound: int = 2, unbound: int = 1) -> Town:
    """A township with a mobile branch: `bound` members on WeChat, `unbound` members who never logged in."""
    township = make_township(name)
    town = Town(township, make_branch(township))
    for i in range(bound + unbound):
        member = make_member(town.branch, name=f"{name}党员{i + 1}")
        town.members.append(member)
        town.tokens.append(bearer(member_token(member)) if i < bound else None)
    return town


def publish(client, headers, **body):
    body.setdefault("title", "关于召开主题党日的通知")
    body.setdefault("body", "本月 5 日晚 7 点半在党群服务中心召开。")
    return client.post("/api/v1/notices", json=body, headers=headers)


def titles(client, headers) -> list[str]:
    resp = client.get("/api/v1/me/notices", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return [n["title"] for n in resp.get_json()["items"]]


def county_admin():
    return bearer(staff_token("county_admin"))


def township_admin(town: Town):
    return bearer(staff_token("township_admin", town.township.id))


def secretary(town: Town):
    return bearer(staff_token("branch_secretary", town.branch.id))
