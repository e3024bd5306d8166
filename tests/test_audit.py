"""The audit log: every change recorded with who, when, old and new values; filters; append-only."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.desk_helpers import EDITOR, scalar, small_library
from toolshare_core import audit, inventory, loans, maintenance, members
from toolshare_core.errors import PermissionDenied
from toolshare_core.roles import StaffUser
from toolshare_core.writes import translate_db_errors

DORA = StaffUser(id=None, username="dora", role="editor")


def test_record_stores_who_what_and_old_and_new_values_as_json(conn):
    batch = audit.new_batch_id()
    entry_id = audit.record(conn, DORA, "edit", "items", 7, {"condition": "good"},
                            {"condition": "fair", "replacement_value": __import__("decimal").Decimal("9.50"),
                             "acquired_on": date(2024, 1, 2)}, batch)
    row = conn.execute(sa.text("select * from audit_log where id = :id"), {"id": entry_id}).mappings().one()
    assert (row["actor_name"], row["action"], row["table_name"], row["row_id"]) == ("dora", "edit", "items", 7)
    assert row["old_values"] == {"condition": "good"}
    assert row["new_values"] == {"condition": "fair", "replacement_value": "9.50", "acquired_on": "2024-01-02"}
    assert row["batch_id"] == batch and row["at"] is not None


def test_a_day_at_the_desk_leaves_a_complete_trail(conn):
    lib = small_library(conn)
    loan_id = loans.check_out(conn, DORA, item_id=lib.drill, member_id=lib.anna)
    loans.renew(conn, DORA, loan_id=loan_id)
    loans.check_in(conn, DORA, loan_id=loan_id, return_condition="fair")
    record_id = maintenance.open_maintenance(conn, DORA, item_id=lib.drill, kind="service")
    maintenance.close_maintenance(conn, DORA, maintenance_id=record_id)
    members.edit_member(conn, DORA, member_id=lib.ben, expected_version=1, changes={"status": "left"})
    trail = audit.audit_log(conn)
    assert trail.sort_values("id")[["action", "table_name"]].values.tolist() == [
        ["check_out", "loans"], ["renew", "loans"], ["check_in", "loans"], ["check_in", "items"],
        ["open", "maintenance"], ["maintenance", "items"], ["close", "maintenance"],
        ["maintenance", "items"], ["edit", "members"],
    ]
    assert set(trail["actor_name"]) == {"dora"}


def test_filters_narrow_the_log_and_it_exports_as_csv(conn):
    lib = small_library(conn)
    inventory.add_location(conn, EDITOR, name="Attic")
    inventory.edit_item(conn, DORA, item_id=lib.drill, expected_version=1, changes={"name": "Drill XL"})
    assert audit.audit_log(conn, actor_name="dora")["action"].tolist() == ["edit"]
    assert audit.audit_log(conn, table="locations")["row_id"].notna().all()
    assert len(audit.audit_log(conn, text="drill xl")) == 1
    assert len(audit.audit_log(conn, row_id=lib.drill, table="items")) == 1
    now = datetime.now(UTC)
    assert audit.audit_log(conn, until=now - timedelta(days=1)).empty
    assert len(audit.audit_log(conn, since=now - timedelta(days=1))) == 2
    choices = audit.distinct_values(conn)
    assert choices["actor_name"] == ["dora", "test editor"]
    back = pd.read_csv(io.StringIO(audit.audit_log(conn).to_csv(index=False)))
    assert len(back) == 2 and "Drill XL" in back.loc[0, "new_values"]


def test_the_audit_log_cannot_be_rewritten(conn):
    audit.record(conn, DORA, "edit", "items", 1, None, {"name": "x"})
    with pytest.raises(PermissionDenied, match="the audit log is append-only"), \
            translate_db_errors(), conn.begin_nested():
        conn.execute(sa.text("update audit_log set actor_name = 'someone else'"))
    with pytest.raises(PermissionDenied, match="append-only"), translate_db_errors(), conn.begin_nested():
        conn.execute(sa.text("delete from audit_log"))
    assert scalar(conn, "select actor_name from audit_log") == "dora"


def test_the_staff_tables_are_not_readable_by_public(conn):
    for table in ("staff_users", "staff_sessions", "audit_log"):
        granted = scalar(conn, "select has_table_privilege('public', :t, 'select')", t=table)
        assert granted is False
