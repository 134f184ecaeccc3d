"""Paging a SELECT: one shape, `{items, total, page, per_page}`, for every paged list."""
from __future__ import annotations

from server.extensions import db


def paginate(stmt, page: int, per_page: int) -> dict:
    """One page of the statement's rows (ORM entities for a single-entity select) with the total."""
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    return {"items": list(result.items), "total": result.total, "page": page, "per_page": per_page}
