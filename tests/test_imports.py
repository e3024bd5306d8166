"""CSV import: mapping, presets, a dry run with problems by row number, create vs update,
all-or-nothing apply with progress and one audit batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, scalar, small_library, snapshot
from toolshare_core import imports
from toolshare_core.errors import ValidationFailed

ITEMS_CSV = """code,name,category,location,condition,replacement_value,acquired_on,brand
D-001,Cordless drill (updated),Power tools / Drills,Shed,fair,120.00,2021-05-01,Makita
N-001,Wheelbarrow,Ladders,Hall,good,"1,250.00",2023-04-05,
N-002,Jigsaw,drills,shed,new,£75,2024-01-10,Bosch
"""

MYTURN_CSV = """Item ID,Item Name,Category,Location,Condition,Replacement Value,Date Acquired,Manufacturer,Extra
MT-1,Pressure washer,Ladders,Hall,Good,$199.99,2022-07-01,Kärcher,ignored
"""


def _map(frame, kind="items", preset=None):
    return imports.suggest_mapping(kind, list(frame.columns), preset)


def test_a_dry_run_says_create_or_update_for_each_row_and_writes_nothing(conn):
    small_library(conn)
    frame = imports.read_csv(ITEMS_CSV.encode())
    before = snapshot(conn)
    plan = imports.dry_run(conn, "items", frame, _map(frame))
    assert snapshot(conn) == before
    assert plan.ok
    summary = plan.summary()
    assert summary[["row", "key", "action"]].values.tolist() == [
        [2, "D-001", "update"], [3, "N-001", "create"], [4, "N-002", "create"]]
    changes = summary.loc[0, "changes"]
    assert "name: Cordless drill (updated)" in changes and "condition: fair" in changes
    assert "brand: Makita" in changes and "acquired_on" not in changes  # unchanged fields are not listed


def test_apply_imports_every_row_with_one_audit_batch_and_progress(conn):
    lib = small_library(conn)
    frame = imports.read_csv(ITEMS_CSV.encode())
    seen = []
    result = imports.apply_import(conn, EDITOR, "items", frame, _map(frame),
                                  progress=lambda done, total: seen.append((done, total)))
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert seen[-1] == (3, 3)
    rows = {r.code: r for r in conn.execute(sa.text(
        "select code, name, category_id, location_id, condition, replacement_value, acquired_on, brand "
        "from items"))}
    assert rows["D-001"].name == "Cordless drill (updated)" and rows["D-001"].brand == "Makita"
    assert rows["N-001"].replacement_value == Decimal("1250.00")
    assert (rows["N-002"].category_id, rows["N-002"].location_id) == (lib.drills, lib.shed)
    assert rows["N-002"].replacement_value == Decimal("75") and rows["N-002"].acquired_on == date(2024, 1, 10)
    entries = conn.execute(sa.text("select action, batch_id from audit_log order by id")).all()
    assert [e.action for e in entries] == ["import"] * 3
    assert {e.batch_id for e in entries} == {result.batch_id}


def test_problems_are_listed_by_row_number_and_nothing_is_imported(conn):
    small_library(conn)
    bad = (
        "code,name,category,location,condition,replacement_value,acquired_on\n"
        "N-010,Saw,Ladders,Hall,good,10,2024-01-01\n"          # row 2: fine
        ",No code,Ladders,Hall,good,10,2024-01-01\n"            # row 3: blank code
        "N-011,Sander,Gardening,Hall,good,10,2024-01-01\n"      # row 4: unknown category
        "N-012,Planer,Ladders,Attic,good,10,2024-01-01\n"       # row 5: unknown location
        "N-013,Router,Ladders,Hall,shiny,-3,2024-31-01\n"       # row 6: three problems
        "N-010,Saw again,Ladders,Hall,good,10,2024-01-01\n"     # row 7: duplicate in file
        "N-014,,Ladders,Hall,good,abc,2024-01-01\n"             # row 8: blank name, not a number
    )
    frame = imports.read_csv(bad)
    before = snapshot(conn)
    plan = imports.dry_run(conn, "items", frame, _map(frame))
    assert not plan.ok
    problems = plan.problems()
    by_row = problems.groupby("row")["problem"].apply(list).to_dict()
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert by_row[3] == ["code: is required"]
    assert by_row[4] == ["there is no category Gardening (add it under Edit inventory first)"]
    assert by_row[5] == ["there is no location named Attic (add it first)"]
    assert any("condition: must be one of" in p for p in by_row[6])
    assert "replacement value: must be 0 or more" in by_row[6]
    assert "acquired on: is not a date (use YYYY-MM-DD)" in by_row[6]
    assert by_row[7] == ["code N-010 appears again (first on row 2)"]
    assert by_row[8] == ["name: is required", "replacement value: is not a number"]
    with pytest.raises(ValidationFailed, match=r"6 rows have problems \(first: row 3: .*nothing was imported"):
        imports.apply_import(conn, EDITOR, "items", frame, _map(frame))
    assert snapshot(conn) == before


def test_the_myturn_preset_maps_its_headers_and_ignores_unknown_columns(conn):
    small_library(conn)
    frame = imports.read_csv(MYTURN_CSV.encode())
    mapping = _map(frame, preset="myTurn item export (unverified)")
    assert mapping["Item ID"] == "code" and mapping["Manufacturer"] == "brand"
    assert mapping["Extra"] is None
    imports.apply_import(conn, EDITOR, "items", frame, mapping)
    row = conn.execute(sa.text("select name, condition, replacement_value, brand from items where code = 'MT-1'")).one()
    assert tuple(row) == ("Pressure washer", "good", Decimal("199.99"), "Kärcher")
    assert not imports.PRESETS["myTurn item export (unverified)"].verified


def test_members_import_joins_first_and_last_names_and_updates_by_member_number(conn):
    small_library(conn)
    csv_text = ("Member ID,First Name,Last Name,Email,Zip,Status\n"
                "M-100,Anna,Example-Smith,anna@example.org,ab1 2cd,active\n"
                "M-200,Åsa,Öberg,,,suspended\n")
    frame = imports.read_csv(csv_text.encode("utf-8-sig"))
    mapping = _map(frame, "members", "myTurn member export (unverified)")
    plan = imports.dry_run(conn, "members", frame, mapping)
    assert [(r.key, r.action) for r in plan.rows] == [("M-100", "update"), ("M-200", "create")]
    imports.apply_import(conn, EDITOR, "members", frame, mapping)
    rows = {r.member_no: r for r in conn.execute(sa.text("select member_no, name, email, postcode, status from members"))}
    assert rows["M-100"].name == "Anna Example-Smith" and rows["M-100"].postcode == "AB1 2CD"
    assert (rows["M-200"].name, rows["M-200"].status) == ("Åsa Öberg", "suspended")


def test_a_mapping_without_the_key_or_with_unknown_fields_is_refused(conn):
    frame = imports.read_csv("name,colour\nSaw,red\n")
    with pytest.raises(ValidationFailed, match="map a column to code"):
        imports.dry_run(conn, "items", frame, {"name": "name", "colour": None})
    with pytest.raises(ValidationFailed, match="column colour: colour is not a field of items"):
        imports.dry_run(conn, "items", frame, {"name": "code", "colour": "colour"})


def test_a_reimport_of_the_same_file_changes_nothing(conn):
    small_library(conn)
    frame = imports.read_csv(ITEMS_CSV.encode())
    imports.apply_import(conn, EDITOR, "items", frame, _map(frame))
    versions = scalar(conn, "select sum(version) from items")
    again = imports.apply_import(conn, EDITOR, "items", frame, _map(frame))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert scalar(conn, "select sum(version) from items") == versions


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"code,name\n", "the file has a header but no rows"),
])
def test_empty_files_are_refused(conn, data, message):
    with pytest.raises(ValidationFailed, match=message):
        frame = imports.read_csv(data)
        imports.dry_run(conn, "items", frame, {"code": "code", "name": "name"})


def test_an_empty_cell_leaves_that_field_as_it_is_on_update(conn):
    lib = small_library(conn)
    frame = imports.read_csv("code,name,location,brand\nD-001,,Hall,\n")
    result = imports.apply_import(conn, EDITOR, "items", frame, _map(frame))
    assert (result.created, result.updated) == (0, 1)
    row = conn.execute(sa.text("select name, location_id, brand from items where code = 'D-001'")).one()
    assert tuple(row) == ("Cordless drill", lib.hall, None)
