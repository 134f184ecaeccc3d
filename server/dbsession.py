"""The ORM session of the app: no refresh after commit, and one retry of a statement on a dropped connection.

The pool does not ping a connection on every checkout (a round trip per request); connections are
recycled after SQLALCHEMY_ENGINE_OPTIONS' pool_recycle instead. A connection the server dropped anyway
(restart, idle timeout) fails on its first statement: SQLAlchemy then invalidates it (and the pool's older
connections), and the session runs that first statement once more on a fresh connection. Only the first
statement of a transaction is retried: nothing of the unit of work has reached the server yet, so
repeating it is safe.
"""
from __future__ import annotations

from flask_sqlalchemy.session import Session
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

_SENT = "statements_sent"


class AppSession(Session):
    """flask-sqlalchemy's session plus the one retry described above."""

    def execute(self, statement, *args, **kwargs):
        first = not self.info.get(_SENT)
        try:
            result = super().execute(statement, *args, **kwargs)
        except DBAPIError as err:
            if not (first and err.connection_invalidated):
                raise
            self.rollback()
            result = super().execute(statement, *args, **kwargs)
        self.info[_SENT] = True
        return result


@event.listens_for(AppSession, "after_flush")
def _flushed(session, flush_context) -> None:
    session.info[_SENT] = True


@event.listens_for(AppSession, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SENT, None)
