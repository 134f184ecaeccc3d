"""Meeting minutes: read with the attendance, amend with history, lock, and the photos.

Decisions:
- Scope is the event's: `checkins.events.get_event` answers 404 for an event outside the caller's scope,
  so the minutes of another branch's event are 404 too. Only the branch secretary writes (views' guards).
- Attendance is not copied: the record shows what `checkins.attendance.attendance` says (check-ins, approved
  leave, and the expected attendees frozen at the start), so a late manual check-in shows up in the minutes.
- A save is a guarded `UPDATE … WHERE status = 'open' AND version = <read>`: a save racing the lock or
  another save is 409, never lost. Each save that changes something keeps an amendment row (who, when, each
  field's old and new value) and an audit row, in the same transaction.
- A photo is checked (size, then content, server/minutes/images.py) before any row or file exists, so a
  refused upload stores nothing; the files are written before the commit and removed again if it fails. A photo
  store that is down (server/minutes/storage.py) is 503 `photo_store_unavailable` with the transaction rolled
  back: never a row pointing at a file that was not stored.
"""
from __future__ import annotations

import logging
import secrets
import unicodedata

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from server.checkins.attendance import attendance
from server.checkins.events import get_event, refuse_cancelled
from server.common.timeutil import utcnow
from server.core import audit
from server.core.accounts import actor_name
from server.core.tokens import Principal
from server.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable
from server.extensions import db
from server.minutes.images import FORMATS, checked_photo
from server.minutes.models import MINUTES_FIELDS, Minutes, MinutesAmendment, MinutesPhoto
from server.minutes.storage import PhotoStoreUnavailable, photo_store

log = logging.getLogger(__name__)

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}


def _row(event_id: int, *, lock: bool = False) -> Minutes | None:
    stmt = select(Minutes).where(Minutes.event_id == event_id)
    return db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def _open_row(event) -> Minutes:
    """The event's minutes locked for this transaction, created (from the event's chair, recorder and topic)
    on first write; 409 once locked."""
    minutes = _row(event.id, lock=True)
    if minutes is None:
        minutes = Minutes(event_id=event.id, chair=event.chair, recorder=event.recorder, topic=event.topic,
                          status="open", version=0, updated_at=utcnow())
        db.session.add(minutes)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise Conflict("会议记录正被同时创建，请刷新后重试", code="minutes_busy") from None
    if minutes.status == "locked":
        raise Conflict("会议记录已锁定，不能再修改", code="minutes_locked")
    return minutes


def _absence_reason(row: dict) -> str:
    reason = row["leave_reason"] or ""
    if row["leave_status"] == "approved":
        return f"请假：{reason}"
    if row["leave_status"] == "denied":
        return f"请假未获批准：{reason}"
    if row["leave_status"] == "pending":
        return f"请假待审批：{reason}"
    return "未请假"


def _member_row(row: dict, kind: str) -> dict:
    member = row["member"]
    out = {"member_id": member.id, "name": member.name, "kind": kind}
    if kind == "present":
        out.update(checked_in_at=row["checked_in_at"], late=bool(row["late"]), manual=bool(row["manual"]),
                   note=("补签：" + (row["manual_reason"] or "")) if row["manual"] else ("迟到" if row["late"] else ""))
    else:
        out["reason"] = _absence_reason(row)
    return out


def _photos(minutes: Minutes | None) -> list[MinutesPhoto]:
    if minutes is None:
        return []
    return list(db.session.execute(select(MinutesPhoto).where(MinutesPhoto.minutes_id == minutes.id)
                                   .order_by(MinutesPhoto.id)).scalars())


