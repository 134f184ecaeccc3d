"""Printable documents (letters, receipts, meeting records) as PDF, in Chinese.

Decision: reportlab with its built-in CID font STSong-Light (Adobe's Simplified Chinese set). A CID font is
named, not embedded, so the service ships no font file and a document stays a few kilobytes; every PDF reader
(and poppler with poppler-data) substitutes its own Song face. Text is in the file as Unicode (UniGB-UCS2-H),
so it can be searched and extracted. Sizes are chosen for older eyes: 14 pt body, 22 pt titles.

A document is a list of `Page`s; each page starts on a new sheet (a month of receipts prints as one file).
Everything given here is plain text: it is escaped, never read as markup.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from io import BytesIO
from types import SimpleNamespace
from xml.sax.saxutils import escape

PDF_MIMETYPE = "application/pdf"
FONT = "STSong-Light"


@functools.cache
def _kit() -> SimpleNamespace:
    """reportlab (about 18 MB of a worker), its font and the styles: loaded with the first document, not the app."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=14, leading=22, wordWrap="CJK")
    return SimpleNamespace(
        colors=colors, A4=A4, mm=mm, Image=Image, KeepTogether=KeepTogether, PageBreak=PageBreak, Paragraph=Paragraph,
        SimpleDocTemplate=SimpleDocTemplate,
        Spacer=Spacer, Table=Table, TableStyle=TableStyle, BODY=body,
        TITLE=ParagraphStyle("title", parent=body, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4 * mm),
        NUMBER=ParagraphStyle("number", parent=body, fontSize=12, alignment=TA_RIGHT, spaceAfter=4 * mm),
        CLOSING=ParagraphStyle("closing", parent=body, alignment=TA_RIGHT),
        CELL=ParagraphStyle("cell", parent=body, fontSize=12, leading=17),
        CAPTION=ParagraphStyle("caption", parent=body, fontSize=12, leading=17, alignment=TA_CENTER),
        IMAGE_MAX_HEIGHT=110 * mm,
        GRID=TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))


@dataclass
class Page:
    """One sheet: a title, its number (编号), paragraphs, label/value rows, a table, and closing lines."""

    title: str
    number: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    closing: list[str] = field(default_factory=list)
    # Pictures after everything else, each (JPEG or PNG bytes, width px, height px, caption), scaled to fit.
    images: list[tuple[bytes, int, int, str]] = field(default_factory=list)
    # Relative widths of the table's columns (equal when None): dates and names need more room than counts.
    column_weights: list[float] | None = None


def _text(value, style):
    return _kit().Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"), style)


def _page_flowables(page: Page, width: float) -> list:
    k = _kit()
    mm, Spacer, Table, TableStyle, colors = k.mm, k.Spacer, k.Table, k.TableStyle, k.colors
    out: list = [_text(page.title, k.TITLE)]
    if page.number:
        out.append(_text(f"编号：{page.number}", k.NUMBER))
    for paragraph in page.paragraphs:
        out += [_text(paragraph, k.BODY), Spacer(1, 2 * mm)]
    if page.fields:
        rows = [[_text(label, k.CELL), _text(value, k.CELL)] for label, value in page.fields]
        fields = Table(rows, colWidths=[width * 0.3, width * 0.7])
        fields.setStyle(k.GRID)
        out += [fields, Spacer(1, 4 * mm)]
    if page.table:
        header, body = page.table
        rows = [[_text(cell, k.CELL) for cell in row] for row in [header, *body]]
        weights = page.column_weights or [1.0] * len(header)
        table = Table(rows, colWidths=[width * w / sum(weights) for w in weights], repeatRows=1)
        table.setStyle(TableStyle([*k.GRID.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
        out += [table, Spacer(1, 4 * mm)]
    if page.closing:
        out.append(Spacer(1, 8 * mm))
        out += [_text(line, k.CLOSING) for line in page.closing]
    for data, px_width, px_height, caption in page.images:
        scale = min(width * 0.9 / px_width, k.IMAGE_MAX_HEIGHT / px_height)
        picture = k.Image(BytesIO(data), width=px_width * scale, height=px_height * scale)
        out.append(k.KeepTogether([Spacer(1, 4 * mm), picture, _text(caption, k.CAPTION)]))
    return out


def render(pages: list[Page], *, title: str) -> bytes:
    """The PDF of `pages`, each on its own sheet of A4; `title` is the document's metadata title."""
    k = _kit()
    mm = k.mm
    buffer = BytesIO()
    doc = k.SimpleDocTemplate(buffer, pagesize=k.A4, title=title, author="流动党员之家",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    story: list = []
    for index, page in enumerate(pages):
        if index:
            story.append(k.PageBreak())
        story += _page_flowables(page, doc.width)
    if not story:
        story.append(_text(title, k.TITLE))
    doc.build(story)
    return buffer.getvalue()
