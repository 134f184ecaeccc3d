"""The townships' sync keys and the push dead letters (the outbox itself is in the kernel)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.crypto import Encrypted
from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db


class SyncKey(db.Model):
    """A township's (or the county's) credentials for pulling changes and receiving pushes."""

    __tablename__ = "sync_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    # The HMAC secret is needed in clear to verify signatures, so it is encrypted, not hashed.
    secret: Mapped[str] = mapped_column(Encrypted)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    # Set for a county key (township_id is then None): it sees every township of that county.
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    label: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_url: Mapped[str | None] = mapped_column(String(512))
    # Push state: the last seq the receiver acknowledged with a 2xx, and the current failure run.
    delivered_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    push_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    push_parked: Mapped[bool] = mapped_column(default=False)

    @property
    def scope(self) -> str:
        return "township" if self.township_id is not None else "county"


class DeadLetter(db.Model):
    """A push batch that failed too often; its key is parked until a county admin replays it."""

    __tablename__ = "sync_dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    sync_key_id: Mapped[int] = mapped_column(ForeignKey("sync_keys.id"), index=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    changes: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replayed_by: Mapped[str | None] = mapped_column(String(64))

    sync_key: Mapped[SyncKey] = relationship()
