"""Reading back the PDFs the service prints, as a reader would: pages and their text."""
from io import BytesIO

from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF (raises on anything that is not one)."""
    assert data[:5] == b"%PDF-", data[:40]
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, page after page."""
    return "\n".join(pdf_pages(data))
