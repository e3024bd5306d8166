"""Shared bits for the editing / lending-desk tests: actors, a small library, a DB snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tests.factories import make_category, make_item, make_location, make_member
from toolshare_core.roles import StaffUser

ADMIN = StaffUser(id=None, username="test admin", role="admin")
EDITOR = StaffUser(id=None, username="test editor", role="editor")
VIEWER = StaffUser(id=None, username="test viewer", role="viewer")

SNAPSHOT_TABLES = ("locations", "categories", "items", "members", "loans", "maintenance",
                   "staff_users", "staff_sessions", "audit_log")


def snapshot(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ToolShare table, for 'nothing changed' checks."""
    out = {}
    for table in SNAPSHOT_TABLES:
        order = "token_hash" if table == "staff_sessions" else "id"
        out[table] = [tuple(r) for r in conn.execute(sa.text(f"select * from {table} order by {order}"))]
    return out


@dataclass
class Library:
    top: int
    drills: int
    ladders: int
    shed: int
    hall: int
    drill: int
    ladder: int
    anna: int
    ben: int


def small_library(conn: Connection) -> Library:
    """Power tools / Drills (3-day loans), Ladders (14-day), two locations, two items, two members."""
    top = make_category(conn, name="Power tools")
    drills = make_category(conn, name="Drills", parent_id=top, loan_period_days=3)
    ladders = make_category(conn, name="Ladders", loan_period_days=14)
    shed = make_location(conn, name="Shed")
    hall = make_location(conn, name="Hall")
    drill = make_item(conn, code="D-001", name="Cordless drill", category_id=drills,
                      location_id=shed, acquired_on=date(2021, 5, 1))
    ladder = make_item(conn, code="L-001", name="Step ladder", category_id=ladders,
                       location_id=hall, acquired_on=date(2020, 1, 1))
    anna = make_member(conn, member_no="M-100", name="Anna Example")
    ben = make_member(conn, member_no="M-101", name="Ben Example")
    return Library(top, drills, ladders, shed, hall, drill, ladder, anna, ben)


def scalar(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(sa.text(sql), params).scalar()
