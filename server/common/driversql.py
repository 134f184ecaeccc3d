"""A Core statement compiled once and run on the request's psycopg connection directly (the hottest endpoints).

SQLAlchemy's execution path (session, connection, compiled-cache look-up, result set-up, which also reads
every column's description from psycopg) cost more CPU than the statements of a check-in themselves. A
`DriverStatement` keeps what SQLAlchemy gives that matters here: the statement is written in Core, compiled
by SQLAlchemy's own PostgreSQL dialect (bind casts included), and every bind and result value goes through
its column type's processors, so a UTCDateTime or JSON column behaves exactly as through the ORM. Only the
execution is direct: the compiled SQL and the processed parameters go to `cursor.execute`, rows come back
as named tuples (attribute access as on SQLAlchemy's rows).

The connection is a pooled one of the app's engine (the ORM's pool), taken without the session
(`engine.raw_connection()`) and put in autocommit for as long as the app context holds it. When the context
ends (`init_app`) a process's main thread keeps it, still in autocommit, for its next context (a gunicorn sync
worker serves every request there): taking it from the pool and giving it back, with autocommit set and reset,
was a fourteenth of a check-in's CPU. It is kept only while idle and sound, for at most the engine's
`pool_recycle`, and closed when its engine is disposed; a forked child never touches its parent's. Any other
thread gives it back to the pool, out of autocommit. Going through the session cost a fifth of a
check-in's CPU: a session transaction begun and closed, the isolation level set and reset, for statements
that never needed the session. A request whose ORM session holds a transaction of its own never sends a
DriverStatement write beside it (it would run outside that transaction, and could wait on that transaction's
own locks): `first` then refuses, as a programming error. Two ways to run:
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

import os
import threading
import time
import weakref
from collections import namedtuple
from contextlib import contextmanager

from flask import g
from psycopg.pq import TransactionStatus
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ClauseElement

from server.extensions import db, is_postgresql

_HELD = "_driver_connection"  # on flask.g: the app context's pooled connection, in autocommit
_OPEN = "_driver_transaction"  # on flask.g: set while a `transaction()` block runs on it


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
        # The result's own field count, not cursor.description (which builds a Column object per field).
        if self._row_type is None or cursor.pgresult is None or not cursor.pgresult.nfields:
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
        PostgreSQL in autocommit on the app context's driver connection; elsewhere through the session, in its
        transaction. A driver error is raised as SQLAlchemy's (so an unreachable database is the usual 503)."""
        engine = db.engine
        if engine.dialect.name != "postgresql":
            return db.session.execute(self.statement, values).first()
        params = self._params(engine.dialect, values)
        found = _with_retry(lambda raw: self._send(raw, engine.dialect, params, False), self._sql, params)
        return found[0] if found else None

    def rows(self, **values) -> list:
        """Every row, inside the open `transaction()` driver-direct, otherwise through the session."""
        raw = g.get(_OPEN)
        if raw is None:
            result = db.session.execute(self.statement, values)
            return result.all() if result.returns_rows else []
        dialect = db.engine.dialect
        params = self._params(dialect, values)
        try:
            return self._send(raw, dialect, params, True)
        except dialect.loaded_dbapi.Error as err:
            raise _translated(err, self._sql, params) from err


def _translated(err, sql: str, params) -> DBAPIError:
    """A driver error as SQLAlchemy's; a connection the server dropped is invalidated (never pooled again)."""
    held = g.get(_HELD)
    dropped = held is not None and bool(held.driver_connection.broken or held.driver_connection.closed)
    if dropped:
        g.pop(_HELD).invalidate(err)
    return DBAPIError.instance(sql, params, err, db.engine.dialect.loaded_dbapi.Error,
                               connection_invalidated=dropped)


def _with_retry(send, sql: str, params):
    """`send(raw)` on the driver connection, once more on a fresh one if the first was dropped."""
    dbapi = db.engine.dialect.loaded_dbapi
    for attempt in (1, 2):
        raw = _autocommit_connection()
        try:
            return send(raw)
        except dbapi.Error as err:
            error = _translated(err, sql, params)
            if attempt == 1 and error.connection_invalidated:
                continue
            raise error from err
    return None  # not reached: the second attempt returns or raises


_BEGIN, _COMMIT = DriverStatement(text("BEGIN")), DriverStatement(text("COMMIT"))


