"""Notebooks: named, ordered lists of saved markdown and SQL cells (reads, audited edits).

Running a cell lives in notebook_run.py (read-only, as the reader role), its checks in
notebook_sql.py. Viewers read and run notebooks; editors and admins change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlalchemy.engine import Connection

from toolshare_core import audit
from toolshare_core.errors import Conflict, NotFound, ValidationFailed
from toolshare_core.notebook_run import CellResult, notebook_parameters, run_cell
from toolshare_core.roles import StaffUser
from toolshare_core.writes import (
    OptionalText,
    RequiredText,
    changed_fields,
    clean_text,
    optional_text,
    validate,
    write_block,
)

__all__ = [
    "CHART_TYPES", "Cell", "CellResult", "NotebookInfo", "add_cell", "create_notebook",
    "delete_cell", "delete_notebook", "edit_cell", "get_notebook", "list_notebooks",
    "move_cell", "notebook_by_name", "notebook_cells", "notebook_parameters", "rename_notebook",
    "run_cell",
]

CellKind = Literal["markdown", "sql"]
ChartType = Literal["bar", "line", "area", "scatter", "pie", "heatmap"]
CHART_TYPES: tuple[str, ...] = ("bar", "line", "area", "scatter", "pie", "heatmap")
CELL_FIELDS = ("kind", "body", "chart_type", "x", "y", "color", "title")


@dataclass(frozen=True)
class NotebookInfo:
    id: int
    name: str
    description: str
    version: int


@dataclass(frozen=True)
class Cell:
    id: int
    notebook_id: int
    position: int
    kind: str
    body: str
    chart_type: str | None
    x: str | None
    y: str | None
    color: str | None
    title: str | None
    version: int

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CELL_FIELDS}


class NotebookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: RequiredText = Field(max_length=100)
    description: str = Field(default="", max_length=2000)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> Any:
        return clean_text(value, required=False, multiline=True) or ""


class CellIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: CellKind
    body: str = Field(default="", max_length=20_000)
    chart_type: Annotated[ChartType | None, BeforeValidator(optional_text)] = None
    x: OptionalText = Field(default=None, max_length=63)
    y: OptionalText = Field(default=None, max_length=63)
    color: OptionalText = Field(default=None, max_length=63)
    title: OptionalText = Field(default=None, max_length=200)

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: object) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character (remove it and try again)")
        return value



def valid_cell(values: dict[str, Any]) -> CellIn:
    """The cell's fields checked: types and lengths, then that a chart names its columns."""
    cell = validate(CellIn, values)
    if cell.chart_type is not None:
        if cell.kind != "sql":
            raise ValidationFailed("only a SQL cell can have a chart")
        if not cell.x or not cell.y:
            raise ValidationFailed(f"a {cell.chart_type} chart needs an x column and a y column")
        if cell.chart_type == "heatmap" and not cell.color:
            raise ValidationFailed("a heatmap needs a colour (value) column besides x and y")
    return cell


_NOTEBOOK_COLS = "id, name, description, version"
_CELL_COLS = "id, notebook_id, position, kind, body, chart_type, x, y, color, title, version"


def list_notebooks(conn: Connection) -> pd.DataFrame:
    """Every notebook with its number of cells, by name."""
    return pd.read_sql(sa.text("""
        select n.id, n.name, n.description, count(c.id)::integer as cells, n.updated_at
        from notebooks n left join notebook_cells c on c.notebook_id = n.id
        group by n.id order by lower(n.name), n.id
    """), conn)


def get_notebook(conn: Connection, notebook_id: int) -> NotebookInfo:
    row = conn.execute(sa.text(f"select {_NOTEBOOK_COLS} from notebooks where id = :id"),  # noqa: S608
                       {"id": notebook_id}).mappings().first()
    if row is None:
        raise NotFound(f"there is no notebook with id {notebook_id} (it may have been deleted)")
    return NotebookInfo(**row)


def notebook_by_name(conn: Connection, name: str) -> NotebookInfo | None:
    row = conn.execute(sa.text(f"select {_NOTEBOOK_COLS} from notebooks where name = :name"),  # noqa: S608
                       {"name": name}).mappings().first()
    return NotebookInfo(**row) if row else None


