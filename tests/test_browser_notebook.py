"""A real Chromium uses the Notebook page: the starter notebook, a CSV download, a refused query.

Starts `streamlit run dashboard/app.py` on a free port against a freshly seeded schema, signs
in as an editor, and keeps a screenshot in artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
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

from tests.conftest import Database
from toolshare_core import auth, metrics, notebook, seed
from toolshare_core.db import make_engine
from toolshare_core.notebook_starter import STARTER_NAME
from toolshare_core.periods import preset_period
from toolshare_core.roles import operator_actor

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
USERNAME, PASSWORD = "nb-editor", secrets.token_urlsafe(18)  # made up per run, never stored

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium); "
                "browser tests always run in CI", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app(fresh_database: Database, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    engine = make_engine(fresh_database.url, schema=fresh_database.schema)
    try:
        seed.seed_database(engine, schema=fresh_database.schema, scale=seed.parse_scale("small"),
                           seed=3)
        with engine.begin() as conn:
            auth.create_user(conn, operator_actor("test"), username=USERNAME, password=PASSWORD,
                             role="editor")
    finally:
        engine.dispose()
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    with log_path.open("w") as log:
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
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:  # noqa: S310
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("streamlit did not start:\n" + log_path.read_text())
                time.sleep(0.3)
            yield base, fresh_database
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(800)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_an_editor_runs_the_starter_notebook_downloads_a_cell_and_meets_a_refusal(
    app: tuple[str, Database], artifacts: Path
) -> None:
    base, db = app
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    engine = make_engine(db.url, schema=db.schema)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 3000}, accept_downloads=True)
        try:
            page.goto(base)
            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Notebook").click()
            expect(page.get_by_role("heading", name="Notebook").first).to_be_visible(
                timeout=30_000)
            page.locator('[data-testid="stSidebar"]').get_by_text("Last year").click()
            _settle(page)
            expect(page.get_by_text("Utilisation by category (share of days out on loan)")
                   ).to_be_visible(timeout=30_000)

            with engine.connect() as conn:
                book = notebook.notebook_by_name(conn, STARTER_NAME)
                assert book is not None
                cell = next(c for c in notebook.notebook_cells(conn, book.id)
                            if c.body.startswith("-- Utilisation by category"))
                now = conn.execute(sa.text("select now()")).scalar_one()
                period = preset_period("last_year", as_of=now, timezone="UTC")
                core = metrics.utilisation(conn, period=period, by="category")
            with page.expect_download() as download:
                page.locator(f".st-key-nb_dl_{cell.id}_csv button").click()
            rows = list(csv.DictReader(io.StringIO(
                Path(download.value.path()).read_text(encoding="utf-8"))))
            assert [r["category"] for r in rows] == core["category"].tolist()
            assert [int(r["loan_days"]) for r in rows] == core["loan_days"].astype(int).tolist()

            page.get_by_label("SQL or note").last.fill("select username, password_hash "
                                                       "from staff_users")
            page.get_by_role("button", name="Add cell").click()
            _settle(page)
            expect(page.get_by_text("the notebook may not read staff_users")).to_be_visible(
                timeout=30_000)
            page.screenshot(path=str(shots / "notebook-editor.png"), full_page=True)
        finally:
            browser.close()
            engine.dispose()
