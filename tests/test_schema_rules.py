"""The database itself refuses what spec/DOMAIN.md forbids, whoever writes the row.

Each test attacks one rule with plain SQL (as any SQL client could) and expects PostgreSQL to
refuse it, naming the constraint that did; a savepoint keeps the rest of the test usable.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.factories import (
    make_category,
    make_item,
    make_loan,
    make_location,
    make_maintenance,
    make_member,
)

T0 = datetime.fromisoformat("2024-05-01T10:00:00+00:00")


def refused(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> str:
    """Run `sql` in a savepoint, expect the database to refuse it; return the error text."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(sa.text(sql), params or {})
    except (IntegrityError, DBAPIError) as exc:
        savepoint.rollback()
        return str(exc.orig)
    savepoint.rollback()
    pytest.fail(f"the database accepted: {sql} {params}")


def count(conn: Connection, table: str) -> int:
    return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


# --- locations and categories ---------------------------------------------------------------

def test_two_locations_cannot_share_a_name(conn: Connection) -> None:
    make_location(conn, name="Main library")
    assert "locations_name_unique" in refused(conn, "insert into locations (name) values ('Main library')")


@pytest.mark.parametrize("name", ["", "   "])
def test_a_location_needs_a_name(conn: Connection, name: str) -> None:
    assert "locations_name_not_blank" in refused(conn, "insert into locations (name) values (:n)", {"n": name})


def test_sibling_categories_cannot_share_a_name_even_at_the_top(conn: Connection) -> None:
    make_category(conn, name="Garden")
    assert "categories_parent_name_unique" in refused(
        conn, "insert into categories (name) values ('Garden')")
    top = make_category(conn, name="Power tools")
    make_category(conn, name="Drills", parent_id=top)
    assert "categories_parent_name_unique" in refused(
        conn, "insert into categories (name, parent_id) values ('Drills', :p)", {"p": top})
    other = make_category(conn, name="Hand tools")
    make_category(conn, name="Drills", parent_id=other)  # same name, other parent: fine


def test_a_category_cannot_be_its_own_parent(conn: Connection) -> None:
    cat = make_category(conn, name="Loop")
    assert "categories_not_own_parent" in refused(
        conn, "update categories set parent_id = id where id = :id", {"id": cat})


def test_category_paths_read_from_the_top(conn: Connection) -> None:
    top = make_category(conn, name="Power tools")
    drills = make_category(conn, name="Drills", parent_id=top)
    path = conn.execute(sa.text("select path from category_paths where category_id = :id"),
                        {"id": drills}).scalar_one()
    assert path == "Power tools / Drills"


# --- items ----------------------------------------------------------------------------------

def test_item_codes_are_unique_and_not_blank(conn: Connection) -> None:
    make_item(conn, code="PT-0001")
    second = make_item(conn)
    assert "items_code_unique" in refused(
        conn, "update items set code = 'PT-0001' where id = :id", {"id": second})
    assert "items_code_not_blank" in refused(
        conn, "update items set code = ' ' where id = :id", {"id": second})


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("condition", "excellent", "items_condition_known"),
        ("status", "lost", "items_status_known"),
        ("replacement_value", -0.01, "items_value_not_negative"),
    ],
)
def test_item_fields_only_take_known_values(
    conn: Connection, column: str, value: object, constraint: str
) -> None:
    item = make_item(conn)
    assert constraint in refused(conn, f"update items set {column} = :v where id = :id",
                                 {"v": value, "id": item})


def test_an_item_is_retired_exactly_when_it_has_a_retirement_date(conn: Connection) -> None:
    item = make_item(conn, acquired_on=date(2022, 1, 1))
    assert "items_retired_iff_dated" in refused(
        conn, "update items set status = 'retired' where id = :id", {"id": item})
    assert "items_retired_iff_dated" in refused(
        conn, "update items set retired_on = '2023-01-01' where id = :id", {"id": item})
    conn.execute(sa.text("update items set status = 'retired', retired_on = '2023-01-01' where id = :id"),
                 {"id": item})


def test_an_item_cannot_be_retired_before_it_was_acquired(conn: Connection) -> None:
    item = make_item(conn, acquired_on=date(2022, 6, 1))
    assert "items_retired_after_acquired" in refused(
        conn, "update items set status = 'retired', retired_on = '2022-05-31' where id = :id",
        {"id": item})


