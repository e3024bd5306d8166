"""Maintenance records: opening one sends the item to maintenance, closing brings it back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from toolshare_core import audit, records
from toolshare_core.errors import Conflict, ValidationFailed
from toolshare_core.loans import library_now
from toolshare_core.roles import StaffUser
from toolshare_core.writes import NotesText, RequiredText, validate, write_block

KINDS = ("repair", "service", "inspection", "cleaning", "safety check")


class MaintenanceOpen(BaseModel):
    kind: RequiredText = Field(min_length=1, max_length=60)
    started_on: date | None = None
    cost: Decimal = Field(default=Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    notes: NotesText = Field(default=None, max_length=2000)


class MaintenanceClose(BaseModel):
    ended_on: date | None = None
    cost: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    notes: NotesText = Field(default=None, max_length=2000)


def open_maintenance(conn: Connection, actor: StaffUser, *, item_id: int, kind: str,
                     started_on: date | None = None, cost: Decimal | float | str = 0,
                     notes: str | None = None) -> int:
    """Send an item to maintenance (it cannot be lent meanwhile); returns the record id."""
    with write_block(conn, actor):
        data = validate(MaintenanceOpen, {"kind": kind, "started_on": started_on, "cost": cost,
                                          "notes": notes})
        item = records.lock_row(conn, "items", item_id)
        code = item["code"]
        if item["status"] != "active":
            raise Conflict(f"item {code} is {item['status']}; only an active item can go to maintenance")
        if conn.execute(sa.text("select 1 from loans where item_id = :id and returned_at is null"),
                        {"id": item_id}).scalar():
            raise Conflict(f"item {code} is out on loan; check it in before sending it to maintenance")
        started = data.started_on or library_now(conn).date()
        if started < item["acquired_on"]:
            raise ValidationFailed(f"maintenance cannot start ({started}) before item {code} was "
                                   f"acquired ({item['acquired_on']})")
        values = {"item_id": item_id, "kind": data.kind, "started_on": started, "cost": data.cost,
                  "notes": data.notes}
        maintenance_id = int(conn.execute(sa.text("""
            insert into maintenance (item_id, kind, started_on, cost, notes)
            values (:item_id, :kind, :started_on, :cost, :notes) returning id
        """), values).scalar_one())
        audit.record(conn, actor, "open", "maintenance", maintenance_id, None,
                     values | {"item_code": code})
        records.save(conn, actor, table="items", current=item, action="maintenance",
                     values={"status": "maintenance"})
        return maintenance_id


def close_maintenance(conn: Connection, actor: StaffUser, *, maintenance_id: int,
                      ended_on: date | None = None, cost: Decimal | float | str | None = None,
                      notes: str | None = None) -> None:
    """Finish a maintenance record; the item becomes active again."""
    with write_block(conn, actor):
        data = validate(MaintenanceClose, {"ended_on": ended_on, "cost": cost, "notes": notes})
        record = records.lock_row(conn, "maintenance", maintenance_id)
        item = records.lock_row(conn, "items", record["item_id"])
        if record["ended_on"] is not None:
            raise Conflict(f"this maintenance of item {item['code']} was already closed on "
                           f"{record['ended_on']}")
        ended = data.ended_on or library_now(conn).date()
        if ended < record["started_on"]:
            raise ValidationFailed(f"maintenance cannot end ({ended}) before it started "
                                   f"({record['started_on']})")
        values: dict[str, Any] = {"ended_on": ended}
        if data.cost is not None:
            values["cost"] = data.cost
        if data.notes:
            values["notes"] = "\n".join(n for n in (record["notes"], data.notes) if n)
        records.save(conn, actor, table="maintenance", current=record, action="close", values=values)
        others = conn.execute(sa.text("""select 1 from maintenance where item_id = :id
                                         and ended_on is null and id <> :m"""),
                              {"id": item["id"], "m": maintenance_id}).scalar()
        if item["status"] == "maintenance" and not others:
            records.save(conn, actor, table="items", current=item, action="maintenance",
                         values={"status": "active"})


def open_maintenance_records(conn: Connection) -> pd.DataFrame:
    """Maintenance not yet closed: id, item, kind, started_on, cost, notes."""
    return pd.read_sql(sa.text("""
        select m.id as maintenance_id, i.id as item_id, i.code as item_code, i.name as item_name,
               m.kind, m.started_on, m.cost, m.notes
        from maintenance m join items i on i.id = m.item_id
        where m.ended_on is null order by m.started_on, m.id
    """), conn)
