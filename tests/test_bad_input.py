"""Bad input across forms and imports: each is refused with a clear message and the database is
unchanged (every table compared row by row before and after)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, small_library, snapshot
from tests.factories import make_item, make_loan, make_maintenance, make_member
from toolshare_core import imports, inventory, loans, maintenance, members
from toolshare_core.errors import Conflict, NotFound, ValidationFailed


@dataclass
class World:
    lib: Any
    loan: int  # the ladder is out to Anna
    retired: int
    suspended: int
    maint: int  # open maintenance of a repair item (started 2025-06-10)


@pytest.fixture
def world(conn):
    lib = small_library(conn)
    loan = make_loan(conn, item_id=lib.ladder, member_id=lib.anna, returned_at=None,
                     loaned_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                     due_at=datetime(2026, 3, 16, 23, 59, tzinfo=UTC))
    retired = make_item(conn, code="R-001", category_id=lib.drills, location_id=lib.shed,
                        status="retired", retired_on=date(2024, 1, 1))
    suspended = make_member(conn, member_no="M-666", status="suspended")
    repair = make_item(conn, code="F-001", category_id=lib.drills, location_id=lib.shed,
                       status="maintenance")
    maint = make_maintenance(conn, item_id=repair, started_on=date(2025, 6, 10), ended_on=None)
    return World(lib, loan, retired, suspended, maint)


def add_item(**overrides: Any):
    def call(conn, w):
        fields = {"code": "N-001", "name": "New saw", "category_id": w.lib.ladders,
                  "location_id": w.lib.hall} | overrides
        return inventory.add_item(conn, EDITOR, **fields)
    return call


def add_member(**overrides: Any):
    def call(conn, w):
        return members.add_member(conn, EDITOR, **({"member_no": "M-500", "name": "Nia"} | overrides))
    return call


def import_items(csv_text: str, mapping: dict[str, str | None] | None = None):
    def call(conn, w):
        frame = imports.read_csv(csv_text)
        return imports.apply_import(conn, EDITOR, "items", frame,
                                    mapping or imports.suggest_mapping("items", list(frame.columns)))
    return call


HEADER = "code,name,category,location,replacement_value,acquired_on\n"
GOOD_ROW = "N-100,Good row,Ladders,Hall,10,2024-01-01\n"

CASES: list[tuple[str, Any, type[Exception], str]] = [
    # items: blank, too long, wrong type, negative, unknown ids, duplicates, odd characters
    ("item code blank", add_item(code="   "), ValidationFailed, "code: must not be blank"),
    ("item name blank", add_item(name=""), ValidationFailed, "name: must not be blank"),
    ("item code too long", add_item(code="X" * 41), ValidationFailed,
     r"code: is too long \(at most 40 characters\)"),
    ("item notes too long", add_item(notes="n" * 2001), ValidationFailed,
     r"notes: is too long \(at most 2000 characters\)"),
    ("item name not text", add_item(name=["Saw"]), ValidationFailed, "name: must be text"),
    ("item value negative", add_item(replacement_value=-0.01), ValidationFailed,
     "replacement value: must be 0 or more"),
    ("item value not a number", add_item(replacement_value="ten pounds"), ValidationFailed,
     "replacement value: is not a number"),
    ("item value too precise", add_item(replacement_value="1.005"), ValidationFailed,
     r"replacement value: has too many decimal places \(at most 2\)"),
    ("item value too large", add_item(replacement_value="123456789.00"), ValidationFailed,
     "replacement value: is too large"),
    ("item category not a number", add_item(category_id="drills"), ValidationFailed,
     "category id: is not a number"),
    ("item category unknown", add_item(category_id=999999), NotFound, "there is no category with id 999999"),
    ("item location unknown", add_item(location_id=999999), NotFound, "there is no location with id 999999"),
    ("item date malformed", add_item(acquired_on="31/12/2024"), ValidationFailed,
     r"acquired on: is not a date \(use YYYY-MM-DD\)"),
    ("item condition unknown", add_item(condition="shiny"), ValidationFailed, "condition: must be one of"),
    ("item code duplicate", add_item(code="D-001"), Conflict, "an item with code D-001 already exists"),
    ("item name with NUL", add_item(name="Saw\x00"), ValidationFailed, "name: contains a control character"),
    ("item unknown field", add_item(colour="red"), ValidationFailed,
     "colour: is not a field that can be set here"),
    ("item stale save", lambda c, w: inventory.edit_item(c, EDITOR, item_id=w.lib.drill, expected_version=0,
                                                         changes={"name": "x"}),
     Conflict, "was changed after you opened it"),
    ("item retired by edit", lambda c, w: inventory.set_status(c, EDITOR, item_id=w.lib.drill,
                                                               status="retired", expected_version=1),
     ValidationFailed, "use Retire"),
    ("retire before acquired", lambda c, w: inventory.retire_item(c, EDITOR, item_id=w.lib.drill,
                                                                  reason="old", retired_on=date(2001, 1, 1)),
     ValidationFailed, "before item D-001 was acquired"),
    ("retire item on loan", lambda c, w: inventory.retire_item(c, EDITOR, item_id=w.lib.ladder,
                                                               reason="old", retired_on=date(2026, 3, 3)),
     Conflict, "on loan to member M-100"),
    # categories and locations
    ("category loan length zero", lambda c, w: inventory.add_category(c, EDITOR, name="Tents",
                                                                      loan_period_days=0),
     ValidationFailed, "loan period days: must be 1 or more"),
    ("category loan length a year and more", lambda c, w: inventory.add_category(
        c, EDITOR, name="Tents", loan_period_days=400), ValidationFailed, "loan period days: must be at most 365"),
    ("category third level", lambda c, w: inventory.add_category(c, EDITOR, name="Hammer drills",
                                                                 parent_id=w.lib.drills),
     ValidationFailed, "two levels only"),
    ("category name with separator", lambda c, w: inventory.add_category(c, EDITOR, name="Garden / Mowers"),
     ValidationFailed, "must not contain ' / '"),
    ("location duplicate", lambda c, w: inventory.add_location(c, EDITOR, name="SHED"), Conflict,
     "a location named SHED already exists"),
    # members
    ("member number blank", add_member(member_no=""), ValidationFailed, "member no: must not be blank"),
    ("member number duplicate", add_member(member_no="M-100"), Conflict, "a member with number M-100 already exists"),
    ("member email malformed", add_member(email="nia at example"), ValidationFailed,
     "email: is not an email address"),
    ("member status unknown", add_member(status="banned"), ValidationFailed,
     "status: must be one of 'active', 'suspended' or 'left'|status: must be one of"),
    ("member phone with letters", add_member(phone="call me"), ValidationFailed, "phone: may contain only digits"),
    ("member joined date malformed", add_member(joined_on="yesterday"), ValidationFailed,
     "joined on: is not a date"),
    # the lending desk
    ("due date before check-out", lambda c, w: loans.check_out(
        c, EDITOR, item_id=w.lib.drill, member_id=w.lib.ben, loaned_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        due_on=date(2026, 3, 1)), ValidationFailed, "the due date 2026-03-01 must be after the check-out date 2026-03-02"),
    ("check-out time without zone", lambda c, w: loans.check_out(
        c, EDITOR, item_id=w.lib.drill, member_id=w.lib.ben, loaned_at=datetime(2026, 3, 2, 9)),
     ValidationFailed, "loaned at: needs a time zone"),
    ("retired item lent", lambda c, w: loans.check_out(c, EDITOR, item_id=w.retired, member_id=w.lib.ben),
     Conflict, "item R-001 cannot be lent: it was retired"),
    ("suspended member borrows", lambda c, w: loans.check_out(c, EDITOR, item_id=w.lib.drill,
                                                              member_id=w.suspended),
     Conflict, "member M-666 is suspended and cannot borrow"),
    ("item lent twice", lambda c, w: loans.check_out(c, EDITOR, item_id=w.lib.ladder, member_id=w.lib.ben),
     Conflict, "item L-001 is already out on loan to member M-100"),
    ("unknown member", lambda c, w: loans.check_out(c, EDITOR, item_id=w.lib.drill, member_id=0),
     ValidationFailed, "member id: must be 1 or more"),
    ("return before loan", lambda c, w: loans.check_in(c, EDITOR, loan_id=w.loan,
                                                       returned_at=datetime(2026, 3, 1, tzinfo=UTC)),
     ValidationFailed, "is before the loan started"),
    ("return condition unknown", lambda c, w: loans.check_in(c, EDITOR, loan_id=w.loan,
                                                             return_condition="destroyed"),
     ValidationFailed, "return condition: must be one of"),
    ("renew to an earlier date", lambda c, w: loans.renew(c, EDITOR, loan_id=w.loan,
                                                          new_due_on=date(2026, 3, 10)),
     ValidationFailed, r"must be after the current one \(2026-03-16\)"),
    ("check in an item not on loan", lambda c, w: loans.check_in(c, EDITOR, item_id=w.lib.drill),
     Conflict, "item D-001 is not out on loan"),
    # maintenance
    ("maintenance cost negative", lambda c, w: maintenance.open_maintenance(
        c, EDITOR, item_id=w.lib.drill, kind="repair", cost=-5), ValidationFailed, "cost: must be 0 or more"),
    ("maintenance kind blank", lambda c, w: maintenance.open_maintenance(c, EDITOR, item_id=w.lib.drill,
                                                                         kind=" "),
     ValidationFailed, "kind: must not be blank"),
    ("maintenance ends before start", lambda c, w: maintenance.close_maintenance(
        c, EDITOR, maintenance_id=w.maint, ended_on=date(2025, 6, 9)), ValidationFailed,
     r"maintenance cannot end \(2025-06-09\) before it started \(2025-06-10\)"),
    ("maintenance of a lent item", lambda c, w: maintenance.open_maintenance(c, EDITOR, item_id=w.lib.ladder,
                                                                             kind="repair"),
     Conflict, "item L-001 is out on loan"),
    # imports: one bad row refuses the whole file
    ("import unknown location", import_items(HEADER + GOOD_ROW + "N-101,Saw,Ladders,Attic,5,2024-01-01\n"),
     ValidationFailed, r"1 rows have problems \(first: row 3: there is no location named Attic"),
    ("import duplicate code", import_items(HEADER + GOOD_ROW + GOOD_ROW), ValidationFailed,
     r"row 3: code N-100 appears again \(first on row 2\)"),
    ("import bad date", import_items(HEADER + "N-102,Saw,Ladders,Hall,5,01/02/2024\n"), ValidationFailed,
     "row 2: acquired on: is not a date"),
    ("import negative value", import_items(HEADER + "N-103,Saw,Ladders,Hall,-5,2024-01-01\n"),
     ValidationFailed, "row 2: replacement value: must be 0 or more"),
    ("import new item without a name", import_items(
        "code,name,category,location\nN-200, ,Ladders,Hall\n"), ValidationFailed, "row 2: name: is required"),
    ("import mapping without key", import_items(HEADER + GOOD_ROW, {"name": "name"}), ValidationFailed,
     "map a column to code"),
    ("import mapping two columns to code", import_items("a,b\nX,Y\n", {"a": "code", "b": "code"}),
     ValidationFailed, "a, b are all mapped to code; keep one"),
]


def test_there_are_at_least_thirty_kinds_of_bad_input():
    assert len({name for name, *_ in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize(("call", "error", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_plain_words_and_nothing_changes(conn, world, call, error, message):
    before = snapshot(conn)
    with pytest.raises(error, match=message) as refused:
        call(conn, world)
    assert "Traceback" not in str(refused.value) and "psycopg" not in str(refused.value)
    assert snapshot(conn) == before
    # the caller's transaction is still usable after the refusal
    assert conn.execute(sa.text("select count(*) from items")).scalar() == 4


@pytest.mark.parametrize("name", ["Zoë Ångström-Łukasiewicz", "山田 太郎", "Dvořák 🛠", "O'Brien"])
def test_unicode_and_apostrophes_in_names_are_welcome(conn, world, name):
    member_id = members.add_member(conn, EDITOR, member_no="U-1", name=name)
    assert members.get_member(conn, member_id)["name"] == name
