"""Inventory writes: items (add, edit, move, condition, status, retire), categories, locations.

Every command: role checked here (editor), one savepoint, pydantic validation in plain words,
an audit entry with old and new values; item edits use optimistic locking on `items.version`.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import Connection

from toolshare_core import audit, records
from toolshare_core.errors import Conflict, NotFound, ValidationFailed
from toolshare_core.roles import StaffUser
from toolshare_core.writes import (
    LowerWord,
    NotesText,
    OptionalText,
    RequiredText,
    clean_text,
    merged_edit,
    validate,
    write_block,
)

Condition = Literal["new", "good", "fair", "poor", "broken"]
CONDITIONS: tuple[str, ...] = ("new", "good", "fair", "poor", "broken")
# Statuses an editor may set directly; maintenance and retired have their own commands.
EDITABLE_STATUSES = ("active", "missing")


class ItemFields(BaseModel):
    """An item as an editor fills it in (ids for category and location)."""

    model_config = ConfigDict(extra="forbid")

    code: RequiredText = Field(min_length=1, max_length=40)
    name: RequiredText = Field(min_length=1, max_length=200)
    category_id: int = Field(ge=1)
    location_id: int = Field(ge=1)
    condition: LowerWord[Condition] = "good"
    replacement_value: Decimal = Field(default=Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    acquired_on: date = Field(default_factory=date.today)
    brand: OptionalText = Field(default=None, max_length=100)
    notes: NotesText = Field(default=None, max_length=2000)


class ItemEdit(ItemFields):
    status: Literal["active", "maintenance", "missing", "retired"]


class Retirement(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    retired_on: date

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: object) -> object:
        return clean_text(value, multiline=True)


class LocationFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: RequiredText = Field(min_length=1, max_length=100)
    address: NotesText = Field(default=None, max_length=300)


class CategoryFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = Field(default=None, ge=1)
    loan_period_days: int = Field(default=7, ge=1, le=365)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> object:
        name = clean_text(value)
        if isinstance(name, str) and " / " in name:
            raise ValueError("must not contain ' / ' (it separates a category from its parent)")
        return name


# ---- items ----------------------------------------------------------------------------------


def _check_refs(conn: Connection, *, category_id: int, location_id: int) -> None:
    if conn.execute(sa.text("select 1 from categories where id = :id"), {"id": category_id}).scalar() is None:
        raise NotFound(f"there is no category with id {category_id}")
    if conn.execute(sa.text("select 1 from locations where id = :id"), {"id": location_id}).scalar() is None:
        raise NotFound(f"there is no location with id {location_id}")


def _check_code_free(conn: Connection, code: str, item_id: int | None = None) -> None:
    other = conn.execute(sa.text("select id from items where code = :c and id <> coalesce(:id, -1)"),
                         {"c": code, "id": item_id}).scalar()
    if other is not None:
        raise Conflict(f"an item with code {code} already exists")


def add_item(conn: Connection, actor: StaffUser, **fields: Any) -> int:
    """Add an item (status active); returns its id. Fields as in ItemFields."""
    with write_block(conn, actor):
        data = validate(ItemFields, fields)
        _check_refs(conn, category_id=data.category_id, location_id=data.location_id)
        _check_code_free(conn, data.code)
        return insert_item(conn, actor, data)


def insert_item(conn: Connection, actor: StaffUser, data: ItemFields,
                batch_id: uuid.UUID | None = None, action: str = "create") -> int:
    """The insert and its audit entry (callers have validated and hold a savepoint)."""
    values = data.model_dump()
    item_id = int(conn.execute(sa.text("""
        insert into items (code, name, category_id, location_id, condition,
                           replacement_value, acquired_on, brand, notes)
        values (:code, :name, :category_id, :location_id, :condition,
                :replacement_value, :acquired_on, :brand, :notes)
        returning id
    """), values).scalar_one())
    audit.record(conn, actor, action, "items", item_id, None, values | {"status": "active"},
                 batch_id, row_version=1)
    return item_id


def item_changes(conn: Connection, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Validate `changes` against the locked item `current`; the full new field set."""
    data = merged_edit(ItemEdit, current, changes).model_dump()
    if data["status"] != current["status"] and (
            current["status"] in ("retired", "maintenance") or data["status"] not in EDITABLE_STATUSES):
        raise ValidationFailed(_status_advice(current["code"], current["status"], data["status"]))
    if data["category_id"] != current["category_id"] or data["location_id"] != current["location_id"]:
        _check_refs(conn, category_id=data["category_id"], location_id=data["location_id"])
    if data["code"] != current["code"]:
        _check_code_free(conn, data["code"], current["id"])
    return dict(data)


