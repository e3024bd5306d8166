"""A real Chromium at the lending desk: a page opened without login shows the login form, a
volunteer logs in, checks an item out (the loan is then in the database), and logs out."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Database

from tests import browser_support as browser
from tests.factories import make_category, make_item, make_location, make_member
from toolshare_core import auth
from toolshare_core.roles import operator_actor

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "desk-volunteer", secrets.token_urlsafe(18)  # made up per run, never stored

browser.skip_without_chromium()

from playwright.sync_api import Page, expect  # noqa: E402


@pytest.fixture
def desk_app(fresh_database: Database, tmp_path: Path) -> Iterator[tuple[str, Database, dict[str, int]]]:
    """The dashboard on a free local port, with an editor account, two items and two members."""
    with browser.engine_for(fresh_database) as engine, engine.begin() as conn:
        auth.create_user(conn, operator_actor("test"), username=USERNAME, password=PASSWORD,
                         role="editor")
        tents = make_category(conn, name="Camping", loan_period_days=10)
        shed = make_location(conn, name="Shed")
        ids = {
            "tent": make_item(conn, code="TENT-01", name="Four-person tent",
                              category_id=tents, location_id=shed),
            "stove": make_item(conn, code="STOVE-01", name="Camping stove",
                               category_id=tents, location_id=shed),
            "member": make_member(conn, member_no="M-042", name="Priya Sharma"),
            "other": make_member(conn, member_no="M-043", name="Tom Okafor"),
        }
    with browser.serve_dashboard(fresh_database, tmp_path) as base:
        yield base, fresh_database, ids


def _pick(page: Page, label: str, text: str) -> None:
    """Choose an option of a selectbox by typing part of its text."""
    box = page.get_by_label(label, exact=True).first
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()


def test_a_volunteer_logs_in_and_checks_out_a_tent(desk_app, artifacts: Path) -> None:
    base, db, ids = desk_app
    shots = browser.screenshots_dir(artifacts)
    with (
        browser.engine_for(db) as engine,
        browser.chromium_page(viewport={"width": 1400, "height": 1800}) as page,
        browser.screenshot_on_failure(page, shots / "lending-desk-failure.png"),
    ):
        # a page's own address without login shows the login form, nothing else
        page.goto(f"{base}/lending_desk")
        browser.settle(page, "Log in to ToolShare")
        expect(page.get_by_role("heading", name="Lending desk")).to_have_count(0)
        browser.fill_login(page, USERNAME, "wrong password")
        expect(page.get_by_text("wrong username or password")).to_be_visible(timeout=15_000)

        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text(f"Signed in as {USERNAME} (editor)")).to_be_visible(timeout=30_000)
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Lending desk").click()
        browser.settle(page, "Lending desk")

        _pick(page, "Member", "M-042")
        _pick(page, "Item", "TENT-01")
        page.get_by_role("button", name="Check out").click()
        expect(page.get_by_text("Checked out TENT-01")).to_be_visible(timeout=30_000)
        browser.settle(page, "Lending desk")
        page.screenshot(path=str(shots / "lending-desk-checked-out.png"))

        with engine.connect() as conn:
            loan = conn.execute(sa.text(
                "select member_id, (due_at - loaned_at) > interval '9 days' as ten_days, returned_at "
                "from loans where item_id = :item"), {"item": ids["tent"]}).one()
            actor = conn.execute(sa.text(
                "select actor_name from audit_log where action = 'check_out'")).scalar()
        assert loan.member_id == ids["member"] and loan.ten_days and loan.returned_at is None
        assert actor == USERNAME

        # the same tent cannot go out twice: the page says why
        _pick(page, "Member", "M-043")
        _pick(page, "Item", "TENT-01")
        page.get_by_role("button", name="Check out").click()
        expect(page.get_by_text("Item TENT-01 is already out on loan to member M-042")).to_be_visible(
            timeout=30_000)
        page.screenshot(path=str(shots / "lending-desk-refused.png"))

        page.get_by_role("button", name="Log out").click()
        browser.settle(page, "Log in to ToolShare")
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from staff_sessions")).scalar() == 0
