"""The organisation tree: counties, their townships, and each township's branches.

The county is the top of the tree a deployment holds today; a city or province level would sit above it
(a `parent` of the county), so a province deployment is data, not a rewrite. Township names are unique
within their county, not across the province.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db

BRANCH_KINDS = ("village", "mobile")


class County(db.Model):
    """A county (县): the level a county admin, a county sync key and the county dashboard cover."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    townships: Mapped[list["Township"]] = relationship(back_populates="county")


class Township(db.Model):
    __tablename__ = "townships"
    __table_args__ = (UniqueConstraint("county_id", "name", name="uq_townships_county_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    county: Mapped[County] = relationship(back_populates="townships")
    branches: Mapped[list["Branch"]] = relationship(back_populates="township")


class Branch(db.Model):
    """A home village branch (村党支部) or a township's mobile-member branch (流动党员党支部)."""

    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("township_id", "kind", "name", name="uq_branches_township_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    township: Mapped[Township] = relationship(back_populates="branches")


def default_county() -> County:
    """The county of a one-county deployment, created on first use (flushes, never commits).

    Staff created without a scope, county sync keys and roster imports without a county all mean this
    county. A deployment holding several counties must name one; asking for the default then fails.
    """
    counties = db.session.execute(select(County).order_by(County.id).limit(2)).scalars().all()
    if len(counties) > 1:
        raise LookupError("本系统有多个县，请指定县的 id")
    if counties:
        return counties[0]
    county = County(name=current_app.config["COUNTY_NAME"], created_at=utcnow())
    db.session.add(county)
    db.session.flush()
    return county
