"""Printable documents (letters, receipts, meeting records) as PDF, in Chinese.

Decision: reportlab with its built-in CID font STSong-Light (Adobe's Simplified Chinese set). A CID font is
named, not embedded, so the service ships no font file and a document stays a few kilobytes; every PDF reader
(and poppler with poppler-data) substitutes its own Song face. Text is in the file as Unicode (UniGB-UCS2-H),
so it can be searched and extracted. Sizes are chosen for older eyes: 14 pt body, 22 pt titles.

A document is a list of `Page`s; each page starts on a new sheet (a month of receipts prints as one file).
Everything given here is plain text: it is escaped, never read as markup.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

PDF_MIMETYPE = "application/pdf"
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=14, leading=22, wordWrap="CJK")
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4 * mm)
_NUMBER = ParagraphStyle("number", parent=_BODY, fontSize=12, alignment=TA_RIGHT, spaceAfter=4 * mm)
_CLOSING = ParagraphStyle("closing", parent=_BODY, alignment=TA_RIGHT)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=12, leading=17)
_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 4),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
])


@dataclass
class Page:
    """One sheet: a title, its number (编号), paragraphs, label/value rows, a table, and closing lines."""

    title: str
    number: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    closing: list[str] = field(default_factory=list)
    # Relative widths of the table's columns (equal when None): dates and names need more room than counts.
    column_weights: list[float] | None = None


def _text(value, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"), style)


def _page_flowables(page: Page, width: float) -> list:
    out: list = [_text(page.title, _TITLE)]
    if page.number:
        out.append(_text(f"编号：{page.number}", _NUMBER))
    for paragraph in page.paragraphs:
        out += [_text(paragraph, _BODY), Spacer(1, 2 * mm)]
    if page.fields:
        rows = [[_text(label, _CELL), _text(value, _CELL)] for label, value in page.fields]
        fields = Table(rows, colWidths=[width * 0.3, width * 0.7])
        fields.setStyle(_GRID)
        out += [fields, Spacer(1, 4 * mm)]
    if page.table:
        header, body = page.table
        rows = [[_text(cell, _CELL) for cell in row] for row in [header, *body]]
        weights = page.column_weights or [1.0] * len(header)
        table = Table(rows, colWidths=[width * w / sum(weights) for w in weights], repeatRows=1)
        table.setStyle(TableStyle([*_GRID.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
        out += [table, Spacer(1, 4 * mm)]
    if page.closing:
        out.append(Spacer(1, 8 * mm))
        out += [_text(line, _CLOSING) for line in page.closing]
    return out


def render(pages: list[Page], *, title: str) -> bytes:
    """The PDF of `pages`, each on its own sheet of A4; `title` is the document's metadata title."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="流动党员之家",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    story: list = []
    for index, page in enumerate(pages):
        if index:
            story.append(PageBreak())
        story += _page_flowables(page, doc.width)
    if not story:
        story.append(_text(title, _TITLE))
    doc.build(story)
    return buffer.getvalue()
