"""A meeting's minutes (会议记录), every amendment to them, and their photos.

The minutes row holds the current text; each save that changes it adds an amendment row with what changed
(old and new value per field), so the history can be read back in full. Photos are rows naming two stored
files (the original without metadata and the phone copy); the bytes live in the photo store (storage.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db

MINUTES_STATUSES = ("open", "locked")
# The fields a secretary writes; the history names them.
MINUTES_FIELDS = ("chair", "recorder", "topic", "content", "decisions")


class Minutes(db.Model):
    """The minutes of one event: open to amendment until the branch locks them."""

    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    chair: Mapped[str | None] = mapped_column(String(64))
    recorder: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(500))
    content: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Counts saves; a save is a guarded UPDATE … WHERE version = the one read, so two saves never interleave.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MinutesAmendment(db.Model):
    """One save of the minutes: who, when, and each changed field's old and new value."""

    __tablename__ = "meeting_minutes_amendments"
    __table_args__ = (UniqueConstraint("minutes_id", "version", name="uq_meeting_minutes_amendments_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id"))
    version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON)


class MinutesPhoto(db.Model):
    """A photo of the meeting, checked by content: JPEG or PNG, stored without metadata, with a phone copy."""

    __tablename__ = "meeting_minutes_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    original_key: Mapped[str] = mapped_column(String(128))
    phone_key: Mapped[str] = mapped_column(String(128))
    phone_width: Mapped[int] = mapped_column(Integer)
    phone_height: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
