"""Meeting minutes endpoints under /api/v1/events/{id}/minutes: read, amend, lock, history, photos."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, request

from server.common.apidoc import SECURED
from server.common.pdf import PDF_MIMETYPE
from server.common.xlsx import XLSX_MIMETYPE
from server.core.guards import current_principal, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint
from server.minutes import documents, service
from server.minutes.schemas import (
    MinutesHistoryOut,
    MinutesIn,
    MinutesOut,
    MinutesPhotoFiles,
    MinutesPhotoOut,
    MinutesPhotoQuery,
    MinutesQuery,
    MinutesTextOut,
)

blp = Blueprint("minutes", __name__, url_prefix="/api/v1", description="会议记录：内容、决定、出勤、照片与锁定")

SECRETARY = "branch_secretary"
READERS = ("county_admin", "township_admin", "branch_secretary")
BINARY = {"type": "string", "format": "binary"}
# Multipart framing around one photo: a request may exceed MINUTES_PHOTO_MAX_BYTES by this much.
MULTIPART_OVERHEAD = 64 * 1024


@blp.before_request
def allow_photo_size() -> None:
    """A photo may be larger than the JSON requests' MAX_CONTENT_LENGTH (werkzeug answers 413 past it)."""
    if request.endpoint == "minutes.add_photo":
        request.max_content_length = current_app.config["MINUTES_PHOTO_MAX_BYTES"] + MULTIPART_OVERHEAD


def _errors(*codes):
    """Document the error responses an endpoint may give (all in the one error shape)."""
    def decorator(func):
        for code in codes:
            func = blp.alt_response(code, schema=ErrorOut, description="错误（code/message）")(func)
        return func
    return decorator


def _download(data: bytes, mimetype: str, event_id: int, ext: str) -> Response:
    filename = f"会议记录-{event_id}.{ext}"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=minutes-{event_id}.{ext}; filename*=UTF-8''{quote(filename)}"})


@blp.get("/events/<int:event_id>/minutes")
@blp.arguments(MinutesQuery, location="query")
@blp.response(200, MinutesOut)
@blp.alt_response(200, schema=BINARY, content_type=PDF_MIMETYPE, success=True,
                  description="format=pdf 或 xlsx 时为可打印的会议记录")
@_errors(403, 404, 503)
@blp.doc(**SECURED)
@staff_required(*READERS)
def get_minutes(query, event_id):
    """会议记录：主持人、记录人、议题、内容、决定、出席与缺席（含原因）、照片"""
    record = service.minutes_of(current_principal(), event_id)
    if query["format"] == "pdf":
        return _download(documents.minutes_pdf(record), PDF_MIMETYPE, event_id, "pdf")
    if query["format"] == "xlsx":
        return _download(documents.minutes_xlsx(record), XLSX_MIMETYPE, event_id, "xlsx")
    return record


@blp.put("/events/<int:event_id>/minutes")
@blp.arguments(MinutesIn)
@blp.response(200, MinutesTextOut)
@blp.alt_response(409, schema=ErrorOut, description="minutes_locked：已锁定；minutes_changed：已被他人修改，请刷新")
@_errors(403, 404, 422)
@blp.doc(**SECURED)
@staff_required(SECRETARY)
def put_minutes(body, event_id):
    """填写或修改会议记录（每次修改留痕，锁定后不能再改）"""
    return service.amend(current_principal(), event_id, body)


@blp.post("/events/<int:event_id>/minutes/lock")
@blp.response(200, MinutesTextOut)
@blp.alt_response(409, schema=ErrorOut, description="minutes_locked：已锁定")
@_errors(403, 404, 422)
@blp.doc(**SECURED)
@staff_required(SECRETARY)
def lock_minutes(event_id):
    """锁定会议记录（会议结束后；锁定后内容和照片都不能再改）"""
    return service.lock(current_principal(), event_id)


@blp.get("/events/<int:event_id>/minutes/history")
@blp.response(200, MinutesHistoryOut)
@_errors(403, 404)
@blp.doc(**SECURED)
@staff_required(*READERS)
def minutes_history(event_id):
    """会议记录的修改历史：谁、何时、改了什么（最新在前）"""
    return {"items": service.history(current_principal(), event_id)}


@blp.post("/events/<int:event_id>/minutes/photos")
@blp.arguments(MinutesPhotoFiles, location="files")
@blp.response(201, MinutesPhotoOut)
@blp.alt_response(409, schema=ErrorOut, description="minutes_locked：已锁定；too_many_photos：已满 9 张")
@blp.alt_response(413, schema=ErrorOut, description="photo_too_large：超过 5 MB；image_too_large：像素过多")
@_errors(403, 404, 422, 503)
@blp.doc(**SECURED)
@staff_required(SECRETARY)
def add_photo(files, event_id):
    """上传会议照片（JPEG 或 PNG，按内容识别，每张不超过 5 MB，最多 9 张；自动生成手机副本并去除 EXIF）"""
    upload = files["file"]
    return service.add_photo(current_principal(), event_id, upload.filename, upload.read())


@blp.get("/events/<int:event_id>/minutes/photos/<int:photo_id>")
@blp.arguments(MinutesPhotoQuery, location="query")
@blp.response(200, schema=BINARY, content_type="image/jpeg", description="照片（手机副本为 JPEG）")
@_errors(403, 404, 503)
@blp.doc(**SECURED)
@staff_required(*READERS)
def get_photo(query, event_id, photo_id):
    """会议照片（默认手机副本）"""
    data, mimetype = service.photo_file(current_principal(), event_id, photo_id, query["size"])
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "private, max-age=86400"})


@blp.delete("/events/<int:event_id>/minutes/photos/<int:photo_id>")
@blp.response(204)
@blp.alt_response(409, schema=ErrorOut, description="minutes_locked：已锁定")
@_errors(403, 404, 503)
@blp.doc(**SECURED)
@staff_required(SECRETARY)
def delete_photo(event_id, photo_id):
    """删除会议照片（锁定前）"""
    service.remove_photo(current_principal(), event_id, photo_id)
