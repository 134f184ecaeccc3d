"""A Core statement compiled once and run on the request's psycopg connection directly (the hottest endpoints).

SQLAlchemy's execution path (session, connection, compiled-cache look-up, result set-up, which also reads
every column's description from psycopg) cost more CPU than the statements of a check-in themselves. A
`DriverStatement` keeps what SQLAlchemy gives that matters here: the statement is written in Core, compiled
by SQLAlchemy's own PostgreSQL dialect (bind casts included), and every bind and result value goes through
its column type's processors, so a UTCDateTime or JSON column behaves exactly as through the ORM. Only the
execution is direct: the compiled SQL and the processed parameters go to `cursor.execute`, rows come back
as named tuples (attribute access as on SQLAlchemy's rows).

The connection is the session's own, in autocommit, so the request still holds one pooled connection,
released at teardown as always. Two ways to run:
- `first(**values)`: the statement is its own transaction (a check-in's one write statement);
- `rows(**values)` inside `with transaction():`: `BEGIN`, the block's statements, `COMMIT` (a payment
  notice's move, read and writes); outside such a block, or on SQLite (no separate autocommit connection,
  no data-modifying CTEs), `rows` runs through the session in its transaction, so the same service code serves
  a caller that holds an ORM transaction of its own.
A connection the server dropped fails on its first statement; it is invalidated and that first statement
(or `BEGIN`) is sent once more on a fresh one, as `server.dbsession.AppSession` does for the ORM. A failure
later in a transaction is raised (and rolled back): nothing of it was committed.
"""
from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ClauseElement

from server.dbsession import AppSession
from server.extensions import db

_HELD = "driver_connection"
_OPEN = "driver_transaction"


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
        self._row_type = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None
        self._sql = compiled.string

    def _params(self, dialect, values: dict) -> dict:
        if self._sql is None:
            self._compile(dialect)
        params = {**self._fixed, **values}
        missing = [name for name in self._names if name not in params]
        if missing:
            raise KeyError(f"no value for bind parameter(s) {', '.join(missing)}")
        for name, process in self._bind.items():
            if process is not None:
                params[name] = process(params[name])
        return params

    def _rows(self, cursor, dialect, many: bool) -> list:
        if cursor.description is None or self._row_type is None:
            return []  # nothing asked for (an INSERT may still return its key: SQLAlchemy's implicit RETURNING)
        if self._result is None:
            self._result = tuple(c.type.dialect_impl(dialect).result_processor(dialect, d.type_code)
                                 for c, d in zip(self._columns, cursor.description))
        fetched = cursor.fetchall() if many else [row for row in (cursor.fetchone(),) if row is not None]
        return [self._row_type._make(value if process is None else process(value)
                                     for process, value in zip(self._result, row)) for row in fetched]

    def _send(self, raw, dialect, params: dict, many: bool) -> list:
        with raw.cursor() as cursor:
            cursor.execute(self._sql, params)
            return self._rows(cursor, dialect, many)

    def first(self, **values):
        """Run with these bind values as a transaction of its own; the first row (a named tuple) or None. On
        PostgreSQL in autocommit on the session's connection, driver-direct; elsewhere through the session, in
        its transaction. A driver error is raised as SQLAlchemy's (so an unreachable database is the usual 503)."""
        engine = db.session.get_bind()
        if engine.dialect.name != "postgresql":
            return db.session.execute(self.statement, values).first()
        params = self._params(engine.dialect, values)
        found = _with_retry(lambda raw: self._send(raw, engine.dialect, params, False), self._sql, params)
        return found[0] if found else None

    def rows(self, **values) -> list:
        """Every row, inside the open `transaction()` driver-direct, otherwise through the session."""
        session = db.session()
        raw = session.info.get(_OPEN)
        if raw is None:
            result = db.session.execute(self.statement, values)
            return result.all() if result.returns_rows else []
        dialect = session.get_bind().dialect
        params = self._params(dialect, values)
        try:
            return self._send(raw, dialect, params, True)
        except dialect.loaded_dbapi.Error as err:
            raise _translated(err, self._sql, params) from err


def _translated(err, sql: str, params) -> DBAPIError:
    """A driver error as SQLAlchemy's; a connection the server dropped is invalidated (never pooled again)."""
    session = db.session()
    connection, raw = session.info[_HELD]
    dropped = bool(raw.broken or raw.closed)
    if dropped:
        connection.invalidate()
    return DBAPIError.instance(sql, params, err, session.get_bind().dialect.loaded_dbapi.Error,
                               connection_invalidated=dropped)


def _with_retry(send, sql: str, params):
    """`send(raw)` on the session's autocommit connection, once more on a fresh one if the first was dropped."""
    dbapi = db.session.get_bind().dialect.loaded_dbapi
    for attempt in (1, 2):
        raw = _autocommit_connection()[1]
        try:
            return send(raw)
        except dbapi.Error as err:
            error = _translated(err, sql, params)
            if attempt == 1 and error.connection_invalidated:
                db.session.rollback()
                continue
            raise error from err
    return None  # not reached: the second attempt returns or raises


_BEGIN, _COMMIT = DriverStatement(text("BEGIN")), DriverStatement(text("COMMIT"))


@contextmanager
def transaction():
    """The block's `DriverStatement.rows` calls as one PostgreSQL transaction on the session's autocommit
    connection: BEGIN first, COMMIT when the block ends, ROLLBACK when it raises. Where that cannot be (SQLite,
    or the session already in an ORM transaction of its own) the block runs in the session's transaction, and
    that is committed (or rolled back) the same way."""
    session = db.session()
    if session.get_bind().dialect.name != "postgresql" or (session.in_transaction() and _HELD not in session.info):
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return
    _BEGIN.first()
    raw = session.info[_HELD][1]
    session.info[_OPEN] = raw
    try:
        yield
        _COMMIT.rows()
    except BaseException:
        if not (raw.broken or raw.closed):
            try:
                raw.rollback()  # in autocommit too psycopg sends ROLLBACK while the server is in a transaction
            except session.get_bind().dialect.loaded_dbapi.Error:
                session.info[_HELD][0].invalidate()
        raise
    finally:
        session.info.pop(_OPEN, None)


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
        session.info.pop(_OPEN, None)
