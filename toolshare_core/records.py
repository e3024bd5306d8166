"""Row helpers for write commands: lock a row, save with optimistic locking, explain conflicts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core import audit
from toolshare_core.errors import Conflict, NotFound
from toolshare_core.roles import StaffUser
from toolshare_core.writes import changed_fields, jsonable

# Tables a write command may address and the columns it may set (the allow-list for the
# Core constructs below; callers pass only keys of their pydantic models).
WRITABLE: dict[str, tuple[str, ...]] = {
    "items": ("code", "name", "category_id", "location_id", "condition", "status",
              "replacement_value", "acquired_on", "retired_on", "retired_reason", "brand", "notes"),
    "members": ("member_no", "name", "email", "postcode", "joined_on", "status", "phone", "notes"),
    "locations": ("name", "address"),
    "categories": ("name", "parent_id", "loan_period_days"),
    "loans": ("due_at", "returned_at", "renewals", "return_condition", "notes"),
    "maintenance": ("ended_on", "cost", "notes", "kind"),
}
NOUN = {"items": "item", "members": "member", "locations": "location", "categories": "category",
        "loans": "loan", "maintenance": "maintenance record"}
# Foreign keys shown by name in conflict messages.
_NAMED = {"category_id": ("category_paths", "category_id", "path"),
          "location_id": ("locations", "id", "name")}


def _table(name: str) -> sa.TableClause:
    if name not in WRITABLE:
        raise ValueError(f"not a writable table: {name}")
    return sa.table(name, sa.column("id"), sa.column("version"),
                    *(sa.column(c) for c in WRITABLE[name]))


def lock_row(conn: Connection, table: str, row_id: int) -> dict[str, Any]:
    """The row `for update` (others wait until this transaction ends), or NotFound."""
    tbl = _table(table)
    row = conn.execute(sa.select(sa.text("*")).select_from(tbl).where(tbl.c.id == row_id)
                       .with_for_update()).mappings().one_or_none()
    if row is None:
        raise NotFound(f"there is no {NOUN[table]} with id {row_id}")
    return dict(row)


def save(
    conn: Connection,
    actor: StaffUser,
    *,
    table: str,
    current: Mapping[str, Any],
    values: Mapping[str, Any],
    action: str = "edit",
    expected_version: int | None = None,
    batch_id: uuid.UUID | None = None,
    label: str | None = None,
    per_field: bool = False,
) -> dict[str, Any]:
    """Write the fields of `values` that differ from the locked `current` row, with audit.

    With `expected_version` (items, members) a row changed by someone else since the caller
    read it is refused with a Conflict naming what they changed. `per_field` writes one audit
    entry per changed field (bulk edit). Returns the changed fields' new values.
    """
    row_id = int(current["id"])
    if expected_version is not None and current.get("version") != expected_version:
        raise Conflict(stale_message(conn, table=table, row_id=row_id,
                                     seen_version=expected_version,
                                     label=label or f"{NOUN[table]} {row_id}"))
    old, new = changed_fields(current, values)
    if not new:
        return {}
    tbl = _table(table)
    stmt = sa.update(tbl).where(tbl.c.id == row_id).values(**new)
    version = None
    if "version" in current:
        version = conn.execute(stmt.returning(tbl.c.version)).scalar_one()
    else:
        conn.execute(stmt)
    if per_field:
        for key in new:
            audit.record(conn, actor, action, table, row_id, {key: old[key]}, {key: new[key]},
                         batch_id, row_version=version)
    else:
        audit.record(conn, actor, action, table, row_id, old, new, batch_id, row_version=version)
    return new


def stale_message(conn: Connection, *, table: str, row_id: int, seen_version: int,
                  label: str) -> str:
    """'<label> was changed by X at 14:02 (location: Shed -> Hall) after you opened it ...'."""
    changes = audit.changes_since(conn, table=table, row_id=row_id, after_version=seen_version)
    parts = []
    for entry in changes.itertuples():
        old = _as_dict(entry.old_values)
        new = _as_dict(entry.new_values)
        fields = ", ".join(
            f"{_field(k)}: {_show(conn, k, old.get(k))} -> {_show(conn, k, v)}" for k, v in new.items()
        )
        parts.append(f"{entry.actor_name} at {entry.at:%Y-%m-%d %H:%M} changed {fields or 'it'}")
    who = "; ".join(parts) if parts else "someone changed it outside ToolShare's forms"
    return (f"{label} was changed after you opened it ({who}). Nothing was saved: reload it "
            "to see the current values, then make your change again.")


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


def _field(key: str) -> str:
    return key.removesuffix("_id").replace("_", " ")


def _show(conn: Connection, key: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if key in _NAMED:
        table, id_col, name_col = _NAMED[key]
        tbl = sa.table(table, sa.column(id_col), sa.column(name_col))
        name = conn.execute(sa.select(tbl.c[name_col]).where(tbl.c[id_col] == value)).scalar()
        if name is not None:
            return str(name)
    return str(jsonable(value))
