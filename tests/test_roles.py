"""The role is checked inside each core command: a viewer (and, for account commands, an
editor) calling any write command is refused and nothing changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, VIEWER, small_library, snapshot
from tests.factories import make_loan, make_maintenance
from toolshare_core import auth, bulk_edit, imports, inventory, loans, maintenance, members
from toolshare_core.errors import PermissionDenied
from toolshare_core.roles import StaffUser

HASH = auth.hash_password("long enough pw")
ITEMS_CSV = "code,name,category,location\nN-1,Saw,Ladders,Hall\n"


def _write_commands(conn, lib, ids):
    """Every write command of the core, ready to call with an actor."""
    frame = bulk_edit.editable_items(conn)
    changes = bulk_edit.preview(frame, frame.assign(condition="poor"))
    csv_frame = imports.read_csv(ITEMS_CSV)
    mapping = imports.suggest_mapping("items", list(csv_frame.columns))
    return {
        "add_item": lambda a: inventory.add_item(a[0], a[1], code="N-9", name="Saw",
                                                 category_id=lib.ladders, location_id=lib.hall),
        "edit_item": lambda a: inventory.edit_item(a[0], a[1], item_id=lib.drill, expected_version=1,
                                                   changes={"name": "x"}),
        "move_item": lambda a: inventory.move_item(a[0], a[1], item_id=lib.drill,
                                                   location_id=lib.hall, expected_version=1),
        "set_condition": lambda a: inventory.set_condition(a[0], a[1], item_id=lib.drill,
                                                           condition="poor", expected_version=1),
        "set_status": lambda a: inventory.set_status(a[0], a[1], item_id=lib.drill,
                                                     status="missing", expected_version=1),
        "retire_item": lambda a: inventory.retire_item(a[0], a[1], item_id=lib.drill, reason="old",
                                                       retired_on=date(2025, 1, 1)),
        "add_location": lambda a: inventory.add_location(a[0], a[1], name="Attic"),
        "edit_location": lambda a: inventory.edit_location(a[0], a[1], location_id=lib.shed, name="Barn"),
        "add_category": lambda a: inventory.add_category(a[0], a[1], name="Garden"),
        "edit_category": lambda a: inventory.edit_category(a[0], a[1], category_id=lib.ladders,
                                                           name="Steps", parent_id=None,
                                                           loan_period_days=7),
        "add_member": lambda a: members.add_member(a[0], a[1], member_no="M-9", name="Eve"),
        "edit_member": lambda a: members.edit_member(a[0], a[1], member_id=lib.anna,
                                                     expected_version=1, changes={"name": "x"}),
        "check_out": lambda a: loans.check_out(a[0], a[1], item_id=lib.drill, member_id=lib.anna),
        "check_in": lambda a: loans.check_in(a[0], a[1], loan_id=ids["loan"]),
        "renew": lambda a: loans.renew(a[0], a[1], loan_id=ids["loan"]),
        "mark_missing": lambda a: loans.mark_missing(a[0], a[1], item_id=lib.drill),
        "open_maintenance": lambda a: maintenance.open_maintenance(a[0], a[1], item_id=lib.drill,
                                                                   kind="repair"),
        "close_maintenance": lambda a: maintenance.close_maintenance(a[0], a[1],
                                                                     maintenance_id=ids["maint"]),
        "bulk_apply": lambda a: bulk_edit.apply_changes(a[0], a[1], changes),
        "bulk_undo": lambda a: bulk_edit.undo_batch(a[0], a[1], "00000000-0000-0000-0000-000000000000"),
        "import_csv": lambda a: imports.apply_import(a[0], a[1], "items", csv_frame, mapping),
        "create_user": lambda a: auth.create_user(a[0], a[1], username="eve", password="long enough pw",
                                                  role="admin"),
        "set_role": lambda a: auth.set_role(a[0], a[1], user_id=ids["user"], role="admin"),
        "set_active": lambda a: auth.set_active(a[0], a[1], user_id=ids["user"], active=False),
        "reset_password": lambda a: auth.reset_password(a[0], a[1], user_id=ids["user"],
                                                        password="another long pw"),
    }


ADMIN_ONLY = {"create_user", "set_role", "set_active", "reset_password"}
COMMANDS = sorted([
    "add_item", "edit_item", "move_item", "set_condition", "set_status", "retire_item",
    "add_location", "edit_location", "add_category", "edit_category", "add_member", "edit_member",
    "check_out", "check_in", "renew", "mark_missing", "open_maintenance", "close_maintenance",
    "bulk_apply", "bulk_undo", "import_csv", *ADMIN_ONLY,
])


@pytest.fixture
def setup(conn):
    lib = small_library(conn)
    loan = make_loan(conn, item_id=lib.ladder, member_id=lib.ben, returned_at=None,
                     loaned_at=datetime.now(UTC))
    maint = make_maintenance(conn, item_id=lib.drill, started_on=date(2025, 1, 1), ended_on=None)
    user = conn.execute(sa.text("insert into staff_users (username, role, password_hash) "
                                "values ('someone', 'viewer', :h) returning id"), {"h": HASH}).scalar()
    return lib, {"loan": loan, "maint": maint, "user": user}


def test_every_write_command_is_covered():
    assert len(COMMANDS) == 25


@pytest.mark.parametrize("command", COMMANDS)
def test_a_viewer_calling_a_write_command_is_refused_and_nothing_changes(conn, setup, command):
    lib, ids = setup
    call = _write_commands(conn, lib, ids)[command]
    before = snapshot(conn)
    with pytest.raises(PermissionDenied, match="test viewer is a viewer; only an? (editor or admin|admin) may do this"):
        call((conn, VIEWER))
    assert snapshot(conn) == before


@pytest.mark.parametrize("command", sorted(ADMIN_ONLY))
def test_an_editor_cannot_manage_accounts(conn, setup, command):
    lib, ids = setup
    before = snapshot(conn)
    with pytest.raises(PermissionDenied, match="only an admin may do this"):
        _write_commands(conn, lib, ids)[command]((conn, EDITOR))
    assert snapshot(conn) == before


def test_something_that_is_not_a_staff_account_is_refused(conn, setup):
    lib, _ = setup
    with pytest.raises(PermissionDenied, match="needs a signed-in staff account"):
        loans.check_out(conn, "admin", item_id=lib.drill, member_id=lib.anna)  # type: ignore[arg-type]
    forged = StaffUser(id=None, username="x", role="superuser")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        loans.check_out(conn, forged, item_id=lib.drill, member_id=lib.anna)