def minutes_of(principal: Principal, event_id: int) -> dict:
    """The minutes of an event in scope with its attendance (a read of members, audited) and photos."""
    result = attendance(principal, event_id)
    event = result.event
    minutes = _row(event.id)
    text = {name: getattr(minutes, name) if minutes else getattr(event, name, None) for name in MINUTES_FIELDS}
    return {
        "event": event, **text,
        "status": minutes.status if minutes else "open", "version": minutes.version if minutes else 0,
        "updated_by": minutes.updated_by if minutes else None, "updated_at": minutes.updated_at if minutes else None,
        "locked_by": minutes.locked_by if minutes else None, "locked_at": minutes.locked_at if minutes else None,
        "expected_count": result.expected_count,
        "attendees": [_member_row(r, "present") for r in result.present],
        "absentees": [_member_row(r, "on_leave") for r in result.on_leave]
        + [_member_row(r, "absent") for r in result.absent],
        "photos": _photos(minutes),
    }


def amend(principal: Principal, event_id: int, changes: dict) -> Minutes:
    """Save the minutes of an event of the secretary's branch; a change is kept in the history."""
    event = get_event(principal, event_id)
    refuse_cancelled(event)
    minutes = _open_row(event)
    cleaned = {name: (value.strip() or None) if isinstance(value, str) else value for name, value in changes.items()}
    diff = {name: {"from": getattr(minutes, name), "to": value}
            for name, value in cleaned.items() if getattr(minutes, name) != value}
    if not diff:
        db.session.commit()
        return minutes
    actor, now, version = actor_name(principal), utcnow(), minutes.version + 1
    saved = db.session.execute(
        update(Minutes).where(Minutes.id == minutes.id, Minutes.status == "open", Minutes.version == minutes.version)
        .values(**{name: change["to"] for name, change in diff.items()}, version=version, updated_by=actor,
                updated_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not saved:
        db.session.rollback()
        raise Conflict("会议记录已被修改或锁定，请刷新后再改", code="minutes_changed")
    db.session.add(MinutesAmendment(minutes_id=minutes.id, version=version, changed_by=actor, changed_at=now,
                                    changes=diff))
    audit.record("minutes.amended", "event", event.id, {"version": version, "fields": sorted(diff)})
    db.session.commit()
    db.session.refresh(minutes)
    return minutes


def lock(principal: Principal, event_id: int) -> Minutes:
    """Lock the minutes of an event that is over: from then on nothing in them can change."""
    event = get_event(principal, event_id)
    now = utcnow()
    if event.ends_at > now:
        raise Unprocessable("会议结束后才能锁定会议记录", code="event_not_ended")
    minutes = _row(event.id)
    if minutes is None:
        raise Unprocessable("还没有填写会议记录，不能锁定", code="minutes_empty")
    actor = actor_name(principal)
    won = db.session.execute(
        update(Minutes).where(Minutes.id == minutes.id, Minutes.status == "open")
        .values(status="locked", locked_by=actor, locked_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        db.session.rollback()
        raise Conflict("会议记录已锁定", code="minutes_locked")
    audit.record("minutes.locked", "event", event.id, {"version": minutes.version})
    db.session.commit()
    db.session.refresh(minutes)
    return minutes


def history(principal: Principal, event_id: int) -> list[MinutesAmendment]:
    """Every save of the minutes, newest first."""
    minutes = _row(get_event(principal, event_id).id)
    if minutes is None:
        return []
    return list(db.session.execute(select(MinutesAmendment).where(MinutesAmendment.minutes_id == minutes.id)
                                   .order_by(MinutesAmendment.version.desc())).scalars())


def _file_name(name: str | None, fmt: str) -> str:
    """The name a secretary's phone gave the photo, for the record only (never a storage key)."""
    name = "".join(ch for ch in (name or "").replace("\\", "/").rsplit("/", 1)[-1]
                   if unicodedata.category(ch)[0] != "C").strip()[:100]
    return name or f"照片.{_EXTENSIONS[fmt]}"


def add_photo(principal: Principal, event_id: int, file_name: str | None, data: bytes) -> MinutesPhoto:
    """Add a photo to the minutes: checked by size and content first, so a refusal stores nothing."""
    config = current_app.config
    event = get_event(principal, event_id)
    refuse_cancelled(event)
    if len(data) > config["MINUTES_PHOTO_MAX_BYTES"]:
        message = f"每张照片不能超过 {config['MINUTES_PHOTO_MAX_BYTES'] // (1024 * 1024)} MB"
        raise PayloadTooLarge(message, code="photo_too_large", errors={"file": [message]})
    photo = checked_photo(data, max_pixels=config["MINUTES_PHOTO_MAX_PIXELS"],
                          long_side=config["MINUTES_PHONE_LONG_SIDE"])
    minutes = _open_row(event)
    count = db.session.scalar(select(func.count()).where(MinutesPhoto.minutes_id == minutes.id))
    if count >= config["MINUTES_PHOTO_MAX_COUNT"]:
        db.session.rollback()
        raise Conflict(f"每次会议最多 {config['MINUTES_PHOTO_MAX_COUNT']} 张照片", code="too_many_photos")
    stem = f"minutes/{minutes.id}/{secrets.token_hex(16)}"
    original_key, phone_key = f"{stem}.{_EXTENSIONS[photo.format]}", f"{stem}-phone.jpg"
    store = photo_store()
    try:
        store.put(original_key, photo.original)
        store.put(phone_key, photo.phone)
        row = MinutesPhoto(
            minutes_id=minutes.id, file_name=_file_name(file_name, photo.format), format=photo.format,
            width=photo.width, height=photo.height, size_bytes=len(photo.original), original_key=original_key,
            phone_key=phone_key, phone_width=photo.phone_width, phone_height=photo.phone_height,
            uploaded_by=actor_name(principal), uploaded_at=utcnow())
        db.session.add(row)
        db.session.flush()
        audit.record("minutes.photo_added", "event", event.id, {"photo_id": row.id, "file_name": row.file_name})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _forget(store, original_key, phone_key)
        raise
    return row


def _forget(store, *keys: str) -> None:
    """Remove files of a photo that never got its row; a store that is down leaves unreachable orphans (logged)."""
    for key in keys:
        try:
            store.delete(key)
        except PhotoStoreUnavailable:
            log.warning("photo file %s left behind without a row (store unavailable)", key)


def _photo(minutes: Minutes | None, photo_id: int) -> MinutesPhoto:
    photo = db.session.get(MinutesPhoto, photo_id) if minutes else None
    if photo is None or photo.minutes_id != minutes.id:
        raise NotFound("找不到该照片")
    return photo


def remove_photo(principal: Principal, event_id: int, photo_id: int) -> None:
    """Remove a photo from open minutes: its files first (under the row lock), then the row.

    A store that is down is 503 and nothing changes. Should the commit fail after the files went, the row is
    left without files: reading it is 404 "照片文件已不存在" and deleting it again removes the row."""
    event = get_event(principal, event_id)
    minutes = _row(event.id, lock=True)
    photo = _photo(minutes, photo_id)
    if minutes.status == "locked":
        raise Conflict("会议记录已锁定，不能再修改", code="minutes_locked")
    store = photo_store()
    for key in (photo.phone_key, photo.original_key):
        store.delete(key)  # a store that is down: 503, the row stays and the photo with it
    db.session.delete(photo)
    audit.record("minutes.photo_removed", "event", event.id, {"photo_id": photo_id, "file_name": photo.file_name})
    db.session.commit()


def photo_file(principal: Principal, event_id: int, photo_id: int, size: str) -> tuple[bytes, str]:
    """A photo's bytes and type: the phone copy (JPEG) or the original."""
    photo = _photo(_row(get_event(principal, event_id).id), photo_id)
    key, mimetype = (photo.phone_key, "image/jpeg") if size == "phone" else (photo.original_key, FORMATS[photo.format])
    data = photo_store().get(key)
    if data is None:
        raise NotFound("照片文件已不存在")
    return data, mimetype
