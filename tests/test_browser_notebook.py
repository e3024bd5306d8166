"""A real Chromium uses the Notebook page: the starter notebook, a CSV download, a refused query.

Starts `streamlit run dashboard/app.py` on a free port against a freshly seeded schema, signs
in as an editor, and keeps a screenshot in artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import browser_support as browser
from tests.conftest import Database
from toolshare_core import auth, metrics, notebook, seed
from toolshare_core.notebook_starter import STARTER_NAME
from toolshare_core.periods import preset_period
from toolshare_core.roles import operator_actor

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "nb-editor", secrets.token_urlsafe(18)  # made up per run, never stored

browser.skip_without_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def app(fresh_database: Database, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    with browser.engine_for(fresh_database) as engine:
        seed.seed_database(engine, schema=fresh_database.schema, scale=seed.parse_scale("small"),
                           seed=3)
        with engine.begin() as conn:
            auth.create_user(conn, operator_actor("test"), username=USERNAME, password=PASSWORD,
                             role="editor")
    with browser.serve_dashboard(fresh_database, tmp_path) as base:
        yield base, fresh_database


def test_an_editor_runs_the_starter_notebook_downloads_a_cell_and_meets_a_refusal(
    app: tuple[str, Database], artifacts: Path
) -> None:
    base, db = app
    shots = browser.screenshots_dir(artifacts)
    with (
        browser.engine_for(db) as engine,
        browser.chromium_page(viewport={"width": 1400, "height": 3000}, accept_downloads=True) as page,
    ):
        page.goto(base)
        browser.fill_login(page, USERNAME, PASSWORD)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Notebook").click()
        expect(page.get_by_role("heading", name="Notebook").first).to_be_visible(
            timeout=30_000)
        page.locator('[data-testid="stSidebar"]').get_by_text("Last year").click()
        browser.settle(page)
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
        browser.settle(page)
        expect(page.get_by_text("the notebook may not read staff_users")).to_be_visible(
            timeout=30_000)
        page.screenshot(path=str(shots / "notebook-editor.png"), full_page=True)
