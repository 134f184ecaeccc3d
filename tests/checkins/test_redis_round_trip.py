"""The hot paths look the token up and bump the member's rate-limit counter in one Redis round trip."""
import pytest

from server.store import get_redis
from tests.checkins.conftest import code_for

from .test_checkins import checkin


class Commands:
    """Counts the Redis round trips (single commands and pipelines) the app's client sends."""

    def __init__(self, client, monkeypatch):
        self.sent = []
        real_command = client.execute_command
        monkeypatch.setattr(client, "execute_command",
                            lambda *args, **kw: self.sent.append(args[0]) or real_command(*args, **kw))


@pytest.fixture
def redis_commands(app, monkeypatch):
    with app.app_context():
        return Commands(get_redis(), monkeypatch)


def test_a_checkin_is_one_redis_round_trip_and_still_rate_limited(app, client, secretary, member, member_auth,
                                                                  event, redis_commands):
    event_id, token = event.id, code_for(client, secretary, event.id)
    redis_commands.sent.clear()
    assert checkin(client, member_auth, event_id, token).status_code == 201
    assert redis_commands.sent == ["EVAL"], redis_commands.sent
    app.config["CHECKIN_RATE_MAX"] = 2
    assert checkin(client, member_auth, event_id, token).status_code == 200
    resp = checkin(client, member_auth, event_id, token)
    assert resp.status_code == 429 and resp.get_json()["code"] == "rate_limited"
    assert get_redis().ttl(f"rl:checkin:{member.id}") > 0
