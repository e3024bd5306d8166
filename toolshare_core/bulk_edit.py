"""Bulk edit of items: an editable frame, a preview of every change (old -> new), apply in one
transaction with one audit entry per changed field under one batch id, and undo of a batch."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core import records
from toolshare_core.errors import Conflict, NotFound, ToolShareError, ValidationFailed
from toolshare_core.inventory import item_changes
from toolshare_core.roles import StaffUser
from toolshare_core.writes import jsonable, write_block

# Columns of the editable frame a person may change (the others are shown read-only).
BULK_COLUMNS = ("name", "category", "location", "condition", "status", "replacement_value",
                "brand", "notes")
FRAME_COLUMNS = ("id", "code", *BULK_COLUMNS, "version")
PREVIEW_COLUMNS = ["item_id", "code", "field", "old", "new", "version"]


@dataclass(frozen=True)
class BulkResult:
    batch_id: uuid.UUID
    items_changed: int
    fields_changed: int


def editable_items(conn: Connection, *, category_id: int | None = None,
                   location_id: int | None = None, status: str | None = None,
                   search: str | None = None) -> pd.DataFrame:
    """The items to edit (not retired), one row each, with category path and location name."""
    q = (search or "").strip() or None
    frame = pd.read_sql(sa.text("""
        select i.id, i.code, i.name, cp.path as category, l.name as location, i.condition,
               i.status, i.replacement_value, i.brand, i.notes, i.version
        from items i join category_paths cp on cp.category_id = i.category_id
        join locations l on l.id = i.location_id
        where i.status <> 'retired'
          and (cast(:category as bigint) is null or i.category_id = :category
               or cp.parent_id = :category)
          and (cast(:location as bigint) is null or i.location_id = :location)
          and (cast(:status as text) is null or i.status = :status)
          and (cast(:q as text) is null or i.code ilike :like or i.name ilike :like)
        order by i.code
    """), conn, params={"category": category_id, "location": location_id, "status": status,
                        "q": q, "like": f"%{q}%"})
    frame["replacement_value"] = frame["replacement_value"].astype(float)
    return frame


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _normal(value: Any) -> Any:
    if _blank(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return value
    return value


def preview(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Every changed cell of BULK_COLUMNS, matched by item id: item_id, code, field, old, new."""
    rows = []
    edited = after.set_index("id")
    for row in before.to_dict("records"):
        item_id = row["id"]
        if item_id not in edited.index:
            continue
        new_row = edited.loc[item_id]
        for field in BULK_COLUMNS:
            if field not in edited.columns:
                continue
            old, new = row[field], new_row[field]
            if _normal(old) != _normal(new):
                rows.append({"item_id": int(item_id), "code": row["code"], "field": field,
                             "old": None if _blank(old) else old,
                             "new": None if _blank(new) else new, "version": int(row["version"])})
    return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)


def preview_from_editor(before: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]) -> pd.DataFrame:
    """The same preview from st.data_editor's state ({"edited_rows": {row position: {col: value}}})."""
    records_after = before.to_dict("records")
    for position, cells in edited_rows.items():
        for field, value in cells.items():
            if field in BULK_COLUMNS:
                records_after[int(position)][field] = value
    return preview(before, pd.DataFrame(records_after, columns=before.columns))


def _lookup(conn: Connection, field: str, value: Any) -> tuple[str, int]:
    if field == "category":
        found = conn.execute(sa.text("select category_id from category_paths where lower(path) = lower(:v)"),
                             {"v": str(value).strip()}).scalars().all()
        if len(found) != 1:
            raise NotFound(f"there is no category {value!s} (write it as 'Top / Sub')")
        return "category_id", int(found[0])
    found_loc = conn.execute(sa.text("select id from locations where lower(name) = lower(:v)"),
                             {"v": str(value).strip()}).scalar()
    if found_loc is None:
        raise NotFound(f"there is no location named {value!s}")
    return "location_id", int(found_loc)


