"""PostgreSQL faults for tests: the server dropping the pool's connections, and refusing new ones."""
import sqlalchemy as sa

from server.common import driversql
from server.extensions import db


def terminate_other_connections(app) -> int:
    """The server ends every other connection to the test database (the pool's idle ones included)."""
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        killer.dispose()


def lose_the_database(monkeypatch) -> None:
    """The request's connection lost and every new connection refused, as when the server goes down."""
    (driversql.held_connection() or db.session.connection().connection.driver_connection).close()

    def refuse(record=None):
        raise sa.exc.OperationalError("connect", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(db.engine.pool, "_invoke_creator", refuse)
