"""Organisation endpoints: townships and branches in the caller's scope."""
from __future__ import annotations

from server.common.apidoc import SECURED
from server.core.guards import current_principal, login_required
from server.extensions import Blueprint
from server.orgs import service
from server.orgs.schemas import BranchListOut, BranchQuery, TownshipListOut

blp = Blueprint("orgs", __name__, url_prefix="/api/v1", description="乡镇与支部")


@blp.get("/townships")
@blp.response(200, TownshipListOut)
@blp.doc(**SECURED)
@login_required
def list_townships():
    """Townships the caller may see, with member counts and mobile branches; a WeChat account (the
    registration form) gets every township's name and mobile branches only."""
    return {"items": service.list_townships(current_principal())}


@blp.get("/branches")
@blp.arguments(BranchQuery, location="query")
@blp.response(200, BranchListOut)
@blp.doc(**SECURED)
@login_required
def list_branches(query):
    """Branches the caller may see (`kind`: village or mobile), with member counts; a WeChat account gets
    names only."""
    return {"items": service.list_branches(current_principal(), **query)}
