"""A real Chromium at the lending desk: a page opened without login shows the login form, a
volunteer logs in, checks an item out (the loan is then in the database), and logs out."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Database

from tests.factories import make_category, make_item, make_location, make_member
from toolshare_core import auth
from toolshare_core.db import make_engine
from toolshare_core.roles import operator_actor

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
USERNAME, PASSWORD = "desk-volunteer", secrets.token_urlsafe(18)  # made up per run, never stored

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium); "
                "browser tests always run in CI", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def desk_app(fresh_database: Database, tmp_path: Path) -> Iterator[tuple[str, Database, dict[str, int]]]:
    """The dashboard on a free local port, with an editor account, two items and two members."""
    engine = make_engine(fresh_database.url, schema=fresh_database.schema)
    try:
        with engine.begin() as conn:
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
    finally:
        engine.dispose()
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=fresh_database.env(TOOLSHARE_DATA_DIR=str(tmp_path)), stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
        yield base, fresh_database, ids
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _settle(page: Page, header: str) -> None:
    """Wait until the page shows `header` and Streamlit has finished running the script."""
    expect(page.get_by_role("heading", name=header).first).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(600)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _pick(page: Page, label: str, text: str) -> None:
    """Choose an option of a selectbox by typing part of its text."""
    box = page.get_by_label(label, exact=True).first
    box.click()
    box.fill(text)
    page.get_by_role("option").filter(has_text=text).first.click()


def test_a_volunteer_logs_in_and_checks_out_a_tent(desk_app, artifacts: Path) -> None:
    base, db, ids = desk_app
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    engine = make_engine(db.url, schema=db.schema)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        try:
            # a page's own address without login shows the login form, nothing else
            page.goto(f"{base}/lending_desk")
            _settle(page, "Log in to ToolShare")
            expect(page.get_by_role("heading", name="Lending desk")).to_have_count(0)
            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password", exact=True).fill("wrong password")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_text("wrong username or password")).to_be_visible(timeout=15_000)

            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_text(f"Signed in as {USERNAME} (editor)")).to_be_visible(timeout=30_000)
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Lending desk").click()
            _settle(page, "Lending desk")

            _pick(page, "Member", "M-042")
            _pick(page, "Item", "TENT-01")
            page.get_by_role("button", name="Check out").click()
            expect(page.get_by_text("Checked out TENT-01")).to_be_visible(timeout=30_000)
            _settle(page, "Lending desk")
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
            _settle(page, "Log in to ToolShare")
            with engine.connect() as conn:
                assert conn.execute(sa.text("select count(*) from staff_sessions")).scalar() == 0
        except Exception:
            page.screenshot(path=str(shots / "lending-desk-failure.png"))
            raise
        finally:
            browser.close()
            engine.dispose()
