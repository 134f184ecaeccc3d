"""An uploaded XLSX is measured before openpyxl opens it (docs/limits.md).

An XLSX is a zip: 625 KB on the wire inflated to 608 MB and held a worker for 10 s and 2.6 GB before
its 422. The zip's directory states every entry's inflated size, so the sum and the ratio are known
without inflating anything; a file past either cap is 413, a file that is not a zip 422.
"""
from __future__ import annotations

import io
import zipfile

from server.errors import PayloadTooLarge, Unprocessable

XLSX_MAX_INFLATED_BYTES = 50 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 5 * 1024 * 1024
XLSX_MAX_ENTRIES = 1000


def check_xlsx_archive(file_bytes: bytes) -> None:
    """Refuse a workbook whose entries inflate past the caps (413) or that is no zip at all (422)."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(file_bytes)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise Unprocessable("无法读取该文件，请上传 Excel（.xlsx）文件", code="import_invalid",
                            errors={"file": ["不是有效的 .xlsx 文件"]}) from err
    inflated = sum(entry.file_size for entry in entries)
    compressed = max(sum(entry.compress_size for entry in entries), 1)
    # A small workbook may compress very well (a sheet of empty rows); the ratio matters once it is big.
    bomb_like = inflated > XLSX_RATIO_FROM_BYTES and inflated / compressed > XLSX_MAX_RATIO
    if len(entries) > XLSX_MAX_ENTRIES or inflated > XLSX_MAX_INFLATED_BYTES or bomb_like:
        message = f"文件解压后过大（上限 {XLSX_MAX_INFLATED_BYTES // (1024 * 1024)} MB），请拆分后再导入"
        raise PayloadTooLarge(message, errors={"file": [message]})
