"""Editors and admins shape notebooks; viewers only read and run them; every change is audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core import notebook
from toolshare_core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from toolshare_core.roles import StaffUser

EDITOR = StaffUser(id=None, username="erin", role="editor")
ADMIN = StaffUser(id=None, username="ada", role="admin")
VIEWER = StaffUser(id=None, username="vic", role="viewer")


def audit_rows(conn: Connection, table: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "select actor_name, action, row_id, old_values, new_values from audit_log "
        "where table_name = :t order by id"), {"t": table}).mappings().all()
    return [dict(r) for r in rows]


def bodies(conn: Connection, notebook_id: int) -> list[str]:
    return [c.body for c in notebook.notebook_cells(conn, notebook_id)]


@pytest.fixture
def book(conn: Connection) -> int:
    notebook_id = notebook.create_notebook(conn, EDITOR, name="Weekly questions")
    for body in ("# Notes", "select 1 as a", "select 2 as b"):
        kind = "markdown" if body.startswith("#") else "sql"
        notebook.add_cell(conn, EDITOR, notebook_id, kind=kind, body=body)
    return notebook_id


def test_an_editor_builds_a_notebook_and_each_step_is_in_the_audit_log(
    conn: Connection, book: int
) -> None:
    assert bodies(conn, book) == ["# Notes", "select 1 as a", "select 2 as b"]
    created = audit_rows(conn, "notebooks")
    assert created == [{"actor_name": "erin", "action": "create", "row_id": book,
                        "old_values": None,
                        "new_values": {"name": "Weekly questions", "description": ""}}]
    cells = audit_rows(conn, "notebook_cells")
    assert [c["action"] for c in cells] == ["create"] * 3
    assert cells[1]["new_values"]["body"] == "select 1 as a"
    assert cells[1]["new_values"]["position"] == 1


def test_an_editor_adds_a_cell_in_the_middle_and_the_rest_move_down(
    conn: Connection, book: int
) -> None:
    notebook.add_cell(conn, EDITOR, book, kind="sql", body="select 'middle'", position=1)
    assert bodies(conn, book) == ["# Notes", "select 'middle'", "select 1 as a", "select 2 as b"]
    assert [c.position for c in notebook.notebook_cells(conn, book)] == [0, 1, 2, 3]


def test_an_editor_edits_a_cell_and_the_audit_log_keeps_old_and_new(
    conn: Connection, book: int
) -> None:
    cell = notebook.notebook_cells(conn, book)[1]
    notebook.edit_cell(conn, EDITOR, cell.id, body="select 10 as ten", chart_type="bar",
                       x="ten", y="ten", title="Ten")
    edited = notebook.notebook_cells(conn, book)[1]
    assert (edited.body, edited.chart_type, edited.title) == ("select 10 as ten", "bar", "Ten")
    assert edited.version == cell.version + 1
    last = audit_rows(conn, "notebook_cells")[-1]
    assert last["action"] == "update"
    assert last["old_values"] == {"body": "select 1 as a", "chart_type": None, "x": None,
                                  "y": None, "title": None}
    assert last["new_values"] == {"body": "select 10 as ten", "chart_type": "bar", "x": "ten",
                                  "y": "ten", "title": "Ten"}


def test_saving_a_cell_somebody_else_changed_meanwhile_is_refused(
    conn: Connection, book: int
) -> None:
    cell = notebook.notebook_cells(conn, book)[1]
    notebook.edit_cell(conn, ADMIN, cell.id, body="select 'admin was here'")
    with pytest.raises(Conflict, match="somebody else saved this cell"):
        notebook.edit_cell(conn, EDITOR, cell.id, expected_version=cell.version,
                           body="select 'stale'")
    assert bodies(conn, book)[1] == "select 'admin was here'"


@pytest.mark.parametrize(("offset", "expected"), [
    (-1, ["select 1 as a", "# Notes", "select 2 as b"]),
    (1, ["# Notes", "select 2 as b", "select 1 as a"]),
    (-5, ["select 1 as a", "# Notes", "select 2 as b"]),
    (5, ["# Notes", "select 2 as b", "select 1 as a"]),
])
def test_an_editor_moves_a_cell_up_or_down(
    conn: Connection, book: int, offset: int, expected: list[str]
) -> None:
    cell = notebook.notebook_cells(conn, book)[1]
    notebook.move_cell(conn, EDITOR, cell.id, offset=offset)
    assert bodies(conn, book) == expected
    assert [c.position for c in notebook.notebook_cells(conn, book)] == [0, 1, 2]
    assert audit_rows(conn, "notebook_cells")[-1]["action"] == "move"


def test_moving_the_top_cell_up_changes_nothing(conn: Connection, book: int) -> None:
    top = notebook.notebook_cells(conn, book)[0]
    before = len(audit_rows(conn, "notebook_cells"))
    notebook.move_cell(conn, EDITOR, top.id, offset=-1)
    assert bodies(conn, book)[0] == "# Notes"
    assert len(audit_rows(conn, "notebook_cells")) == before


def test_an_editor_deletes_a_cell_and_the_others_close_the_gap(conn: Connection, book: int) -> None:
    cell = notebook.notebook_cells(conn, book)[1]
    notebook.delete_cell(conn, EDITOR, cell.id)
    assert bodies(conn, book) == ["# Notes", "select 2 as b"]
    assert [c.position for c in notebook.notebook_cells(conn, book)] == [0, 1]
    last = audit_rows(conn, "notebook_cells")[-1]
    assert (last["action"], last["old_values"]["body"]) == ("delete", "select 1 as a")


def test_an_editor_renames_a_notebook(conn: Connection, book: int) -> None:
    notebook.rename_notebook(conn, EDITOR, book, name="Monday questions")
    assert notebook.get_notebook(conn, book).name == "Monday questions"
    assert audit_rows(conn, "notebooks")[-1]["new_values"] == {"name": "Monday questions"}


def test_deleting_a_notebook_deletes_its_cells_and_the_audit_log_keeps_them(
    conn: Connection, book: int
) -> None:
    notebook.delete_notebook(conn, ADMIN, book)
    assert notebook.list_notebooks(conn).empty
    left = conn.execute(sa.text("select count(*) from notebook_cells")).scalar_one()
    assert left == 0
    entry = audit_rows(conn, "notebooks")[-1]
    assert entry["action"] == "delete"
    assert [c["body"] for c in entry["old_values"]["cells"]] == [
        "# Notes", "select 1 as a", "select 2 as b"]


def test_notebooks_are_listed_by_name_with_their_cell_counts(conn: Connection, book: int) -> None:
    notebook.create_notebook(conn, EDITOR, name="another")
    listed = notebook.list_notebooks(conn)
    assert listed["name"].tolist() == ["another", "Weekly questions"]
    assert listed["cells"].tolist() == [0, 3]


def state(conn: Connection) -> str:
    rows = conn.execute(sa.text(
        "select (select json_agg(n order by id) from notebooks n), "
        "(select json_agg(c order by id) from notebook_cells c), "
        "(select count(*) from audit_log)")).one()
    return json.dumps([list(r) if isinstance(r, list) else r for r in rows], default=str)


WRITES: dict[str, Callable[[Connection, StaffUser, int, int], object]] = {
    "create a notebook": lambda c, a, nb, cell: notebook.create_notebook(c, a, name="Mine"),
    "rename a notebook": lambda c, a, nb, cell: notebook.rename_notebook(c, a, nb, name="X"),
    "delete a notebook": lambda c, a, nb, cell: notebook.delete_notebook(c, a, nb),
    "add a cell": lambda c, a, nb, cell: notebook.add_cell(c, a, nb, kind="sql", body="select 1"),
    "edit a cell": lambda c, a, nb, cell: notebook.edit_cell(c, a, cell, body="select 3"),
    "move a cell": lambda c, a, nb, cell: notebook.move_cell(c, a, cell, offset=1),
    "delete a cell": lambda c, a, nb, cell: notebook.delete_cell(c, a, cell),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_a_viewer_may_not_change_notebooks(conn: Connection, book: int, write: str) -> None:
    cell = notebook.notebook_cells(conn, book)[1].id
    before = state(conn)
    with pytest.raises(PermissionDenied, match="vic is a viewer"):
        WRITES[write](conn, VIEWER, book, cell)
    assert state(conn) == before


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "name: must not be blank"),
    ({"name": "x" * 101}, "name: is too long"),
    ({"name": "Weekly questions"}, "a notebook named 'Weekly questions' already exists"),
])
def test_a_bad_notebook_name_is_refused(
    conn: Connection, book: int, change: dict[str, str], message: str
) -> None:
    before = state(conn)
    with pytest.raises((ValidationFailed, Conflict), match=message):
        notebook.create_notebook(conn, EDITOR, **change)
    assert state(conn) == before


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "python"}, "kind: must be one of"),
    ({"chart_type": "radar", "x": "a", "y": "a"}, "chart type: must be one of"),
    ({"chart_type": "bar"}, "needs an x column and a y column"),
    ({"chart_type": "heatmap", "x": "a", "y": "a"}, "a heatmap needs a colour"),
    ({"kind": "markdown", "chart_type": "bar", "x": "a", "y": "a"}, "only a SQL cell"),
    ({"body": "x" * 20_001}, "body: is too long"),
    ({"title": "t" * 201}, "title: is too long"),
    ({"colour": "a"}, "unknown cell field"),
])
def test_a_bad_cell_is_refused_and_nothing_changes(
    conn: Connection, book: int, change: dict[str, str], message: str
) -> None:
    cell = notebook.notebook_cells(conn, book)[1].id
    before = state(conn)
    with pytest.raises(ValidationFailed, match=message):
        notebook.edit_cell(conn, EDITOR, cell, **change)
    assert state(conn) == before


def test_editing_a_deleted_cell_says_it_is_gone(conn: Connection, book: int) -> None:
    with pytest.raises(NotFound, match="no notebook cell with id 999999"):
        notebook.edit_cell(conn, EDITOR, 999_999, body="select 1")