def notebook_cells(conn: Connection, notebook_id: int) -> list[Cell]:
    """The notebook's cells, top to bottom."""
    rows = conn.execute(
        sa.text(f"select {_CELL_COLS} from notebook_cells where notebook_id = :id "  # noqa: S608
                "order by position, id"), {"id": notebook_id}).mappings().all()
    return [Cell(**row) for row in rows]


def get_cell(conn: Connection, cell_id: int, *, lock: bool = False) -> Cell:
    sql = f"select {_CELL_COLS} from notebook_cells where id = :id"  # noqa: S608
    row = conn.execute(sa.text(sql + (" for update" if lock else "")),
                       {"id": cell_id}).mappings().first()
    if row is None:
        raise NotFound(f"there is no notebook cell with id {cell_id} (it may have been deleted)")
    return Cell(**row)


# ---- edits (editor or admin; each audited) ------------------------------------------------


def create_notebook(conn: Connection, actor: StaffUser, *, name: str, description: str = "") -> int:
    """A new, empty notebook; its name must be new."""
    data = validate(NotebookIn, {"name": name, "description": description})
    with write_block(conn, actor, "editor"):
        _refuse_taken_name(conn, data.name)
        notebook_id = int(conn.execute(sa.text(
            "insert into notebooks (name, description, created_by) values (:name, :description, "
            ":by) returning id"), data.model_dump() | {"by": actor.username}).scalar_one())
        audit.record(conn, actor, "create", "notebooks", notebook_id, None, data.model_dump())
    return notebook_id


def rename_notebook(conn: Connection, actor: StaffUser, notebook_id: int, *, name: str,
                    description: str | None = None) -> None:
    with write_block(conn, actor, "editor"):
        current = _lock_notebook(conn, notebook_id)
        data = validate(NotebookIn, {
            "name": name,
            "description": current.description if description is None else description,
        })
        if data.name != current.name:
            _refuse_taken_name(conn, data.name)
        old, new = changed_fields({"name": current.name, "description": current.description},
                                  data.model_dump())
        if not new:
            return
        conn.execute(sa.text("update notebooks set name = :name, description = :description "
                             "where id = :id"), data.model_dump() | {"id": notebook_id})
        audit.record(conn, actor, "update", "notebooks", notebook_id, old, new)


def delete_notebook(conn: Connection, actor: StaffUser, notebook_id: int) -> None:
    """Delete a notebook and its cells (the audit log keeps what they held)."""
    with write_block(conn, actor, "editor"):
        current = _lock_notebook(conn, notebook_id)
        cells = notebook_cells(conn, notebook_id)
        conn.execute(sa.text("delete from notebooks where id = :id"), {"id": notebook_id})
        audit.record(conn, actor, "delete", "notebooks", notebook_id,
                     {"name": current.name, "description": current.description,
                      "cells": [cell.values() for cell in cells]}, None)


def add_cell(conn: Connection, actor: StaffUser, notebook_id: int, *, kind: str, body: str = "",
             chart_type: str | None = None, x: str | None = None, y: str | None = None,
             color: str | None = None, title: str | None = None,
             position: int | None = None) -> int:
    """Add a cell at `position` (0 = top; None = at the end); later cells move down one."""
    data = valid_cell({"kind": kind, "body": body, "chart_type": chart_type, "x": x,
                             "y": y, "color": color, "title": title})
    with write_block(conn, actor, "editor"):
        _lock_notebook(conn, notebook_id)
        count = len(notebook_cells(conn, notebook_id))
        at = count if position is None else max(0, min(int(position), count))
        conn.execute(sa.text("update notebook_cells set position = position + 1 "
                             "where notebook_id = :nb and position >= :at"),
                     {"nb": notebook_id, "at": at})
        cell_id = int(conn.execute(sa.text(
            "insert into notebook_cells (notebook_id, position, kind, body, chart_type, x, y, "
            "color, title) values (:nb, :at, :kind, :body, :chart_type, :x, :y, :color, :title) "
            "returning id"), data.model_dump() | {"nb": notebook_id, "at": at}).scalar_one())
        _touch(conn, notebook_id)
        audit.record(conn, actor, "create", "notebook_cells", cell_id, None,
                     data.model_dump() | {"notebook_id": notebook_id, "position": at})
    return cell_id