def test_every_update_bumps_the_item_version(conn: Connection) -> None:
    item = make_item(conn)
    conn.execute(sa.text("update items set name = 'Renamed' where id = :id"), {"id": item})
    conn.execute(sa.text("update items set version = 1 where id = :id"), {"id": item})
    version = conn.execute(sa.text("select version from items where id = :id"), {"id": item}).scalar_one()
    assert version == 3  # 1 at insert, +1 per update, whatever the writer set


def test_an_item_with_loans_cannot_be_deleted(conn: Connection) -> None:
    loan = make_loan(conn, loaned_at=T0, returned_at=T0 + timedelta(days=2))
    item = conn.execute(sa.text("select item_id from loans where id = :id"), {"id": loan}).scalar_one()
    assert "loans_item_id_fkey" in refused(conn, "delete from items where id = :id", {"id": item})


def test_an_item_on_loan_cannot_be_retired(conn: Connection) -> None:
    loan = make_loan(conn, loaned_at=T0)
    item = conn.execute(sa.text("select item_id from loans where id = :id"), {"id": loan}).scalar_one()
    assert "on loan" in refused(
        conn, "update items set status = 'retired', retired_on = current_date where id = :id",
        {"id": item})


def test_a_category_or_location_in_use_cannot_be_deleted(conn: Connection) -> None:
    cat, loc = make_category(conn), make_location(conn)
    make_item(conn, category_id=cat, location_id=loc)
    assert "items_category_id_fkey" in refused(conn, "delete from categories where id = :id", {"id": cat})
    assert "items_location_id_fkey" in refused(conn, "delete from locations where id = :id", {"id": loc})


# --- members --------------------------------------------------------------------------------

def test_member_numbers_are_unique(conn: Connection) -> None:
    make_member(conn, member_no="M-1")
    assert "members_member_no_unique" in refused(
        conn, "insert into members (member_no, name) values ('M-1', 'Somebody else')")


def test_member_status_is_active_suspended_or_left(conn: Connection) -> None:
    member = make_member(conn)
    assert "members_status_known" in refused(
        conn, "update members set status = 'banned' where id = :id", {"id": member})


def test_a_member_with_loans_cannot_be_deleted(conn: Connection) -> None:
    loan = make_loan(conn, loaned_at=T0, returned_at=T0 + timedelta(days=1))
    member = conn.execute(sa.text("select member_id from loans where id = :id"), {"id": loan}).scalar_one()
    assert "loans_member_id_fkey" in refused(conn, "delete from members where id = :id", {"id": member})


# --- loans ----------------------------------------------------------------------------------

def test_a_loan_is_due_after_it_starts(conn: Connection) -> None:
    item, member = make_item(conn), make_member(conn)
    assert "loans_due_after_loaned" in refused(
        conn, "insert into loans (item_id, member_id, loaned_at, due_at) values (:i, :m, :t, :t)",
        {"i": item, "m": member, "t": T0})


def test_a_loan_cannot_be_returned_before_it_started(conn: Connection) -> None:
    loan = make_loan(conn, loaned_at=T0)
    assert "loans_returned_after_loaned" in refused(
        conn, "update loans set returned_at = :t where id = :id",
        {"t": T0 - timedelta(minutes=1), "id": loan})


def test_renewals_are_never_negative(conn: Connection) -> None:
    loan = make_loan(conn, loaned_at=T0)
    assert "loans_renewals_not_negative" in refused(
        conn, "update loans set renewals = -1 where id = :id", {"id": loan})


def test_an_item_cannot_be_out_twice(conn: Connection) -> None:
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=T0)
    assert "loans_no_overlap" in refused(
        conn, "insert into loans (item_id, member_id, loaned_at, due_at) values (:i, :m, :t, :d)",
        {"i": item, "m": make_member(conn), "t": T0 + timedelta(days=3), "d": T0 + timedelta(days=9)})


def test_two_returned_loans_of_one_item_cannot_overlap(conn: Connection) -> None:
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=T0, returned_at=T0 + timedelta(days=5))
    assert "loans_no_overlap" in refused(
        conn,
        "insert into loans (item_id, member_id, loaned_at, due_at, returned_at) "
        "values (:i, :m, :t, :d, :r)",
        {"i": item, "m": make_member(conn), "t": T0 - timedelta(days=2),
         "d": T0 + timedelta(days=5), "r": T0 + timedelta(hours=1)})


