"""Inventory and member editing: add, edit, move, retire, categories, locations, stale saves."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, scalar, small_library, snapshot
from tests.factories import make_loan
from toolshare_core import inventory, members
from toolshare_core.errors import Conflict, NotFound, ValidationFailed
from toolshare_core.roles import StaffUser

BEA = StaffUser(id=None, username="bea", role="editor")
CAL = StaffUser(id=None, username="cal", role="editor")


def _audit(conn):
    return conn.execute(sa.text(
        "select actor_name, action, table_name, row_id, old_values, new_values from audit_log order by id"
    )).all()


def test_an_editor_adds_an_item_and_the_audit_log_says_who_and_what(conn):
    lib = small_library(conn)
    item_id = inventory.add_item(conn, EDITOR, code=" H-001 ", name="Hammer drill",
                                 category_id=lib.drills, location_id=lib.shed,
                                 replacement_value="149.90", acquired_on="2024-02-03", brand="Bosch")
    row = conn.execute(sa.text("select * from items where id = :id"), {"id": item_id}).mappings().one()
    assert (row["code"], row["status"], row["version"]) == ("H-001", "active", 1)
    assert row["replacement_value"] == Decimal("149.90") and row["acquired_on"] == date(2024, 2, 3)
    (entry,) = _audit(conn)
    assert entry.actor_name == "test editor" and entry.action == "create"
    assert entry.row_id == item_id and entry.old_values is None
    assert entry.new_values["code"] == "H-001" and entry.new_values["replacement_value"] == "149.90"


def test_editing_an_item_records_only_the_changed_fields(conn):
    lib = small_library(conn)
    version = inventory.edit_item(conn, EDITOR, item_id=lib.drill, expected_version=1,
                                  changes={"name": "Cordless drill 18V", "condition": "good",
                                           "location_id": lib.hall})
    assert version == 2
    (entry,) = _audit(conn)
    assert entry.old_values == {"name": "Cordless drill", "location_id": lib.shed}
    assert entry.new_values == {"name": "Cordless drill 18V", "location_id": lib.hall}


def test_moving_and_changing_condition_and_status(conn):
    lib = small_library(conn)
    v = inventory.move_item(conn, EDITOR, item_id=lib.drill, location_id=lib.hall, expected_version=1)
    v = inventory.set_condition(conn, EDITOR, item_id=lib.drill, condition="Poor", expected_version=v)
    v = inventory.set_status(conn, EDITOR, item_id=lib.drill, status="missing", expected_version=v)
    row = conn.execute(sa.text("select location_id, condition, status, version from items where id = :id"),
                       {"id": lib.drill}).one()
    assert tuple(row) == (lib.hall, "poor", "missing", 4) and v == 4


def test_the_second_of_two_editors_is_told_what_the_first_changed(conn):
    lib = small_library(conn)
    seen = inventory.get_item(conn, lib.drill)["version"]  # both open the form at version 1
    inventory.edit_item(conn, BEA, item_id=lib.drill, expected_version=seen,
                        changes={"location_id": lib.hall, "condition": "fair"})
    before = snapshot(conn)
    with pytest.raises(Conflict) as refused:
        inventory.edit_item(conn, CAL, item_id=lib.drill, expected_version=seen,
                            changes={"name": "Drill (Cal's edit)"})
    message = str(refused.value)
    assert "Item D-001 was changed after you opened it" in message
    assert "bea at" in message and "location: Shed -> Hall" in message
    assert "condition: good -> fair" in message and "Nothing was saved" in message
    assert snapshot(conn) == before


def test_retiring_asks_for_a_reason_and_a_date_and_refuses_an_item_on_loan(conn):
    lib = small_library(conn)
    make_loan(conn, item_id=lib.ladder, member_id=lib.anna, returned_at=None)
    before = snapshot(conn)
    with pytest.raises(Conflict, match="item L-001 is on loan to member M-100; check it in"):
        inventory.retire_item(conn, EDITOR, item_id=lib.ladder, reason="bent", retired_on=date(2024, 6, 1))
    with pytest.raises(ValidationFailed, match="reason: must not be blank"):
        inventory.retire_item(conn, EDITOR, item_id=lib.drill, reason="  ", retired_on=date(2024, 6, 1))
    with pytest.raises(ValidationFailed, match="before item D-001 was acquired"):
        inventory.retire_item(conn, EDITOR, item_id=lib.drill, reason="broken", retired_on=date(2021, 4, 30))
    assert snapshot(conn) == before
    inventory.retire_item(conn, EDITOR, item_id=lib.drill, reason="motor burnt out",
                          retired_on=date(2024, 6, 1))
    row = conn.execute(sa.text("select status, retired_on, retired_reason from items where id = :id"),
                       {"id": lib.drill}).one()
    assert tuple(row) == ("retired", date(2024, 6, 1), "motor burnt out")
    with pytest.raises(Conflict, match="already retired"):
        inventory.retire_item(conn, EDITOR, item_id=lib.drill, reason="x", retired_on=date(2024, 7, 1))


def test_status_changes_point_to_the_right_command(conn):
    lib = small_library(conn)
    with pytest.raises(ValidationFailed, match="use Retire"):
        inventory.set_status(conn, EDITOR, item_id=lib.drill, status="retired", expected_version=1)
    with pytest.raises(ValidationFailed, match="open a maintenance record"):
        inventory.set_status(conn, EDITOR, item_id=lib.drill, status="maintenance", expected_version=1)


def test_categories_have_two_levels_and_unique_names_per_level(conn):
    lib = small_library(conn)
    garden = inventory.add_category(conn, EDITOR, name="Garden", loan_period_days=10)
    mowers = inventory.add_category(conn, EDITOR, name="Mowers", parent_id=garden)
    path = scalar(conn, "select path from category_paths where category_id = :id", id=mowers)
    assert path == "Garden / Mowers"
    with pytest.raises(ValidationFailed, match="Mowers is already a sub-category; categories have two levels"):
        inventory.add_category(conn, EDITOR, name="Electric", parent_id=mowers)
    with pytest.raises(ValidationFailed, match="has sub-categories"):
        inventory.edit_category(conn, EDITOR, category_id=garden, name="Garden", parent_id=lib.ladders,
                                loan_period_days=10)
    with pytest.raises(Conflict, match="a top category named garden already exists"):
        inventory.add_category(conn, EDITOR, name="garden")
    # the same name under another parent is fine
    inventory.add_category(conn, EDITOR, name="Drills", parent_id=garden)
    inventory.edit_category(conn, EDITOR, category_id=mowers, name="Lawn mowers", parent_id=garden,
                            loan_period_days=5)
    assert scalar(conn, "select loan_period_days from categories where id = :id", id=mowers) == 5


def test_locations_are_added_renamed_and_unique(conn):
    small_library(conn)
    cellar = inventory.add_location(conn, EDITOR, name="Cellar", address="12 High St")
    with pytest.raises(Conflict, match="a location named shed already exists"):
        inventory.add_location(conn, EDITOR, name="shed")
    inventory.edit_location(conn, EDITOR, location_id=cellar, name="Basement", address=None)
    assert scalar(conn, "select name from locations where id = :id", id=cellar) == "Basement"
    assert inventory.list_locations(conn)["name"].tolist() == ["Basement", "Hall", "Shed"]


def test_members_are_added_and_edited_with_the_same_stale_save_protection(conn):
    member_id = members.add_member(conn, EDITOR, member_no="M-7", name="Zoë Łukasiewicz",
                                   email="zoe@example.org", postcode="ab1 2cd")
    row = members.get_member(conn, member_id)
    assert (row["name"], row["postcode"], row["status"]) == ("Zoë Łukasiewicz", "AB1 2CD", "active")
    members.edit_member(conn, BEA, member_id=member_id, expected_version=1, changes={"status": "suspended"})
    with pytest.raises(Conflict, match=r"Member M-7 was changed.*bea at .* status: active -> suspended"):
        members.edit_member(conn, CAL, member_id=member_id, expected_version=1, changes={"name": "Zoe"})
    entries = _audit(conn)
    assert [e.action for e in entries] == ["create", "edit"]


def test_unknown_ids_are_named_plainly(conn):
    lib = small_library(conn)
    with pytest.raises(NotFound, match="there is no item with id 999999"):
        inventory.edit_item(conn, EDITOR, item_id=999999, expected_version=1, changes={"name": "x"})
    with pytest.raises(NotFound, match="there is no location with id 424242"):
        inventory.move_item(conn, EDITOR, item_id=lib.drill, location_id=424242, expected_version=1)


def test_sql_and_html_in_text_fields_are_stored_as_plain_text(conn):
    lib = small_library(conn)
    nasty = "Drill'); drop table items; -- <script>alert(1)</script>"
    item_id = inventory.add_item(conn, EDITOR, code="X-1", name=nasty, category_id=lib.drills,
                                 location_id=lib.shed, notes="<b>bold</b> & \"quoted\"")
    assert scalar(conn, "select name from items where id = :id", id=item_id) == nasty
    assert scalar(conn, "select count(*) from items") == 3
    entry = conn.execute(sa.text("select new_values from audit_log")).scalar()
    assert entry["name"] == nasty and json.dumps(entry)