def _status_advice(code: str, old: str, new: str) -> str:
    if new == "retired":
        return f"use Retire to retire item {code} (it asks for the reason and the date)"
    if new == "maintenance":
        return f"open a maintenance record to send item {code} to maintenance"
    if old == "maintenance":
        return f"item {code} is in maintenance; close its maintenance record to make it active"
    return f"item {code} is retired; retired items stay retired"


def edit_item(conn: Connection, actor: StaffUser, *, item_id: int, expected_version: int,
              changes: dict[str, Any]) -> int:
    """Save an editor's changes; refused with what changed if the item moved on since
    `expected_version`. Returns the item's new version (unchanged when nothing differed)."""
    with write_block(conn, actor):
        current = records.lock_row(conn, "items", item_id)
        new = item_changes(conn, current, changes)
        records.save(conn, actor, table="items", current=current, values=new,
                     expected_version=expected_version, label=f"Item {current['code']}")
        return int(conn.execute(sa.text("select version from items where id = :id"),
                                {"id": item_id}).scalar_one())


def move_item(conn: Connection, actor: StaffUser, *, item_id: int, location_id: int,
              expected_version: int) -> int:
    return edit_item(conn, actor, item_id=item_id, expected_version=expected_version,
                     changes={"location_id": location_id})


def set_condition(conn: Connection, actor: StaffUser, *, item_id: int, condition: str,
                  expected_version: int) -> int:
    return edit_item(conn, actor, item_id=item_id, expected_version=expected_version,
                     changes={"condition": condition})


def set_status(conn: Connection, actor: StaffUser, *, item_id: int, status: str,
               expected_version: int) -> int:
    """active <-> missing (maintenance and retirement have their own commands)."""
    return edit_item(conn, actor, item_id=item_id, expected_version=expected_version,
                     changes={"status": status})


def retire_item(conn: Connection, actor: StaffUser, *, item_id: int, reason: str,
                retired_on: date, expected_version: int | None = None) -> None:
    """Retire an item for good, with the reason and the date (it leaves the counts from then)."""
    with write_block(conn, actor):
        data = validate(Retirement, {"reason": reason, "retired_on": retired_on})
        current = records.lock_row(conn, "items", item_id)
        code = current["code"]
        if current["status"] == "retired":
            raise Conflict(f"item {code} is already retired (since {current['retired_on']})")
        if data.retired_on < current["acquired_on"]:
            raise ValidationFailed(
                f"the retirement date {data.retired_on} is before item {code} was acquired "
                f"({current['acquired_on']})")
        if current["status"] == "maintenance":
            raise Conflict(f"item {code} is in maintenance; close its maintenance record first")
        out = conn.execute(sa.text("""select m.member_no from loans l join members m on m.id = l.member_id
                                      where l.item_id = :id and l.returned_at is null"""),
                           {"id": item_id}).scalar()
        if out is not None:
            raise Conflict(f"item {code} is on loan to member {out}; check it in before retiring it")
        records.save(conn, actor, table="items", current=current, action="retire",
                     values={"status": "retired", "retired_on": data.retired_on,
                             "retired_reason": data.reason},
                     expected_version=expected_version, label=f"Item {code}")


