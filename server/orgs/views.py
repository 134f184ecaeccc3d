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
    """可见的乡镇，含党员人数和流动党员党支部（党员填登记表时只给名称）"""
    return {"items": service.list_townships(current_principal())}


@blp.get("/branches")
@blp.arguments(BranchQuery, location="query")
@blp.response(200, BranchListOut)
@blp.doc(**SECURED)
@login_required
def list_branches(query):
    """可见的党支部（kind：village 村党支部 / mobile 流动党员党支部），含党员人数（党员只看名称）"""
    return {"items": service.list_branches(current_principal(), **query)}