def test_a_loan_may_start_the_moment_the_previous_one_ended(conn: Connection) -> None:
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=T0, returned_at=T0 + timedelta(days=2))
    make_loan(conn, item_id=item, loaned_at=T0 + timedelta(days=2))
    assert count(conn, "loans") >= 2


def test_other_items_can_be_out_at_the_same_time(conn: Connection) -> None:
    member = make_member(conn)
    first = make_loan(conn, member_id=member, loaned_at=T0)
    second = make_loan(conn, member_id=member, loaned_at=T0)
    assert first != second


@pytest.mark.parametrize("status", ["retired", "missing", "maintenance"])
def test_an_item_that_is_not_lendable_cannot_be_checked_out(conn: Connection, status: str) -> None:
    retired_on = date(2024, 1, 1) if status == "retired" else None
    item = make_item(conn, status=status, retired_on=retired_on)
    error = refused(
        conn, "insert into loans (item_id, member_id, loaned_at, due_at) values (:i, :m, :t, :d)",
        {"i": item, "m": make_member(conn), "t": T0, "d": T0 + timedelta(days=7)})
    assert "cannot be lent" in error and status in error


@pytest.mark.parametrize("status", ["suspended", "left"])
def test_a_member_who_is_not_active_cannot_borrow(conn: Connection, status: str) -> None:
    member = make_member(conn, status=status)
    error = refused(
        conn, "insert into loans (item_id, member_id, loaned_at, due_at) values (:i, :m, :t, :d)",
        {"i": make_item(conn), "m": member, "t": T0, "d": T0 + timedelta(days=7)})
    assert "cannot borrow" in error


def test_history_of_a_since_retired_item_can_still_be_recorded(conn: Connection) -> None:
    """Imports of past loans: a returned loan is a record, whatever the item's state today."""
    item = make_item(conn, status="retired", acquired_on=date(2020, 1, 1), retired_on=date(2024, 12, 1))
    make_loan(conn, item_id=item, loaned_at=T0, returned_at=T0 + timedelta(days=3))
    assert count(conn, "loans") >= 1


# --- maintenance ----------------------------------------------------------------------------

def test_maintenance_ends_after_it_starts_and_costs_are_not_negative(conn: Connection) -> None:
    row = make_maintenance(conn, started_on=date(2024, 3, 10))
    assert "maintenance_ended_after_started" in refused(
        conn, "update maintenance set ended_on = '2024-03-09' where id = :id", {"id": row})
    assert "maintenance_cost_not_negative" in refused(
        conn, "update maintenance set cost = -5 where id = :id", {"id": row})


def test_an_item_with_maintenance_history_cannot_be_deleted(conn: Connection) -> None:
    row = make_maintenance(conn)
    item = conn.execute(sa.text("select item_id from maintenance where id = :id"), {"id": row}).scalar_one()
    assert "maintenance_item_id_fkey" in refused(conn, "delete from items where id = :id", {"id": item})


def test_a_row_with_only_the_contract_columns_is_valid(conn: Connection) -> None:
    """Any SQL client writing just the DOMAIN.md columns gets a valid row (defaults fill the rest)."""
    loc = conn.execute(sa.text("insert into locations (name) values ('Shed') returning id")).scalar_one()
    cat = conn.execute(sa.text("insert into categories (name, parent_id) values ('Tents', null) returning id")).scalar_one()
    item = conn.execute(sa.text(
        "insert into items (code, name, category_id, location_id, condition, status, "
        "replacement_value, acquired_on, retired_on, version) "
        "values ('TENT-1', 'Tent', :c, :l, 'good', 'active', 120.00, '2023-04-01', null, 1) returning id"),
        {"c": cat, "l": loc}).scalar_one()
    member = conn.execute(sa.text(
        "insert into members (member_no, name, email, postcode, joined_on, status) "
        "values ('M-77', 'Ada', null, null, '2023-01-01', 'active') returning id")).scalar_one()
    conn.execute(sa.text(
        "insert into loans (item_id, member_id, loaned_at, due_at, returned_at, renewals) "
        "values (:i, :m, :t, :d, null, 0)"), {"i": item, "m": member, "t": T0, "d": T0 + timedelta(days=7)})
    conn.execute(sa.text(
        "insert into maintenance (item_id, started_on, ended_on, kind, cost) "
        "values (:i, '2024-06-01', '2024-06-03', 'service', 15.50)"), {"i": item})
    assert count(conn, "loans") >= 1
