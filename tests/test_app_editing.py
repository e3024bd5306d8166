"""AppTest of the login gate and the editing pages: nobody sees a page without logging in, the
forms call the core as the signed-in user, and refusals show in plain words."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from dashboard import registry
from tests.app_login import APP, open_app, point_app_at, sign_in, staff_session
from tests.factories import make_category, make_item, make_location, make_member
from toolshare_core import auth
from toolshare_core.db import make_engine
from toolshare_core.roles import operator_actor

pytestmark = pytest.mark.app

MY_PAGES = ["pages/lending_desk.py", "pages/edit_inventory.py", "pages/edit_members.py",
            "pages/bulk_edit.py", "pages/import_csv.py", "pages/audit.py", "pages/accounts.py"]
PASSWORD = "a long test password"


@pytest.fixture
def app_db(fresh_database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The app pointed at a fresh schema, with nothing cached from earlier tests."""
    point_app_at(monkeypatch, fresh_database)
    engine = make_engine(fresh_database.url, schema=fresh_database.schema)
    engine.database = fresh_database  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def _library(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        drills = make_category(conn, name="Drills", loan_period_days=3)
        shed = make_location(conn, name="Shed")
        hall = make_location(conn, name="Hall")
        return {
            "drills": drills, "shed": shed, "hall": hall,
            "drill": make_item(conn, code="D-001", name="Cordless drill", category_id=drills,
                               location_id=shed),
            "saw": make_item(conn, code="S-001", name="Jigsaw", category_id=drills, location_id=shed),
            "anna": make_member(conn, member_no="M-100", name="Anna"),
            "bert": make_member(conn, member_no="M-101", name="Bert", status="suspended"),
        }


def _app(engine: Engine, role: str | None = "editor", page: str | None = None) -> AppTest:
    return open_app(staff_session(engine, role)[1] if role else None, page)


def _scalar(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def _frame(at: AppTest, *columns: str):
    """The first table on the page having these columns (AppTest does not expose table keys)."""
    for table in at.dataframe:
        if set(columns) <= set(table.value.columns):
            return table.value
    raise AssertionError(f"no table with columns {columns}")


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for group in (at.error, at.success, at.info, at.warning)
                    for e in group)


def test_without_login_the_app_shows_only_the_login_form(app_db):
    at = _app(app_db, role=None)
    assert [h.value for h in at.header] == ["Log in to ToolShare"]
    assert at.text_input(key="login_username") is not None
    assert not at.metric and not at.dataframe
    assert "No staff account exists yet" in _texts(at)  # and says how to create one


@pytest.mark.parametrize("page", [p.path for p in registry.PAGES])
def test_no_page_opens_without_login(app_db, page):
    at = _app(app_db, role=None)
    with contextlib.suppress(Exception):  # a page outside the navigation may refuse to switch
        at.switch_page(page).run()
    assert [h.value for h in at.header] == ["Log in to ToolShare"]
    assert not at.metric and not at.dataframe and not at.tabs


def test_a_wrong_password_is_refused_and_counted(app_db):
    with app_db.begin() as conn:
        auth.create_user(conn, operator_actor("test"), username="alice", password=PASSWORD, role="editor")
    at = _app(app_db, role=None)
    at.text_input(key="login_username").input("alice")
    at.text_input(key="login_password").input("not the password")
    at.button(key="login_submit").click().run()
    assert [e.value for e in at.error] == ["wrong username or password."]
    assert _scalar(app_db, "select failed_logins from staff_users") == 1


def test_logging_in_starts_a_session_that_opens_the_pages_of_the_role(app_db):
    with app_db.begin() as conn:
        auth.create_user(conn, operator_actor("test"), username="alice", password=PASSWORD, role="viewer")
    at = _app(app_db, role=None)
    at.text_input(key="login_username").input("Alice")
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    assert not at.exception and not at.error
    token = at.session_state["toolshare_session_token"]
    assert _scalar(app_db, "select count(*) from staff_sessions") == 1
    # the browser's next run goes through app.py again (AppTest replays only the page, so a
    # new AppTest with the same session state stands in for it; the browser test clicks it)
    again = AppTest.from_file(APP, default_timeout=60)
    again.session_state["toolshare_session_token"] = token
    again.run()
    assert not again.exception
    assert "Signed in as **alice** (viewer)" in [c.value for c in again.sidebar.caption]
    assert again.button(key="logout_button") is not None


def test_an_ended_session_sends_the_user_back_to_the_login_form(app_db):
    at = AppTest.from_file(APP, default_timeout=60)
    user = sign_in(at, app_db.database, role="editor")  # type: ignore[attr-defined]
    with app_db.begin() as conn:
        conn.execute(sa.text("delete from staff_sessions where user_id = :id"), {"id": user.id})
    at.run()
    assert [h.value for h in at.header] == ["Log in to ToolShare"]
    assert "Your session has ended" in _texts(at)


@pytest.mark.parametrize("page", MY_PAGES)
def test_every_editing_page_opens_for_an_admin(app_db, page):
    _library(app_db)
    at = _app(app_db, role="admin", page=page)
    assert at.header and not at.error


@pytest.mark.parametrize(("role", "page"), [("viewer", "pages/lending_desk.py"),
                                            ("viewer", "pages/bulk_edit.py"),
                                            ("editor", "pages/audit.py"),
                                            ("editor", "pages/accounts.py")])
def test_a_page_above_the_users_role_is_not_offered_and_refuses_to_render(app_db, role, page):
    at = _app(app_db, role=role)
    with contextlib.suppress(Exception):  # not in this user's navigation at all
        at.switch_page(page).run()
    headers = [h.value for h in at.header]
    assert not {"Lending desk", "Bulk edit items", "Audit log", "Staff accounts"} & set(headers)
    assert not [t for t in at.dataframe if "actor_name" in t.value.columns]


def test_an_editor_checks_an_item_out_and_back_in_at_the_desk(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/lending_desk.py")
    at.selectbox(key="desk_out_member").select(lib["anna"])
    at.selectbox(key="desk_out_item").select(lib["drill"])
    at.button(key="desk_out_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Checked out D-001" in _texts(at)
    loan = _scalar(app_db, "select id from loans where item_id = :i and member_id = :m and returned_at is null",
                   i=lib["drill"], m=lib["anna"])
    assert loan is not None
    # Drills lend for 3 days: the due date came from the category
    assert _scalar(app_db, "select (due_at at time zone 'UTC')::date - (loaned_at at time zone 'UTC')::date "
                           "from loans where id = :id", id=loan) == 3
    actor = _scalar(app_db, "select actor_name from audit_log where action = 'check_out'")
    assert actor.startswith("editor-")
    at.selectbox(key="desk_in_loan").select(loan)
    at.selectbox(key="desk_in_condition").select("fair")
    at.button(key="desk_in_submit").click().run()
    assert "Checked in D-001" in _texts(at)
    assert _scalar(app_db, "select return_condition from loans where id = :id", id=loan) == "fair"


def test_the_desk_says_why_a_suspended_member_cannot_borrow(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/lending_desk.py")
    at.selectbox(key="desk_out_member").select(lib["bert"])
    at.selectbox(key="desk_out_item").select(lib["drill"])
    at.button(key="desk_out_submit").click().run()
    assert [e.value for e in at.error] == ["Member M-101 is suspended and cannot borrow."]
    assert _scalar(app_db, "select count(*) from loans") == 0


def test_an_editor_adds_an_item_and_a_duplicate_code_is_refused(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/edit_inventory.py")
    at.text_input(key="inv_add_code").input("L-001")
    at.text_input(key="inv_add_name").input("Ladder <b>tall</b>")
    at.selectbox(key="inv_add_category").select(lib["drills"])
    at.selectbox(key="inv_add_location").select(lib["hall"])
    at.number_input(key="inv_add_value").set_value(80.0)
    at.button(key="inv_add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select name from items where code = 'L-001'") == "Ladder <b>tall</b>"
    at.text_input(key="inv_add_code").input("D-001")
    at.text_input(key="inv_add_name").input("Another drill")
    at.selectbox(key="inv_add_category").select(lib["drills"])
    at.selectbox(key="inv_add_location").select(lib["hall"])
    at.button(key="inv_add_submit").click().run()
    assert [e.value for e in at.error] == ["An item with code D-001 already exists."]
    assert _scalar(app_db, "select count(*) from items") == 3


def test_a_stale_item_form_is_refused_with_what_the_other_editor_changed(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/edit_inventory.py")
    at.selectbox(key="inv_item").select(lib["drill"]).run()
    with app_db.begin() as conn:  # someone else moves the drill meanwhile
        from toolshare_core import inventory
        from toolshare_core.roles import StaffUser

        inventory.move_item(conn, StaffUser(None, "bea", "editor"), item_id=lib["drill"],
                            location_id=lib["hall"], expected_version=1)
    at.text_input(key=f"inv_edit_{lib['drill']}_name").input("Drill renamed")
    at.button(key="inv_edit_submit").click().run()
    (error,) = at.error
    assert "was changed after you opened it" in error.value and "location: Shed -> Hall" in error.value
    assert _scalar(app_db, "select name from items where id = :id", id=lib["drill"]) == "Cordless drill"


def test_an_editor_adds_a_member(app_db):
    _library(app_db)
    at = _app(app_db, page="pages/edit_members.py")
    at.text_input(key="mem_add_no").input("M-200")
    at.text_input(key="mem_add_name").input("Zoë Ångström")
    at.text_input(key="mem_add_email").input("zoe@example.org")
    at.button(key="mem_add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select name from members where member_no = 'M-200'") == "Zoë Ångström"


def test_bulk_edit_previews_applies_and_undoes(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/bulk_edit.py")
    at.session_state["bulk_editor"] = {"edited_rows": {0: {"location": "Hall"}, 1: {"condition": "poor"}},
                                       "added_rows": [], "deleted_rows": []}
    at.run()
    preview = _frame(at, "code", "field", "old", "new")
    assert preview[["code", "field", "old", "new"]].values.tolist() == [
        ["D-001", "location", "Shed", "Hall"], ["S-001", "condition", "good", "poor"]]
    at.button(key="bulk_apply").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Changed 2 fields of 2 items" in _texts(at)
    assert _scalar(app_db, "select location_id from items where id = :id", id=lib["drill"]) == lib["hall"]
    assert _scalar(app_db, "select count(distinct batch_id) from audit_log where action = 'bulk_edit'") == 1
    at.button(key="bulk_undo").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select location_id from items where id = :id", id=lib["drill"]) == lib["shed"]
    assert _scalar(app_db, "select condition from items where id = :id", id=lib["saw"]) == "good"


def test_import_shows_problems_by_row_and_imports_a_clean_file(app_db):
    _library(app_db)
    at = _app(app_db, page="pages/import_csv.py")
    at.text_area(key="import_text").input(
        "code,name,category,location\nN-1,Saw,Drills,Shed\nN-2,Plane,Drills,Attic\n").run()
    problems = _frame(at, "row", "key", "problem")
    assert problems.values.tolist() == [[3, "N-2", "there is no location named Attic (add it first)"]]
    assert at.button(key="import_apply").disabled
    at.text_area(key="import_text").input(
        "code,name,category,location\nN-1,Saw,Drills,Shed\nD-001,Drill (renamed),,\n").run()
    summary = _frame(at, "row", "key", "action")
    assert summary[["row", "key", "action"]].values.tolist() == [[2, "N-1", "create"], [3, "D-001", "update"]]
    at.button(key="import_apply").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select count(*) from items") == 3
    assert _scalar(app_db, "select name from items where code = 'D-001'") == "Drill (renamed)"


def test_an_admin_filters_the_audit_log(app_db):
    lib = _library(app_db)
    at = _app(app_db, role="admin", page="pages/lending_desk.py")
    at.selectbox(key="desk_out_member").select(lib["anna"])
    at.selectbox(key="desk_out_item").select(lib["saw"])
    at.button(key="desk_out_submit").click().run()
    at.switch_page("pages/audit.py").run()
    log = _frame(at, "actor_name", "action", "table_name")
    assert log["action"].tolist() == ["check_out"]
    at.text_input(key="audit_text").input("nothing like this").run()
    assert _frame(at, "actor_name", "action", "table_name").empty


def test_an_admin_adds_a_staff_account_and_a_short_password_is_refused(app_db):
    at = _app(app_db, role="admin", page="pages/accounts.py")
    at.text_input(key="acc_new_username").input("carol")
    at.text_input(key="acc_new_password").input("short")
    at.text_input(key="acc_new_repeat").input("short")
    at.button(key="acc_create_submit").click().run()
    assert [e.value for e in at.error] == ["Password: is too short (at least 10 characters)."]
    at.text_input(key="acc_new_username").input("carol")
    at.selectbox(key="acc_new_role").select("editor")
    at.text_input(key="acc_new_password").input(PASSWORD)
    at.text_input(key="acc_new_repeat").input(PASSWORD)
    at.button(key="acc_create_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select role from staff_users where username = 'carol'") == "editor"


def test_a_demo_run_shows_its_demo_account_on_the_login_page(app_db, tmp_path, monkeypatch):
    with app_db.begin() as conn:
        creds = auth.ensure_demo_account(conn, tmp_path)
    # only the embedded development run shows it; with DATABASE_URL set it stays hidden
    at = _app(app_db, role=None)
    assert "demo-admin" not in _texts(at)
    assert creds is not None and date.today()


def test_the_desk_renews_marks_missing_and_runs_maintenance(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/lending_desk.py")
    at.selectbox(key="desk_out_member").select(lib["anna"])
    at.selectbox(key="desk_out_item").select(lib["drill"])
    at.button(key="desk_out_submit").click().run()
    loan = _scalar(app_db, "select id from loans where item_id = :i", i=lib["drill"])
    due_before = _scalar(app_db, "select due_at from loans where id = :id", id=loan)
    at.selectbox(key="desk_renew_loan").select(loan)
    at.button(key="desk_renew_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Renewed: now due" in _texts(at)
    renewals, due_after = (_scalar(app_db, "select renewals from loans where id = :id", id=loan),
                           _scalar(app_db, "select due_at from loans where id = :id", id=loan))
    assert renewals == 1 and (due_after - due_before).days == 3  # Drills lend for 3 days
    # the saw goes to maintenance and comes back
    at.selectbox(key="desk_maint_item").select(lib["saw"])
    at.number_input(key="desk_maint_cost").set_value(12.5)
    at.button(key="desk_maint_open_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select status from items where id = :id", id=lib["saw"]) == "maintenance"
    record = _scalar(app_db, "select id from maintenance where item_id = :id", id=lib["saw"])
    at.selectbox(key="desk_maint_record").select(record)
    at.button(key="desk_maint_close_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _scalar(app_db, "select status from items where id = :id", id=lib["saw"]) == "active"
    assert _scalar(app_db, "select ended_on from maintenance where id = :id", id=record) is not None
    # marking the saw missing keeps it from going out
    at.selectbox(key="desk_missing_item").select(lib["saw"])
    at.button(key="desk_missing_submit").click().run()
    assert _scalar(app_db, "select status from items where id = :id", id=lib["saw"]) == "missing"
    at.selectbox(key="desk_out_member").select(lib["anna"])
    at.selectbox(key="desk_out_item").select(lib["saw"])
    at.button(key="desk_out_submit").click().run()
    assert [e.value for e in at.error] == ["Item S-001 cannot be lent: it is marked missing."]


def test_a_stale_member_form_is_refused_too(app_db):
    lib = _library(app_db)
    at = _app(app_db, page="pages/edit_members.py")
    at.selectbox(key="mem_pick").select(lib["anna"]).run()
    with app_db.begin() as conn:
        conn.execute(sa.text("update members set status = 'suspended' where id = :id"), {"id": lib["anna"]})
    at.text_input(key=f"mem_edit_{lib['anna']}_name").input("Anna B.")
    at.button(key="mem_edit_submit").click().run()
    (error,) = at.error
    assert "Member M-100 was changed after you opened it" in error.value
    assert _scalar(app_db, "select name from members where id = :id", id=lib["anna"]) == "Anna"
