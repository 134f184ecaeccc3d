"""The printable meeting record (会议记录): PDF and xlsx name attendees and absentees with their reasons."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from tests.factories import make_image
from tests.minutes.conftest import minutes_url
from tests.pdfs import pdf_text


def _filled(client, secretary, meeting):
    client.put(minutes_url(meeting), headers=secretary, json={"content": "传达学习全会文件", "decisions": "十二月开展志愿服务"})
    client.post(minutes_url(meeting, "/photos"), headers=secretary, content_type="multipart/form-data",
                data={"file": (BytesIO(make_image("JPEG", (64, 48))), "会场合影.jpg")})


def test_pdf_names_attendees_and_absentees_with_reasons(client, secretary, meeting, stored):
    _filled(client, secretary, meeting)
    resp = client.get(minutes_url(meeting, "?format=pdf"), headers=secretary)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    # The photo itself is in the record, read from whichever store keeps it.
    (image,) = [image for page in PdfReader(BytesIO(resp.data)).pages for image in page.images]
    with Image.open(BytesIO(image.data)) as picture:
        assert picture.size == (64, 48)
    text = pdf_text(resp.data).replace(" ", "").replace("\n", "")  # table cells wrap
    for expected in ("主题党日会议记录", "王书记", "李委员", "传达学习全会文件", "十二月开展志愿服务", "会场合影.jpg",
                     "张建国", "出席", "李春梅", "请假：在深圳加班，无法请假", "王大山", "未请假",
                     "赵小红", "请假未获批准：想休息", "照片1：会场合影.jpg"):
        assert expected in text, expected


def test_xlsx_names_attendees_and_absentees_with_reasons(client, secretary, meeting):
    _filled(client, secretary, meeting)
    resp = client.get(minutes_url(meeting, "?format=xlsx"), headers=secretary)
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(BytesIO(resp.data)).active
    rows = [tuple(c for c in row if c is not None) for row in ws.iter_rows(values_only=True)]
    assert ("张建国", "出席") == rows[[r[:1] for r in rows].index(("张建国",))][:2]
    assert ("李春梅", "请假", "请假：在深圳加班，无法请假") in rows
    assert ("王大山", "缺席", "未请假") in rows
    assert ("赵小红", "缺席", "请假未获批准：想休息") in rows
    assert ("会议决定", "十二月开展志愿服务") in rows
    assert (1, "会场合影.jpg", "64×48") in rows


def test_text_that_looks_like_a_formula_stays_text(client, secretary, meeting):
    client.put(minutes_url(meeting), headers=secretary, json={"decisions": '=HYPERLINK("http://x","y")'})
    ws = load_workbook(BytesIO(client.get(minutes_url(meeting, "?format=xlsx"), headers=secretary).data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("http://x","y")']
    assert cells and all(c.data_type == "s" for c in cells)


def test_unknown_format_is_422(client, secretary, meeting):
    assert client.get(minutes_url(meeting, "?format=docx"), headers=secretary).status_code == 422
