"""How every spreadsheet the service writes looks and stays safe: data-only cells, money as numbers with two
decimals, real Excel dates, columns that fit, large type for older eyes.

openpyxl (about 16 MB of a worker) loads on first use, not with the app: the sheet modules name its classes
through this module (`xlsx.Workbook`, `xlsx.Font`, …), which imports them when first asked for.
"""
from __future__ import annotations

import importlib
import io
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from server.common.timeutil import local

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_OPENPYXL = {"Workbook": "openpyxl", "load_workbook": "openpyxl", "Font": "openpyxl.styles",
             "Alignment": "openpyxl.styles", "Border": "openpyxl.styles", "Side": "openpyxl.styles",
             "get_column_letter": "openpyxl.utils"}


def __getattr__(name: str):
    if name in _OPENPYXL:
        return getattr(importlib.import_module(_OPENPYXL[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a yuan amount for a cell (a number, never a string)."""
    return None if fen is None else Decimal(fen) / 100


def money_cell(ws, row: int, col: int, fen: int | None):
    """Write an amount in fen as a yuan number shown with two decimals."""
    cell = ws.cell(row, col, yuan(fen))
    cell.number_format = MONEY_FORMAT
    return cell


def when_cell(ws, row: int, col: int, value: datetime | date | None):
    """Write an instant (shown in Asia/Shanghai) or a date as a real Excel date."""
    if isinstance(value, datetime):
        cell = ws.cell(row, col, local(value).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
    else:
        cell = ws.cell(row, col, value)
        cell.number_format = DATE_FORMAT
    return cell


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (datetime, date)):
        return 16
    text = str(value)
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
               for line in text.splitlines() or [""])


def fit_columns(ws, first_row: int = 1, minimum: int = 6, maximum: int = 48, scale: float = 1.0) -> None:
    """Widen each column to its longest value from `first_row` on (CJK characters count double); `scale` widens
    for type larger than the 11 pt the estimate is made for (1.25 at 14 pt)."""
    from openpyxl.utils import get_column_letter
    widths: dict[int, int] = {}
    merged = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
              for c in range(rng.min_col, rng.max_col + 1) if rng.max_col > rng.min_col}
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if (cell.row, cell.column) in merged:
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), _display_width(cell.value))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = round(min(maximum, max(minimum, width + 2)) * scale, 1)


def print_on_a4(ws, landscape: bool, title_rows: str) -> None:
    """Print on A4, every column on one page width (as many pages down as needed), the title rows repeated."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows


def workbook_bytes(wb: Workbook) -> bytes:
    """Save a workbook with every cell as data: openpyxl stores a string starting with "=" as a formula, and
    text typed by a member or secretary (=HYPERLINK(...)) would then run in the reader's Excel."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