def _to_changes(conn: Connection, group: pd.DataFrame) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for change in group.to_dict("records"):
        field, value = change["field"], change["new"]
        if field not in BULK_COLUMNS:
            raise ValidationFailed(f"{field}: cannot be changed in bulk")
        if field in ("category", "location"):
            if _blank(value):
                raise ValidationFailed(f"{field}: must not be blank")
            key, ref = _lookup(conn, field, value)
            changes[key] = ref
        else:
            changes[field] = None if _blank(value) else value
    return changes


def apply_changes(conn: Connection, actor: StaffUser, changes: pd.DataFrame) -> BulkResult:
    """Apply a preview in one transaction: every item or none. An item edited by someone else
    since the frame was read is refused (optimistic locking), naming what they changed."""
    with write_block(conn, actor):
        if changes.empty:
            raise ValidationFailed("there are no changes to apply")
        batch_id = uuid.uuid4()
        fields = 0
        groups = list(changes.groupby("item_id", sort=True))
        for item_id, group in groups:
            current = records.lock_row(conn, "items", int(str(item_id)))
            try:
                new = item_changes(conn, current, _to_changes(conn, group))
                saved = records.save(conn, actor, table="items", current=current, values=new,
                                     action="bulk_edit", batch_id=batch_id, per_field=True,
                                     expected_version=int(group["version"].iloc[0]),
                                     label=f"Item {current['code']}")
            except ToolShareError as exc:
                raise type(exc)(f"item {current['code']}: {exc}; nothing was changed") from exc
            fields += len(saved)
        return BulkResult(batch_id=batch_id, items_changed=len(groups), fields_changed=fields)


def batch_entries(conn: Connection, batch_id: uuid.UUID | str) -> pd.DataFrame:
    """The audit entries of one batch, in order."""
    return pd.read_sql(sa.text("""
        select id, at, actor_name, action, table_name, row_id, old_values, new_values
        from audit_log where batch_id = cast(:b as uuid) order by id
    """), conn, params={"b": str(batch_id)})


def _matches(current: Any, stored: Any) -> bool:
    if isinstance(current, Decimal) and stored is not None:
        try:
            return current == Decimal(str(stored))
        except InvalidOperation:
            return False
    return bool(jsonable(current) == stored)


def undo_batch(conn: Connection, actor: StaffUser, batch_id: uuid.UUID | str) -> BulkResult:
    """Put back the old values of a bulk edit, as a new batch. Refused (nothing undone) when any
    of its fields was changed again since."""
    with write_block(conn, actor):
        try:
            batch = uuid.UUID(str(batch_id))
        except ValueError as exc:
            raise ValidationFailed(f"{batch_id} is not a batch id") from exc
        entries = batch_entries(conn, batch)
        entries = entries[(entries["table_name"] == "items") & (entries["action"] == "bulk_edit")]
        if entries.empty:
            raise NotFound(f"there is no bulk edit with batch id {batch}")
        undo_id = uuid.uuid4()
        fields = 0
        item_ids = sorted({int(str(r)) for r in entries["row_id"]})
        for item_id in item_ids:
            current = records.lock_row(conn, "items", item_id)
            revert: dict[str, Any] = {}
            already = True
            for entry in entries[entries["row_id"] == item_id].itertuples():
                old, new = _json(entry.old_values), _json(entry.new_values)
                for field, value in new.items():
                    if not _matches(current[field], old[field]):
                        already = False
                    if not _matches(current[field], value):
                        if _matches(current[field], old[field]):
                            continue
                        raise Conflict(
                            f"item {current['code']}: {field.replace('_', ' ')} was changed again "
                            f"after this batch (now {jsonable(current[field])}); nothing was undone")
                    revert[field] = old[field]
            if already and not revert:
                raise Conflict("this batch was already undone")
            new_values = item_changes(conn, current, revert)
            fields += len(records.save(conn, actor, table="items", current=current,
                                       values=new_values, action="undo_bulk_edit",
                                       batch_id=undo_id, per_field=True))
        return BulkResult(batch_id=undo_id, items_changed=len(item_ids), fields_changed=fields)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})