@contextmanager
def transaction():
    """The block's `DriverStatement.rows` calls as one PostgreSQL transaction on the driver connection: BEGIN
    first, COMMIT when the block ends, ROLLBACK when it raises. Where that cannot be (SQLite, or the session
    already in an ORM transaction of its own) the block runs in the session's transaction, and that is
    committed (or rolled back) the same way."""
    if not is_postgresql() or _session_in_transaction():
        session = db.session()
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return
    _BEGIN.first()
    raw = g.get(_HELD).driver_connection
    setattr(g, _OPEN, raw)
    try:
        yield
        _COMMIT.rows()
    except BaseException:
        if not (raw.broken or raw.closed):
            try:
                raw.rollback()  # in autocommit too psycopg sends ROLLBACK while the server is in a transaction
            except db.engine.dialect.loaded_dbapi.Error:
                g.pop(_HELD).invalidate()
        raise
    finally:
        g.pop(_OPEN, None)


def _session_in_transaction() -> bool:
    """Whether the request's ORM session holds a transaction, asked without building a session for a request
    that has none (building and closing one was a twentieth of a check-in's CPU)."""
    return db.session.registry.has() and db.session().in_transaction()


def _autocommit_connection():
    """The app context's driver connection (a pooled psycopg connection in autocommit), taken on first use."""
    held = g.get(_HELD)
    if held is not None and held.is_valid:
        return held.driver_connection
    if _session_in_transaction():
        # A write sent here would run beside the session's open transaction: a programming error, not a request's.
        raise RuntimeError("a DriverStatement runs in autocommit, but the session already holds a transaction")
    held = _take_kept(db.engine)
    if held is None:
        held = db.engine.raw_connection()
        try:
            held.driver_connection.autocommit = True
        except BaseException:
            held.invalidate()
            raise
    setattr(g, _HELD, held)
    return held.driver_connection


def held_connection():
    """The app context's driver connection (psycopg), or None when it has taken none (for fault tests)."""
    held = g.get(_HELD)
    return held.driver_connection if held is not None and held.is_valid else None


def _release(_exc=None) -> None:
    """Kept by the main thread for its next app context, otherwise back to the pool out of autocommit."""
    held = g.pop(_HELD, None)
    if held is None or not held.is_valid:
        return
    raw = held.driver_connection
    if raw.broken or raw.closed or raw.info.transaction_status != TransactionStatus.IDLE:
        held.invalidate()
    elif threading.current_thread() is threading.main_thread():
        _keep(held, db.engine)
    else:
        _give_back(held)


def _give_back(held) -> None:
    """An idle driver connection back to its pool, out of autocommit (invalidated if that fails)."""
    try:
        held.driver_connection.autocommit = False
    except db.engine.dialect.loaded_dbapi.Error:  # a connection that cannot even be reset is never pooled again
        held.invalidate()
        return
    held.close()


class _Kept:
    """The main thread's driver connection between its app contexts, with its engine and its deadline."""

    held = None
    engine = None
    until = 0.0


_KEPT = _Kept()
_ORPHANED: list = []  # connections a forked child inherited: referenced for ever, so never closed from the child
_DISPOSE_WATCHED: weakref.WeakSet = weakref.WeakSet()  # engines whose disposal closes the kept connection


def _keep(held, engine) -> None:
    previous = _KEPT.held
    if previous is not None and previous is not held:
        _give_back(previous)
    if engine not in _DISPOSE_WATCHED:
        event.listen(engine, "engine_disposed", _forget_kept)
        _DISPOSE_WATCHED.add(engine)
    recycle = engine.pool._recycle
    _KEPT.held, _KEPT.engine = held, engine
    _KEPT.until = time.monotonic() + (recycle if recycle > 0 else 3600)


def _take_kept(engine):
    """The kept connection when it belongs to `engine` and is still in time, taken out (None otherwise); the
    kept connection of another engine, or past its time, goes back to its pool. Main thread only."""
    held = _KEPT.held
    if held is None or threading.current_thread() is not threading.main_thread():
        return None
    _KEPT.held = _KEPT.engine = None
    if not held.is_valid:
        return None
    if _KEPT.until > time.monotonic() and engine.pool is held._pool:
        return held
    _give_back(held)  # its pool recycles it when older than pool_recycle
    return None


def _forget_kept(engine) -> None:
    """The engine is disposed: its kept connection is closed now (a test may drop the database next)."""
    if _KEPT.engine is engine and _KEPT.held is not None:
        held, _KEPT.held, _KEPT.engine = _KEPT.held, None, None
        held.invalidate()


def _orphan_kept_in_child() -> None:
    """A forked child never uses nor closes its parent's connection (closing would end the parent's session)."""
    if _KEPT.held is not None:
        _ORPHANED.append(_KEPT.held)
    _KEPT.held = _KEPT.engine = None


os.register_at_fork(after_in_child=_orphan_kept_in_child)


def init_app(app) -> None:
    """Driver connections go back to the pool when their app context ends."""
    app.teardown_appcontext(_release)
