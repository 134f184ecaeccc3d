"""A Core statement compiled once and run on the request's psycopg connection directly (the hottest endpoints).

SQLAlchemy's execution path (session, connection, compiled-cache look-up, result set-up, which also reads
every column's description from psycopg) cost more CPU than the statements of a check-in themselves. A
`DriverStatement` keeps what SQLAlchemy gives that matters here: the statement is written in Core, compiled
by SQLAlchemy's own PostgreSQL dialect (bind casts included), and every bind and result value goes through
its column type's processors, so a UTCDateTime or JSON column behaves exactly as through the ORM. Only the
execution is direct: the compiled SQL and the processed parameters go to `cursor.execute`, rows come back
as named tuples (attribute access as on SQLAlchemy's rows).

The connection is the session's own, in autocommit (each statement is its own transaction, as the check-in's
design wants), so the request still holds one pooled connection, released at teardown as always. A
connection the server dropped fails on its first statement; it is invalidated and the statement is sent
once more on a fresh one, as `server.dbsession.AppSession` does for the ORM. On SQLite (no separate
autocommit connection, no data-modifying CTEs) `first` runs the statement through the session instead.
"""
from __future__ import annotations

from collections import namedtuple

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ClauseElement

from server.dbsession import AppSession
from server.extensions import db

_HELD = "driver_connection"


class DriverStatement:
    """`statement` (a Core select/insert/update, with named bindparams for what varies) compiled on first use."""

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._sql: str | None = None

    def _compile(self, dialect) -> None:
        compiled = self.statement.compile(dialect=dialect)
        self._names = tuple(compiled.bind_names.values())
        self._bind = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                      for bind, name in compiled.bind_names.items()}
        # Values fixed in the statement itself (literals, constants): taken once; named ones come per call.
        self._fixed = {name: bind.effective_value for bind, name in compiled.bind_names.items()
                       if bind.value is not None or not bind.required}
        columns = getattr(self.statement, "selected_columns", None) or getattr(self.statement, "_returning", ())
        self._columns = columns
        self._result = None  # the result processors, taken at the first execution (they need the column types)
        self._row_type = namedtuple("Row", [c.key for c in columns], rename=True)
        self._sql = compiled.string

    def _params(self, values: dict) -> dict:
        params = {**self._fixed, **values}
        missing = [name for name in self._names if name not in params]
        if missing:
            raise KeyError(f"no value for bind parameter(s) {', '.join(missing)}")
        for name, process in self._bind.items():
            if process is not None:
                params[name] = process(params[name])
        return params

    def _row(self, cursor, dialect):
        if self._result is None:
            self._result = tuple(c.type.dialect_impl(dialect).result_processor(dialect, d.type_code)
                                 for c, d in zip(self._columns, cursor.description))
        row = cursor.fetchone()
        if row is None:
            return None
        return self._row_type._make(value if process is None else process(value)
                                    for process, value in zip(self._result, row))

    def first(self, **values):
        """Run with these bind values; the first row (a named tuple) or None. On PostgreSQL in autocommit on the
        session's connection, driver-direct; elsewhere through the session, in its transaction. A driver error
        is raised as SQLAlchemy's (so an unreachable database is the usual 503)."""
        engine = db.session.get_bind()
        if engine.dialect.name != "postgresql":
            return db.session.execute(self.statement, values).first()
        if self._sql is None:
            self._compile(engine.dialect)
        params = self._params(values)
        dbapi = engine.dialect.loaded_dbapi
        for attempt in (1, 2):
            connection, raw = _autocommit_connection()
            try:
                with raw.cursor() as cursor:
                    cursor.execute(self._sql, params)
                    return self._row(cursor, engine.dialect)
            except dbapi.Error as err:
                dropped = bool(raw.broken or raw.closed)
                if dropped:
                    connection.invalidate()
                    db.session.rollback()
                    if attempt == 1:
                        continue
                raise DBAPIError.instance(self._sql, params, err, dbapi.Error,
                                          connection_invalidated=dropped) from err
        return None  # not reached: the second attempt returns or raises


def _autocommit_connection():
    """The session's connection in autocommit (taken so when the session has none yet), and its driver
    connection; kept in the session's info until its transaction ends (a request's second statement)."""
    session = db.session()
    held = session.info.get(_HELD)
    if held is not None and not held[0].invalidated:
        return held
    if session.in_transaction():
        connection = session.connection()
    else:
        connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    raw = connection.connection.driver_connection
    if not raw.autocommit:
        # A write sent here would wait for a commit no caller makes: a programming error, not a request's.
        raise RuntimeError("a DriverStatement runs in autocommit, but the session already holds a transaction")
    session.info[_HELD] = connection, raw
    return connection, raw


@event.listens_for(AppSession, "after_transaction_end")
def _released(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)
