"""Bulk edit: preview old -> new, apply all-or-nothing with one audit entry per field, undo."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, scalar, small_library, snapshot
from tests.factories import make_item
from toolshare_core import bulk_edit, inventory
from toolshare_core.errors import Conflict, NotFound, ValidationFailed


def _items(conn):
    return {r.code: r for r in conn.execute(sa.text(
        "select code, name, location_id, condition, replacement_value, version from items"))}


def test_the_preview_lists_every_changed_cell_from_the_editors_state(conn):
    small_library(conn)
    frame = bulk_edit.editable_items(conn)
    assert frame["code"].tolist() == ["D-001", "L-001"]
    # st.data_editor reports edits by row position
    changes = bulk_edit.preview_from_editor(frame, {
        0: {"location": "Hall", "condition": "fair"},
        1: {"replacement_value": 100.0, "notes": "  "},  # same value, blank stays blank
    })
    assert changes[["code", "field", "old", "new"]].values.tolist() == [
        ["D-001", "location", "Shed", "Hall"],
        ["D-001", "condition", "good", "fair"],
    ]


def test_apply_writes_one_audit_entry_per_changed_field_under_one_batch(conn):
    lib = small_library(conn)
    frame = bulk_edit.editable_items(conn)
    edited = frame.copy()
    edited.loc[edited["code"] == "D-001", ["location", "condition"]] = ["Hall", "fair"]
    edited.loc[edited["code"] == "L-001", "replacement_value"] = 80.5
    result = bulk_edit.apply_changes(conn, EDITOR, bulk_edit.preview(frame, edited))
    assert (result.items_changed, result.fields_changed) == (2, 3)
    items = _items(conn)
    assert (items["D-001"].location_id, items["D-001"].condition) == (lib.hall, "fair")
    assert items["L-001"].replacement_value == Decimal("80.50")
    entries = conn.execute(sa.text("select row_id, old_values, new_values, batch_id from audit_log "
                                   "where action = 'bulk_edit' order by id")).all()
    assert len(entries) == 3 and {e.batch_id for e in entries} == {result.batch_id}
    assert [(e.old_values, e.new_values) for e in entries] == [
        ({"location_id": lib.shed}, {"location_id": lib.hall}),
        ({"condition": "good"}, {"condition": "fair"}),
        ({"replacement_value": "100.00"}, {"replacement_value": "80.5"}),
    ]


def test_undo_puts_every_old_value_back_as_a_new_batch(conn):
    small_library(conn)
    before = _items(conn)
    frame = bulk_edit.editable_items(conn)
    edited = frame.assign(condition="poor", location="Hall")
    done = bulk_edit.apply_changes(conn, EDITOR, bulk_edit.preview(frame, edited))
    undone = bulk_edit.undo_batch(conn, EDITOR, done.batch_id)
    after = _items(conn)
    for code, row in before.items():
        assert (after[code].condition, after[code].location_id, after[code].replacement_value) == (
            row.condition, row.location_id, row.replacement_value)
    assert undone.batch_id != done.batch_id and undone.fields_changed == 3  # L-001 was already in Hall
    assert scalar(conn, "select count(*) from audit_log where batch_id = :b", b=undone.batch_id) == 3
    with pytest.raises(Conflict, match="already undone"):
        bulk_edit.undo_batch(conn, EDITOR, done.batch_id)


def test_undo_is_refused_when_someone_changed_a_field_again(conn):
    lib = small_library(conn)
    frame = bulk_edit.editable_items(conn)
    done = bulk_edit.apply_changes(conn, EDITOR, bulk_edit.preview(frame, frame.assign(condition="poor")))
    version = scalar(conn, "select version from items where id = :id", id=lib.drill)
    inventory.set_condition(conn, EDITOR, item_id=lib.drill, condition="broken", expected_version=version)
    before = snapshot(conn)
    with pytest.raises(Conflict, match="item D-001: condition was changed again after this batch "
                                       r"\(now broken\); nothing was undone"):
        bulk_edit.undo_batch(conn, EDITOR, done.batch_id)
    assert snapshot(conn) == before


def test_a_stale_row_or_a_bad_value_refuses_the_whole_batch(conn):
    lib = small_library(conn)
    make_item(conn, code="Z-001", category_id=lib.ladders, location_id=lib.hall)
    frame = bulk_edit.editable_items(conn)
    conn.execute(sa.text("update items set name = 'renamed meanwhile' where id = :id"), {"id": lib.ladder})
    before = snapshot(conn)
    stale = bulk_edit.preview(frame, frame.assign(condition="fair"))
    with pytest.raises(Conflict, match="item L-001: Item L-001 was changed after you opened it"):
        bulk_edit.apply_changes(conn, EDITOR, stale)
    assert snapshot(conn) == before
    bad_value = bulk_edit.preview(frame, frame.assign(replacement_value=-5.0))
    with pytest.raises(ValidationFailed, match="item D-001: replacement value: must be 0 or more"):
        bulk_edit.apply_changes(conn, EDITOR, bad_value)
    unknown = bulk_edit.preview(frame, frame.assign(location="Attic"))
    with pytest.raises(NotFound, match="there is no location named Attic"):
        bulk_edit.apply_changes(conn, EDITOR, unknown)
    with pytest.raises(ValidationFailed, match="there are no changes"):
        bulk_edit.apply_changes(conn, EDITOR, bulk_edit.preview(frame, frame))
    assert snapshot(conn) == before


def test_undo_of_an_unknown_batch_says_so(conn):
    with pytest.raises(NotFound, match="there is no bulk edit with batch id"):
        bulk_edit.undo_batch(conn, EDITOR, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValidationFailed, match="is not a batch id"):
        bulk_edit.undo_batch(conn, EDITOR, "yesterday's batch")
