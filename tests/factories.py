"""Plain factories: insert one row with sensible defaults, return its id.

They write with plain SQL on purpose (the way any SQL client could), so tests of the core's
commands and metrics do not depend on the code they check.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_counter = itertools.count(1)


def _insert(conn: Connection, table: str, values: dict[str, Any]) -> int:
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    sql = sa.text(f"insert into {table} ({columns}) values ({params}) returning id")
    return int(conn.execute(sql, values).scalar_one())


def make_location(conn: Connection, **overrides: Any) -> int:
    values = {"name": f"Location {next(_counter)}"} | overrides
    return _insert(conn, "locations", values)


def make_category(conn: Connection, **overrides: Any) -> int:
    values = {"name": f"Category {next(_counter)}", "parent_id": None} | overrides
    return _insert(conn, "categories", values)


def make_item(conn: Connection, **overrides: Any) -> int:
    n = next(_counter)
    values: dict[str, Any] = {
        "code": f"T-{n:05d}",
        "name": f"Test item {n}",
        "condition": "good",
        "status": "active",
        "replacement_value": Decimal("100.00"),
        "acquired_on": date(2020, 1, 1),
    } | overrides
    if "category_id" not in values:
        values["category_id"] = make_category(conn)
    if "location_id" not in values:
        values["location_id"] = make_location(conn)
    return _insert(conn, "items", values)


def make_member(conn: Connection, **overrides: Any) -> int:
    n = next(_counter)
    values = {
        "member_no": f"M-{n:05d}",
        "name": f"Member {n}",
        "joined_on": date(2020, 1, 1),
        "status": "active",
    } | overrides
    return _insert(conn, "members", values)


def make_loan(conn: Connection, **overrides: Any) -> int:
    loaned_at = overrides.get("loaned_at", datetime.fromisoformat("2024-03-01T10:00:00+00:00"))
    values: dict[str, Any] = {"loaned_at": loaned_at, "due_at": loaned_at + timedelta(days=7)}
    values |= overrides
    if "item_id" not in values:
        values["item_id"] = make_item(conn)
    if "member_id" not in values:
        values["member_id"] = make_member(conn)
    return _insert(conn, "loans", values)


def make_maintenance(conn: Connection, **overrides: Any) -> int:
    values: dict[str, Any] = {"started_on": date(2024, 3, 1), "kind": "repair", "cost": 0} | overrides
    if "item_id" not in values:
        values["item_id"] = make_item(conn)
    return _insert(conn, "maintenance", values)
