"""A database connection the server dropped (restart, idle timeout) costs no request an error.

The pool does not ping on checkout; the session retries the first statement of a transaction once on a
fresh connection (server/dbsession.py).
"""
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.postgresql


def test_a_dropped_pooled_connection_is_replaced_on_the_next_request(app, client):
    assert client.get("/healthz").get_json()["checks"]["database"] == "ok"  # the pool now holds a connection
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            dropped = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        killer.dispose()
    assert dropped >= 1
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["checks"]["database"] == "ok"
