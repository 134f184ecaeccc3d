"""A small XLSX sheet writer for the township office: a title row, a heading row, typed cells, a totals row.

Cells are data, never formulas: text a member typed ("=HYPERLINK(…)") stays text. Dates and instants are
real Excel dates (instants in Beijing time), money is yuan as a number shown with two decimals, and each
column is as wide as its longest entry. The township client's own writer: it never imports the service.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

BEIJING = timezone(timedelta(hours=8))
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH = 60
HEADING_FILL = PatternFill("solid", fgColor="DDDDDD")


@dataclass(frozen=True)
class Column:
    """A heading and what its cells hold: text, int, number, money (fen in, yuan out), date or datetime."""

    heading: str
    kind: str = "text"


def cell_value(kind: str, value):
    """The value written for one cell of a column of that kind (unparseable dates stay as text)."""
    if value is None or value == "":
        return None
    if kind == "money":
        return round(int(value) / 100, 2)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    if kind == "datetime":
        try:
            instant = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if instant.tzinfo is not None:
            instant = instant.astimezone(BEIJING).replace(tzinfo=None)
        return instant.replace(microsecond=0)
    return value


NUMBER_FORMATS = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}


def display_width(value) -> int:
    """Roughly how many Latin characters wide a value shows (CJK characters count two)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        text = f"{value:.2f}"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def add_sheet(book, name: str, title: str, columns: list[Column], rows, totals: list | None = None):
    """Append a sheet: title (merged over the columns), headings, the rows, then the totals row if given."""
    sheet = book.create_sheet(name)
    last = get_column_letter(len(columns))
    sheet.append([title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([c.heading for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADING_FILL
    widths = [display_width(c.heading) for c in columns]
    body = [list(row) for row in rows]
    for values in body + ([totals] if totals else []):
        sheet.append([cell_value(c.kind, v) for c, v in zip(columns, values)])
        for index, (column, cell) in enumerate(zip(columns, sheet[sheet.max_row])):
            if cell.data_type == "f":  # text that looks like a formula is written as text
                cell.data_type = "s"
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            widths[index] = max(widths[index], display_width(cell.value))
    if totals:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A3"
    # Printed as the office files it: A4 landscape, all columns on one page width, title and headings repeated.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    if body:
        sheet.auto_filter.ref = f"A2:{last}{len(body) + 2}"
    return sheet