def edit_cell(conn: Connection, actor: StaffUser, cell_id: int, *,
              expected_version: int | None = None, **changes: Any) -> None:
    """Change some of a cell's fields; with `expected_version`, refuse a stale save."""
    unknown = set(changes) - set(CELL_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown cell field(s): {', '.join(sorted(unknown))}")
    with write_block(conn, actor, "editor"):
        current = get_cell(conn, cell_id, lock=True)
        if expected_version is not None and current.version != expected_version:
            raise Conflict("somebody else saved this cell while you were editing it; "
                           "reload the notebook to see their version, then edit again")
        data = valid_cell(current.values() | changes)
        old, new = changed_fields(current.values(), data.model_dump())
        if not new:
            return
        conn.execute(sa.text(
            "update notebook_cells set kind = :kind, body = :body, chart_type = :chart_type, "
            "x = :x, y = :y, color = :color, title = :title where id = :id"),
            data.model_dump() | {"id": cell_id})
        _touch(conn, current.notebook_id)
        audit.record(conn, actor, "update", "notebook_cells", cell_id, old, new)


def move_cell(conn: Connection, actor: StaffUser, cell_id: int, *, offset: int) -> None:
    """Move a cell up (offset < 0) or down (offset > 0); clamped at the top and the bottom."""
    with write_block(conn, actor, "editor"):
        cell = get_cell(conn, cell_id, lock=True)
        _lock_notebook(conn, cell.notebook_id)
        order = [c.id for c in notebook_cells(conn, cell.notebook_id)]
        old_at = order.index(cell_id)
        new_at = max(0, min(old_at + int(offset), len(order) - 1))
        if new_at == old_at:
            return
        order.insert(new_at, order.pop(old_at))
        _renumber(conn, order)
        _touch(conn, cell.notebook_id)
        audit.record(conn, actor, "move", "notebook_cells", cell_id,
                     {"position": old_at}, {"position": new_at})


def delete_cell(conn: Connection, actor: StaffUser, cell_id: int) -> None:
    with write_block(conn, actor, "editor"):
        cell = get_cell(conn, cell_id, lock=True)
        _lock_notebook(conn, cell.notebook_id)
        conn.execute(sa.text("delete from notebook_cells where id = :id"), {"id": cell_id})
        _renumber(conn, [c.id for c in notebook_cells(conn, cell.notebook_id)])
        _touch(conn, cell.notebook_id)
        audit.record(conn, actor, "delete", "notebook_cells", cell_id,
                     cell.values() | {"notebook_id": cell.notebook_id,
                                      "position": cell.position}, None)


def _lock_notebook(conn: Connection, notebook_id: int) -> NotebookInfo:
    """The notebook, locked so concurrent edits of its cell order queue up."""
    row = conn.execute(sa.text(f"select {_NOTEBOOK_COLS} from notebooks where id = :id "  # noqa: S608
                               "for update"), {"id": notebook_id}).mappings().first()
    if row is None:
        raise NotFound(f"there is no notebook with id {notebook_id} (it may have been deleted)")
    return NotebookInfo(**row)


def _refuse_taken_name(conn: Connection, name: str) -> None:
    if notebook_by_name(conn, name) is not None:
        raise Conflict(f"a notebook named {name!r} already exists; choose another name")


def _renumber(conn: Connection, order: list[int]) -> None:
    """Positions 0..n-1 in this order (the unique position check is deferred to commit)."""
    if order:
        conn.execute(sa.text("update notebook_cells set position = :pos where id = :id"),
                     [{"pos": pos, "id": cell_id} for pos, cell_id in enumerate(order)])


def _touch(conn: Connection, notebook_id: int) -> None:
    conn.execute(sa.text("update notebooks set updated_at = now() where id = :id"),
                 {"id": notebook_id})
