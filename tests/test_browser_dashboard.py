"""A real Chromium clicks through the dashboard's read pages, as an organiser would.

Starts `streamlit run dashboard/app.py` on a free port against a freshly seeded schema,
visits every read page, clicks every period preset, downloads a report CSV and compares it
with the core's report frame, and keeps a screenshot of each page in artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Database

from tests import browser_support as browser
from toolshare_core import auth, metrics, reports, seed
from toolshare_core.db import make_engine
from toolshare_core.periods import PRESET_LABELS, preset_period

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "organiser", secrets.token_urlsafe(18)  # made up per run, never stored
PAGES = [("Overview", "overview"), ("Utilisation", "utilisation"), ("Inventory", "inventory"),
         ("Loans", "loans"), ("Members", "members"), ("Maintenance", "maintenance"),
         ("Reports", "reports")]

browser.skip_without_chromium()

from playwright.sync_api import Page, expect  # noqa: E402


@pytest.fixture
def seeded_app(fresh_database: Database, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """The dashboard serving a `small` synthetic library on a free local port."""
    with browser.engine_for(fresh_database) as engine:
        seed.seed_database(engine, schema=fresh_database.schema, scale=seed.parse_scale("small"),
                           seed=11)
        with engine.begin() as conn:
            auth.ensure_admin_from_env(conn, env={"TOOLSHARE_ADMIN_USERNAME": USERNAME,
                                                  "TOOLSHARE_ADMIN_PASSWORD": PASSWORD})
    with browser.serve_dashboard(fresh_database, tmp_path) as base:
        yield base, fresh_database


def _tile(page: Page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_an_organiser_clicks_through_every_page_and_downloads_a_report(
    seeded_app: tuple[str, Database], artifacts: Path
) -> None:
    base, db = seeded_app
    shots = browser.screenshots_dir(artifacts)
    engine = make_engine(db.url, schema=db.schema)
    with browser.chromium_page(viewport={"width": 1400, "height": 2200}, accept_downloads=True) as page:
        # A link somebody shared: the login form first (no data), then the page it named,
        # with the link's period.
        page.goto(f"{base}/loans?period=last_year")
        browser.settle(page, "Log in to ToolShare")
        expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
        browser.fill_login(page, USERNAME, PASSWORD)
        with browser.screenshot_on_failure(page, shots / "login-failed.png"):
            browser.settle(page, "Loans")
        last_year = preset_period("last_year", as_of=datetime.now().astimezone())
        expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(last_year.label())
        assert "/loans" in page.url and "period=last_year" in page.url

        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_contain_text("Utilisation")
        nav.get_by_text("Overview", exact=True).click()
        browser.settle(page, "Overview")

        # every period preset changes the tiles to the core's numbers for that period
        for preset in ("last_year", "this_year", "last_30_days", "this_month"):
            page.get_by_text(PRESET_LABELS[preset], exact=True).click()
            page.wait_for_url(f"**period={preset}**", timeout=15_000)
            browser.settle(page, "Overview")
            as_of = datetime.now().astimezone()
            with engine.connect() as conn:
                expected = metrics.kpis(conn, period=preset_period(
                    preset, as_of=as_of, timezone="UTC"))
            assert _tile(page, "Loans started") == f"{int(expected['loans_started'] or 0):,}"
            assert _tile(page, "Active borrowers") == \
                f"{int(expected['active_borrowers'] or 0):,}"
        page.get_by_text("This year", exact=True).click()
        page.wait_for_url("**period=this_year**", timeout=15_000)

        for title, name in PAGES:
            nav.get_by_text(title, exact=True).click()
            browser.settle(page, title)
            assert "period=this_year" in page.url, "the period follows from page to page"
            page.screenshot(path=str(shots / f"{name}.png"))

        # a CSV download holds exactly the rows of the core's report frame
        # (a new URL would open a new, signed-out session: stay in this one and click)
        page.get_by_text("Last year", exact=True).click()
        page.wait_for_url("**period=last_year**", timeout=15_000)
        browser.settle(page, "Reports")
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Report").first.click()
        page.get_by_role("option", name="Utilisation", exact=True).click()
        page.wait_for_url("**report=utilisation**", timeout=15_000)
        browser.settle(page, "Utilisation by item")
        with page.expect_download(timeout=30_000) as info:
            page.locator('[data-testid="stDownloadButton"]').filter(
                has_text="CSV").first.locator("button").click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        page.screenshot(path=str(shots / "reports-utilisation.png"))

    rows = list(csv.DictReader(io.StringIO(text)))
    with engine.connect() as conn:
        frame = reports.run_report(
            conn, "utilisation", by="item",
            period=preset_period("last_year", as_of=datetime.now().astimezone(), timezone="UTC"),
        ).frame
    engine.dispose()
    assert list(rows[0]) == list(frame.columns)
    assert len(rows) == len(frame) > 0
    assert [r["item_code"] for r in rows] == list(frame["item_code"])
    assert [int(r["loan_days"]) for r in rows] == [int(v) for v in frame["loan_days"]]
    assert [int(r["circulation_days"]) for r in rows] == [int(v) for v in frame["circulation_days"]]
    assert [int(r["loans_started"]) for r in rows] == [int(v) for v in frame["loans_started"]]
    for row, value in zip(rows, frame["utilisation"], strict=True):
        assert (row["utilisation"] == "") == (value != value)  # NaN <-> empty cell
        if row["utilisation"]:
            assert float(row["utilisation"]) == pytest.approx(float(value), abs=5e-5)
