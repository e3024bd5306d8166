"""The lending desk: check out, check in, renew, mark missing, maintenance; plain refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, scalar, small_library, snapshot
from tests.factories import make_loan, make_maintenance
from toolshare_core import loans, maintenance
from toolshare_core.errors import Conflict, NotFound, ValidationFailed
from toolshare_core.writes import translate_db_errors

MONDAY = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def _loan(conn, loan_id):
    return conn.execute(sa.text("select * from loans where id = :id"), {"id": loan_id}).mappings().one()


def test_check_out_defaults_the_due_date_to_the_categorys_loan_length(conn):
    lib = small_library(conn)
    loan_id = loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna, loaned_at=MONDAY)
    loan = _loan(conn, loan_id)
    # Drills lend for 3 days: due by the end of Thursday (library time zone UTC here)
    assert loan["due_at"] == datetime(2026, 3, 5, 23, 59, tzinfo=UTC)
    assert loan["loaned_at"] == MONDAY and loan["returned_at"] is None and loan["renewals"] == 0
    ladder_loan = loans.check_out(conn, EDITOR, item_id=lib.ladder, member_id=lib.anna, loaned_at=MONDAY)
    assert _loan(conn, ladder_loan)["due_at"] == datetime(2026, 3, 16, 23, 59, tzinfo=UTC)
    entry = conn.execute(sa.text("select action, new_values from audit_log where row_id = :id "
                                 "and table_name = 'loans'"), {"id": loan_id}).one()
    assert entry.action == "check_out" and entry.new_values["item_code"] == "D-001"


def test_a_chosen_due_date_means_the_end_of_that_day_in_the_library_time_zone(conn):
    conn.execute(sa.text("set local timezone = 'Europe/Berlin'"))  # as TOOLSHARE_TIMEZONE does
    lib = small_library(conn)
    loan_id = loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna,
                              loaned_at=MONDAY, due_on=date(2026, 3, 9))
    assert _loan(conn, loan_id)["due_at"] == datetime(2026, 3, 9, 22, 59, tzinfo=UTC)  # 23:59 CET


def test_check_in_notes_the_return_condition_and_updates_the_item(conn):
    lib = small_library(conn)
    loan_id = loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna, loaned_at=MONDAY)
    returned = MONDAY + timedelta(days=2)
    loans.check_in(conn, EDITOR, item_id=lib.drill, return_condition="poor",
                   notes="chuck is loose", returned_at=returned)
    loan = _loan(conn, loan_id)
    assert (loan["returned_at"], loan["return_condition"], loan["notes"]) == (returned, "poor", "chuck is loose")
    assert scalar(conn, "select condition from items where id = :id", id=lib.drill) == "poor"
    with pytest.raises(Conflict, match="already checked in"):
        loans.check_in(conn, EDITOR, loan_id=loan_id)
    with pytest.raises(Conflict, match="item D-001 is not out on loan"):
        loans.check_in(conn, EDITOR, item_id=lib.drill)


def test_renewing_extends_the_due_date_and_counts(conn):
    lib = small_library(conn)
    now = datetime.now(UTC)
    loan_id = loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna, loaned_at=now)
    first_due = _loan(conn, loan_id)["due_at"].date()
    new_due = loans.renew(conn, EDITOR, loan_id=loan_id)
    assert new_due == first_due + timedelta(days=3)
    chosen = loans.renew(conn, EDITOR, loan_id=loan_id, new_due_on=new_due + timedelta(days=10))
    loan = _loan(conn, loan_id)
    assert loan["renewals"] == 2 and loan["due_at"].date() == chosen
    before = snapshot(conn)
    with pytest.raises(ValidationFailed, match="must be after the current one"):
        loans.renew(conn, EDITOR, loan_id=loan_id, new_due_on=chosen)
    assert snapshot(conn) == before


def test_a_suspended_member_cannot_borrow_or_renew(conn):
    lib = small_library(conn)
    loan_id = loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna)
    conn.execute(sa.text("update members set status = 'suspended' where id = :id"), {"id": lib.anna})
    before = snapshot(conn)
    with pytest.raises(Conflict, match="member M-100 is suspended and cannot borrow"):
        loans.check_out(conn, EDITOR, item_id=lib.ladder, member_id=lib.anna)
    with pytest.raises(Conflict, match="member M-100 is suspended and cannot renew"):
        loans.renew(conn, EDITOR, loan_id=loan_id)
    assert snapshot(conn) == before


def test_an_item_already_out_is_refused_with_who_has_it(conn):
    lib = small_library(conn)
    loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna, loaned_at=MONDAY)
    before = snapshot(conn)
    with pytest.raises(Conflict, match=r"item D-001 is already out on loan to member M-100 \(due 2026-03-05\)"):
        loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.ben)
    assert snapshot(conn) == before


@pytest.mark.parametrize(("status", "message"), [
    ("missing", "item D-001 cannot be lent: it is marked missing"),
    ("maintenance", "item D-001 cannot be lent: it is in maintenance"),
])
def test_an_item_that_is_not_active_cannot_go_out(conn, status, message):
    lib = small_library(conn)
    conn.execute(sa.text("update items set status = :s where id = :id"), {"s": status, "id": lib.drill})
    with pytest.raises(Conflict, match=message):
        loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna)


def test_the_databases_own_refusals_come_out_in_the_same_plain_words(conn):
    """Rows written past the core's checks (any SQL client) are refused by the database; the
    translation names the rule the way the lending desk does."""
    lib = small_library(conn)
    make_loan(conn, item_id=lib.drill, member_id=lib.anna, loaned_at=MONDAY, returned_at=None)
    insert = sa.text("insert into loans (item_id, member_id, loaned_at, due_at) values (:i, :m, :a, :d)")
    params = {"i": lib.drill, "m": lib.ben, "a": MONDAY + timedelta(days=1), "d": MONDAY + timedelta(days=5)}
    with pytest.raises(Conflict, match="this item is already out on loan; check it in first"), \
            translate_db_errors(), conn.begin_nested():
        conn.execute(insert, params)
    conn.execute(sa.text("update items set status = 'retired', retired_on = '2024-01-01' where id = :id"),
                 {"id": lib.ladder})
    with pytest.raises(Conflict, match="item L-001 is retired and cannot be lent"), \
            translate_db_errors(), conn.begin_nested():
        conn.execute(insert, params | {"i": lib.ladder})
    conn.execute(sa.text("update members set status = 'left' where id = :id"), {"id": lib.ben})
    other = small_library_item(conn, lib)
    with pytest.raises(Conflict, match="member M-101 is left and cannot borrow"), \
            translate_db_errors(), conn.begin_nested():
        conn.execute(insert, params | {"i": other})
    with pytest.raises(Conflict, match="item D-001 is on loan; check it in before retiring it"), \
            translate_db_errors(), conn.begin_nested():
        conn.execute(sa.text("update items set status = 'retired', retired_on = '2026-03-03' where id = :id"),
                     {"id": lib.drill})
    with pytest.raises(ValidationFailed, match="the due date must be after the check-out time"), \
            translate_db_errors(), conn.begin_nested():
        conn.execute(insert, params | {"i": other, "m": lib.anna, "d": MONDAY})


def small_library_item(conn, lib):
    from tests.factories import make_item

    return make_item(conn, code="S-001", category_id=lib.ladders, location_id=lib.hall)


def test_marking_an_item_missing_keeps_the_loan_and_finding_it_makes_it_active(conn):
    lib = small_library(conn)
    loan_id = loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna, loaned_at=MONDAY)
    loans.mark_missing(conn, EDITOR, item_id=lib.drill, notes="not returned, member unreachable")
    assert scalar(conn, "select status from items where id = :id", id=lib.drill) == "missing"
    assert "Missing: not returned" in scalar(conn, "select notes from items where id = :id", id=lib.drill)
    assert _loan(conn, loan_id)["returned_at"] is None
    with pytest.raises(Conflict, match="already missing"):
        loans.mark_missing(conn, EDITOR, item_id=lib.drill)
    loans.check_in(conn, EDITOR, loan_id=loan_id, returned_at=MONDAY + timedelta(days=30))
    assert scalar(conn, "select status from items where id = :id", id=lib.drill) == "active"


def test_maintenance_takes_an_item_out_of_lending_and_closing_brings_it_back(conn):
    lib = small_library(conn)
    record_id = maintenance.open_maintenance(conn, EDITOR, item_id=lib.drill, kind="repair",
                                             started_on=date(2026, 3, 1), cost="12.5",
                                             notes="new brushes")
    assert scalar(conn, "select status from items where id = :id", id=lib.drill) == "maintenance"
    with pytest.raises(Conflict, match="cannot be lent: it is in maintenance"):
        loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna)
    with pytest.raises(ValidationFailed, match=r"cannot end \(2026-02-28\) before it started \(2026-03-01\)"):
        maintenance.close_maintenance(conn, EDITOR, maintenance_id=record_id, ended_on=date(2026, 2, 28))
    maintenance.close_maintenance(conn, EDITOR, maintenance_id=record_id, ended_on=date(2026, 3, 4),
                                  cost="30.00", notes="done")
    row = conn.execute(sa.text("select ended_on, cost, notes from maintenance where id = :id"),
                       {"id": record_id}).one()
    assert tuple(row) == (date(2026, 3, 4), Decimal("30.00"), "new brushes\ndone")
    assert scalar(conn, "select status from items where id = :id", id=lib.drill) == "active"
    with pytest.raises(Conflict, match="already closed"):
        maintenance.close_maintenance(conn, EDITOR, maintenance_id=record_id)


def test_an_item_on_loan_cannot_go_to_maintenance(conn):
    lib = small_library(conn)
    loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna)
    with pytest.raises(Conflict, match="item D-001 is out on loan; check it in before sending it"):
        maintenance.open_maintenance(conn, EDITOR, item_id=lib.drill, kind="repair")


def test_the_desk_lists_open_loans_and_open_maintenance(conn):
    lib = small_library(conn)
    loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=lib.anna, loaned_at=MONDAY)
    make_maintenance(conn, item_id=lib.ladder, started_on=date(2026, 1, 1), ended_on=None)
    out = loans.open_loans(conn, search="anna")
    assert out["item_code"].tolist() == ["D-001"]
    assert loans.open_loans(conn, search="nobody").empty
    assert maintenance.open_maintenance_records(conn)["item_code"].tolist() == ["L-001"]


def test_unknown_loan_item_and_member_are_named(conn):
    lib = small_library(conn)
    with pytest.raises(NotFound, match="there is no member with id 987654"):
        loans.check_out(conn, EDITOR, item_id=lib.drill, member_id=987654)
    with pytest.raises(NotFound, match="there is no loan with id 987654"):
        loans.renew(conn, EDITOR, loan_id=987654)
    with pytest.raises(NotFound, match="there is no maintenance record with id 987654"):
        maintenance.close_maintenance(conn, EDITOR, maintenance_id=987654)
