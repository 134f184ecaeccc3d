"""Counting PostgreSQL round trips of a request (the way issue 10 counts them).

Every message exchange with the server counts:
- each statement SQLAlchemy executes (`before_cursor_execute`);
- each BEGIN psycopg sends by itself before a statement outside a transaction when not in autocommit;
- each COMMIT or ROLLBACK that reaches the server (SQLAlchemy's commit/rollback event while the connection
  is inside a transaction; psycopg sends nothing when it is idle);
- each pool pre-ping (`dialect.do_ping`).
"""
import psycopg
from sqlalchemy import event as sa_event


class RoundTrips:
    def __init__(self, engine, monkeypatch):
        self.engine, self.sent = engine, []
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: self.sent.append("ping") or real_ping(conn))

    @staticmethod
    def _in_transaction(conn) -> bool:
        raw = conn.connection.dbapi_connection
        return raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def before_execute(self, conn, cursor, statement, parameters, context, executemany):
        raw = conn.connection.dbapi_connection
        if not raw.autocommit and not self._in_transaction(conn):
            self.sent.append("BEGIN")
        self.sent.append(statement)

    def commit(self, conn):
        if self._in_transaction(conn):
            self.sent.append("COMMIT")

    def rollback(self, conn):
        if self._in_transaction(conn):
            self.sent.append("ROLLBACK")

    def __enter__(self):
        sa_event.listen(self.engine, "before_cursor_execute", self.before_execute)
        sa_event.listen(self.engine, "commit", self.commit)
        sa_event.listen(self.engine, "rollback", self.rollback)
        return self

    def __exit__(self, *exc):
        sa_event.remove(self.engine, "before_cursor_execute", self.before_execute)
        sa_event.remove(self.engine, "commit", self.commit)
        sa_event.remove(self.engine, "rollback", self.rollback)
