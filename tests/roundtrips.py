"""Counting PostgreSQL round trips of a request (the way issue 10 counts them), at the driver.

Counted on psycopg itself, so statements SQLAlchemy runs and those sent on the driver connection directly
(server/common/driversql.py) are counted alike. Every message exchange with the server counts:
- each statement a cursor executes (a pool pre-ping too: it is a statement);
- each BEGIN psycopg sends by itself before a statement outside a transaction when not in autocommit;
- each COMMIT or ROLLBACK that reaches the server (psycopg's commit/rollback while the server is inside a
  transaction; psycopg sends nothing when it is idle).
"""
import psycopg
from psycopg.pq import TransactionStatus


def _text(query) -> str:
    if isinstance(query, bytes):
        return query.decode()
    return query if isinstance(query, str) else repr(query)


class RoundTrips:
    def __init__(self, engine, monkeypatch):
        self.sent, self._active = [], False
        real = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany")}
        real_commit, real_rollback = psycopg.Connection.commit, psycopg.Connection.rollback

        def counted(name):
            def run(cursor, query, *args, **kwargs):
                if self._active:
                    conn = cursor.connection
                    if not conn.autocommit and conn.info.transaction_status == TransactionStatus.IDLE:
                        self.sent.append("BEGIN")
                    self.sent.append(_text(query))
                return real[name](cursor, query, *args, **kwargs)
            return run

        def ending(word, real_call):
            def run(conn):
                if self._active and conn.info.transaction_status != TransactionStatus.IDLE:
                    self.sent.append(word)
                return real_call(conn)
            return run

        for name in real:
            monkeypatch.setattr(psycopg.Cursor, name, counted(name))
        monkeypatch.setattr(psycopg.Connection, "commit", ending("COMMIT", real_commit))
        monkeypatch.setattr(psycopg.Connection, "rollback", ending("ROLLBACK", real_rollback))

    def __enter__(self):
        self._active = True
        return self

    def __exit__(self, *exc):
        self._active = False
