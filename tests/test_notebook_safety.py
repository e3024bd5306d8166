"""A notebook cell can read the reporting tables and nothing else, and can never write.

Each refusal is attempted for real against PostgreSQL, with rows present, and the test checks
both the message a volunteer sees and that the database is exactly as it was. The database
role is tested on its own too: `execute_read_only` skips the statement checks, and the role
still refuses staff accounts, sessions, the audit log and members' personal details.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tests.factories import make_item, make_loan, make_member
from toolshare_core.errors import PermissionDenied, ToolShareError, ValidationFailed
from toolshare_core.notebook_run import execute_read_only, reader_role, run_cell, setup_reader

HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


@pytest.fixture
def library(conn: Connection) -> Connection:
    """A few rows in every table a refusal could touch, including a staff account and audit."""
    item = make_item(conn, code="DRILL-1", name="Cordless drill")
    member = make_member(conn, name="Ada Lovelace", email="ada@example.org", phone="0123",
                         postcode="AB1 2CD")
    make_loan(conn, item_id=item, member_id=member,
              loaned_at=datetime.fromisoformat("2024-03-01T10:00:00+00:00"))
    staff = conn.execute(sa.text(
        "insert into staff_users (username, role, password_hash) values ('alice', 'admin', :h) "
        "returning id"), {"h": HASH}).scalar_one()
    conn.execute(sa.text(
        "insert into staff_sessions (token_hash, user_id, expires_at) "
        "values ('abc', :id, now() + interval '1 hour')"), {"id": staff})
    conn.execute(sa.text("insert into audit_log (actor_name, action, table_name) "
                         "values ('alice', 'create', 'items')"))
    conn.execute(sa.text("insert into notebooks (name) values ('Mine')"))
    return conn


def snapshot(conn: Connection) -> dict[str, Any]:
    """Row counts of every table in the schema, the schema's objects and the cluster's roles."""
    tables = conn.execute(sa.text(
        "select tablename from pg_tables where schemaname = current_schema() order by 1"
    )).scalars().all()
    counts = {t: conn.execute(sa.text(f'select count(*) from "{t}"')).scalar_one() for t in tables}
    objects = conn.execute(sa.text(
        "select count(*) from pg_class where relnamespace = current_schema()::regnamespace"
    )).scalar_one()
    roles = conn.execute(sa.text("select array_agg(rolname order by rolname) from pg_roles")
                         ).scalar_one()
    names = conn.execute(sa.text("select array_agg(name order by id) from items")).scalar_one()
    return {"counts": counts, "objects": objects, "roles": roles, "item_names": names}


REFUSALS = [
    ("insert into locations (name) values ('Shed')", "INSERT changes data"),
    ("update items set name = 'gone'", "UPDATE changes data"),
    ("delete from loans", "DELETE changes data"),
    ("merge into items i using items j on i.id = j.id when matched then delete", "MERGE changes data"),
    ("with gone as (delete from loans returning *) select count(*) from gone",
     "WITH query 'gone' changes data"),
    ("select * into items_copy from items", "SELECT ... INTO creates a table"),
    ("select * from items for update", "FOR UPDATE / FOR SHARE"),
    ("select * from (select * from items for share) i", "FOR UPDATE / FOR SHARE"),
    ("create table evil (id int)", "CREATE changes the database"),
    ("create view evil as select * from staff_users", "CREATE changes the database"),
    ("drop table loans", "DROP changes the database"),
    ("alter table items add column evil int", "ALTER changes the database"),
    ("truncate loans", "TRUNCATE changes the database"),
    ("grant select on staff_users to public", "GRANT changes the database"),
    ("vacuum items", "VACUUM changes the database"),
    ("set role postgres", "SET ROLE is not allowed"),
    ("reset role", "SET ROLE is not allowed"),
    ("set session authorization postgres", "SET ROLE is not allowed"),
    ("set statement_timeout = 0", "SET and SHOW are not allowed"),
    ("copy items to program 'cat > /tmp/toolshare-evil'", "COPY ... PROGRAM is not allowed"),
    ("copy (select * from staff_users) to stdout", "COPY is not allowed"),
    ("copy items from stdin", "COPY is not allowed"),
    ("select 1; delete from loans", "exactly one statement, and this one holds 2"),
    ("select 1; select 2", "exactly one statement"),
    ("begin", "transaction commands"),
    ("commit", "transaction commands"),
    ("do $$ begin delete from loans; end $$", "only SELECT queries"),
    ("explain analyze delete from loans", "EXPLAIN is not available"),
    ("select pg_read_file('/etc/passwd')", "pg_read_file() is not allowed"),
    ("select pg_read_binary_file('/etc/passwd')", "pg_read_binary_file() is not allowed"),
    ("select * from pg_ls_dir('.')", "pg_ls_dir() is not allowed"),
    ("select lo_import('/etc/passwd')", "lo_import() is not allowed"),
    ("select pg_catalog.set_config('role', 'postgres', true)", "set_config() is not allowed"),
    ("select pg_terminate_backend(pg_backend_pid())", "pg_terminate_backend() is not allowed"),
    ("select pg_cancel_backend(1)", "pg_cancel_backend() is not allowed"),
    ("select query_to_xml('select * from staff_users', true, true, '')",
     "query_to_xml() is not allowed"),
    ("select table_to_xml('staff_users', true, true, '')", "table_to_xml() is not allowed"),
    ("select dblink('host=evil', 'select 1')", "dblink() is not allowed"),
    ("select pg_advisory_lock(1)", "pg_advisory_lock() is not allowed"),
    ("select nextval('items_id_seq')", "nextval() is not allowed"),
    ("select :password", "unknown parameter :password"),
    ("select $1", "positional parameters"),
    ("", "the cell is empty"),
    ("-- only a comment", "holds only comments"),
    ("selct * from items", "not valid SQL"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSALS, ids=[s[:40] for s, _ in REFUSALS])
def test_a_volunteer_trying_to_change_or_escape_is_refused_in_plain_words(
    library: Connection, sql: str, message: str
) -> None:
    before = snapshot(library)
    with pytest.raises(ValidationFailed) as refused:
        run_cell(library, sql)
    assert message in str(refused.value)
    assert snapshot(library) == before


PRIVATE = ["staff_users", "staff_sessions", "audit_log", "notebooks", "notebook_cells",
           "notebook_settings"]


@pytest.mark.parametrize("table", PRIVATE)
def test_the_database_role_refuses_private_tables_even_without_the_checks(
    library: Connection, table: str
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        execute_read_only(library, f"select * from {table}", {}, timeout_ms=5000)
    assert f"may not read {table}" in str(refused.value)
    assert "left out on purpose" in str(refused.value)


def test_a_query_naming_the_accounts_table_is_refused_by_the_role_not_only_by_the_checks(
    library: Connection,
) -> None:
    # passes the statement checks (a plain SELECT), so only the database role stops it
    with pytest.raises(PermissionDenied, match="may not read staff_users"):
        run_cell(library, "select username, password_hash from staff_users")


@pytest.mark.parametrize("column", ["name", "email", "phone", "notes"])
def test_members_names_and_contact_details_are_not_readable(library: Connection, column: str) -> None:
    with pytest.raises(PermissionDenied, match="may not read members"):
        run_cell(library, f"select {column} from members")


def test_members_number_postcode_and_status_are_readable(library: Connection) -> None:
    result = run_cell(library, "select member_no, postcode, status, joined_on from members "
                               "where postcode = 'AB1 2CD'")
    assert result.full_frame["postcode"].tolist() == ["AB1 2CD"]


@pytest.mark.parametrize(("sql", "kind"), [
    ("insert into locations (name) values ('Shed')", ToolShareError),
    ("delete from loans", ToolShareError),
    ("with gone as (delete from loans returning *) select count(*) from gone", ToolShareError),
    ("select 1; delete from loans", ToolShareError),
    ("select pg_read_file('/etc/hostname')", PermissionDenied),
    ("select * from pg_ls_dir('.')", PermissionDenied),
    ("select * from pg_authid", PermissionDenied),
])
def test_writes_and_server_files_are_refused_by_the_database_itself(
    library: Connection, sql: str, kind: type[Exception]
) -> None:
    before = snapshot(library)
    with pytest.raises(kind):
        execute_read_only(library, sql, {}, timeout_ms=5000)
    assert snapshot(library) == before


def test_a_cell_runs_as_the_reader_role_in_a_read_only_transaction_and_leaves_no_trace(
    library: Connection,
) -> None:
    me = library.execute(sa.text("select current_user")).scalar_one()
    settings_before = library.execute(sa.text(
        "select current_setting('statement_timeout'), current_setting('transaction_read_only')"
    )).one()
    result = run_cell(library, "select current_user as who, "
                               "current_setting('transaction_read_only') as read_only, "
                               "current_setting('statement_timeout') as time_limit",
                      timeout_ms=1234)
    row = result.full_frame.iloc[0]
    assert row["who"] == reader_role(library) == f"toolshare_reader_{current_schema(library)}"
    assert row["read_only"] == "on"
    # what is left of the cell's 1234 ms when the rows are fetched
    assert 0 < int(str(row["time_limit"]).removesuffix("ms")) <= 1234
    # the caller's transaction is back to what it was, and can still write
    assert library.execute(sa.text("select current_user")).scalar_one() == me
    assert library.execute(sa.text(
        "select current_setting('statement_timeout'), current_setting('transaction_read_only')"
    )).one() == settings_before
    make_item(library, code="AFTER-1")


def current_schema(conn: Connection) -> str:
    return str(conn.execute(sa.text("select current_schema()")).scalar_one())


def test_a_security_definer_function_cannot_be_used_to_reach_the_accounts(
    library: Connection,
) -> None:
    library.execute(sa.text(
        "create function leak_staff() returns bigint language sql security definer "
        "as 'select count(*) from staff_users'"))
    assert setup_reader(library) == "ready"
    with pytest.raises(PermissionDenied):
        execute_read_only(library, "select leak_staff()", {}, timeout_ms=5000)


def test_a_view_over_private_tables_is_not_granted_and_a_view_over_items_is(
    library: Connection,
) -> None:
    library.execute(sa.text("create view staff_names as select username from staff_users"))
    library.execute(sa.text("create view staff_names_again as select * from staff_names"))
    library.execute(sa.text("create view member_names as select id, name from members"))
    library.execute(sa.text("create view drills as select code from items"))
    assert setup_reader(library) == "ready"
    for view in ("staff_names", "staff_names_again", "member_names"):
        with pytest.raises(PermissionDenied, match=f"may not read {view}"):
            run_cell(library, f"select * from {view}")
    assert "DRILL-1" in run_cell(library, "select * from drills").full_frame["code"].tolist()


def test_the_reader_role_holds_only_select_on_the_reporting_tables(library: Connection) -> None:
    rows = library.execute(sa.text(
        "select table_name, privilege_type from information_schema.role_table_grants "
        "where grantee = :role and table_schema = current_schema()"),
        {"role": reader_role(library)}).all()
    assert {privilege for _, privilege in rows} == {"SELECT"}
    tables = {table for table, _ in rows}
    assert {"locations", "categories", "items", "loans", "maintenance", "item_catalogue"} <= tables
    assert not tables & {"members", *PRIVATE}
    attributes = library.execute(sa.text(
        "select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls "
        "from pg_roles where rolname = :role"), {"role": reader_role(library)}).one()
    assert tuple(attributes) == (False, False, False, False, False)