def get_item(conn: Connection, item_id: int) -> dict[str, Any]:
    """One item with its category path and location name (for an edit form)."""
    row = conn.execute(sa.text("""
        select i.*, cp.path as category, l.name as location
        from items i join category_paths cp on cp.category_id = i.category_id
        join locations l on l.id = i.location_id where i.id = :id
    """), {"id": item_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"there is no item with id {item_id}")
    return dict(row)


def find_items(conn: Connection, *, search: str | None = None, include_retired: bool = True) -> pd.DataFrame:
    """Items for pick-lists: id, code, name, category, location, status, condition, version."""
    query = sa.text("""
        select i.id, i.code, i.name, cp.path as category, l.name as location, i.status,
               i.condition, i.version
        from items i join category_paths cp on cp.category_id = i.category_id
        join locations l on l.id = i.location_id
        where (cast(:q as text) is null or i.code ilike :like or i.name ilike :like)
          and (:all or i.status <> 'retired')
        order by i.code
    """)
    q = (search or "").strip() or None
    return pd.read_sql(query, conn, params={"q": q, "like": f"%{q}%", "all": include_retired})


# ---- locations and categories ---------------------------------------------------------------


def add_location(conn: Connection, actor: StaffUser, *, name: str, address: str | None = None) -> int:
    with write_block(conn, actor):
        data = validate(LocationFields, {"name": name, "address": address})
        if conn.execute(sa.text("select 1 from locations where lower(name) = lower(:n)"),
                        {"n": data.name}).scalar():
            raise Conflict(f"a location named {data.name} already exists")
        location_id = int(conn.execute(sa.text(
            "insert into locations (name, address) values (:name, :address) returning id"),
            data.model_dump()).scalar_one())
        audit.record(conn, actor, "create", "locations", location_id, None, data.model_dump())
        return location_id


def edit_location(conn: Connection, actor: StaffUser, *, location_id: int, name: str,
                  address: str | None = None) -> None:
    with write_block(conn, actor):
        data = validate(LocationFields, {"name": name, "address": address})
        current = records.lock_row(conn, "locations", location_id)
        if conn.execute(sa.text("select 1 from locations where lower(name) = lower(:n) and id <> :id"),
                        {"n": data.name, "id": location_id}).scalar():
            raise Conflict(f"a location named {data.name} already exists")
        records.save(conn, actor, table="locations", current=current, values=data.model_dump())


def _check_parent(conn: Connection, parent_id: int | None, category_id: int | None) -> None:
    if parent_id is None:
        return
    if parent_id == category_id:
        raise ValidationFailed("a category cannot be its own parent")
    parent = conn.execute(sa.text("select name, parent_id from categories where id = :id"),
                          {"id": parent_id}).one_or_none()
    if parent is None:
        raise NotFound(f"there is no category with id {parent_id}")
    if parent.parent_id is not None:
        raise ValidationFailed(
            f"{parent.name} is already a sub-category; categories have two levels only")
    if category_id is not None and conn.execute(
            sa.text("select 1 from categories where parent_id = :id limit 1"), {"id": category_id}).scalar():
        raise ValidationFailed("this category has sub-categories, so it must stay a top category")


def _check_category_name(conn: Connection, name: str, parent_id: int | None, category_id: int | None) -> None:
    clash = conn.execute(sa.text("""
        select 1 from categories where lower(name) = lower(:n)
        and parent_id is not distinct from :p and id <> coalesce(:id, -1)
    """), {"n": name, "p": parent_id, "id": category_id}).scalar()
    if clash:
        where = "top category" if parent_id is None else "sub-category there"
        raise Conflict(f"a {where} named {name} already exists")


def add_category(conn: Connection, actor: StaffUser, *, name: str, parent_id: int | None = None,
                 loan_period_days: int = 7) -> int:
    """A top category (no parent) or a sub-category of a top category."""
    with write_block(conn, actor):
        data = validate(CategoryFields, {"name": name, "parent_id": parent_id,
                                         "loan_period_days": loan_period_days})
        _check_parent(conn, data.parent_id, None)
        _check_category_name(conn, data.name, data.parent_id, None)
        category_id = int(conn.execute(sa.text("""
            insert into categories (name, parent_id, loan_period_days)
            values (:name, :parent_id, :loan_period_days) returning id
        """), data.model_dump()).scalar_one())
        audit.record(conn, actor, "create", "categories", category_id, None, data.model_dump())
        return category_id


def edit_category(conn: Connection, actor: StaffUser, *, category_id: int, name: str,
                  parent_id: int | None, loan_period_days: int) -> None:
    with write_block(conn, actor):
        data = validate(CategoryFields, {"name": name, "parent_id": parent_id,
                                         "loan_period_days": loan_period_days})
        current = records.lock_row(conn, "categories", category_id)
        _check_parent(conn, data.parent_id, category_id)
        _check_category_name(conn, data.name, data.parent_id, category_id)
        records.save(conn, actor, table="categories", current=current, values=data.model_dump())


def list_locations(conn: Connection) -> pd.DataFrame:
    return pd.read_sql(sa.text("select id, name, address from locations order by name"), conn)


def list_categories(conn: Connection) -> pd.DataFrame:
    """id, name, parent_id, path ('Top / Sub'), depth, loan_period_days; ordered by path."""
    return pd.read_sql(sa.text("""
        select cp.category_id as id, cp.name, cp.parent_id, cp.path, cp.depth, c.loan_period_days
        from category_paths cp join categories c on c.id = cp.category_id order by cp.path
    """), conn)
