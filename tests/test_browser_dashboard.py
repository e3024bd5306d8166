"""A real Chromium clicks through the dashboard's read pages, as an organiser would.

Starts `streamlit run dashboard/app.py` on a free port against a freshly seeded schema,
visits every read page, clicks every period preset, downloads a report CSV and compares it
with the core's report frame, and keeps a screenshot of each page in artifacts/screenshots/.
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
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Database

from toolshare_core import auth, metrics, reports, seed
from toolshare_core.db import make_engine
from toolshare_core.periods import PRESET_LABELS, preset_period

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
USERNAME, PASSWORD = "organiser", secrets.token_urlsafe(18)  # made up per run, never stored
PAGES = [("Overview", "overview"), ("Utilisation", "utilisation"), ("Inventory", "inventory"),
         ("Loans", "loans"), ("Members", "members"), ("Maintenance", "maintenance"),
         ("Reports", "reports")]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium); "
                "browser tests always run in CI", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def seeded_app(fresh_database: Database, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """The dashboard serving a `small` synthetic library on a free local port."""
    engine = make_engine(fresh_database.url, schema=fresh_database.schema)
    try:
        seed.seed_database(engine, schema=fresh_database.schema, scale=seed.parse_scale("small"),
                           seed=11)
        with engine.begin() as conn:
            auth.ensure_admin_from_env(conn, env={"TOOLSHARE_ADMIN_USERNAME": USERNAME,
                                                  "TOOLSHARE_ADMIN_PASSWORD": PASSWORD})
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
                raise AssertionError("streamlit did not start:\n"
                                     + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
        yield base, fresh_database
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
    page.wait_for_timeout(800)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _tile(page: Page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_an_organiser_clicks_through_every_page_and_downloads_a_report(
    seeded_app: tuple[str, Database], artifacts: Path
) -> None:
    base, db = seeded_app
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    engine = make_engine(db.url, schema=db.schema)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2200},
                                accept_downloads=True)
        try:
            page.goto(base)
            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            try:
                _settle(page, "Overview")
            except AssertionError:
                page.screenshot(path=str(shots / "login-failed.png"))
                raise
            nav = page.locator('[data-testid="stSidebarNav"]')
            expect(nav).to_contain_text("Utilisation")

            # every period preset changes the tiles to the core's numbers for that period
            for preset in ("last_year", "this_year", "last_30_days", "this_month"):
                page.get_by_text(PRESET_LABELS[preset], exact=True).click()
                page.wait_for_url(f"**period={preset}**", timeout=15_000)
                _settle(page, "Overview")
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
                _settle(page, title)
                assert "period=this_year" in page.url, "the period follows from page to page"
                page.screenshot(path=str(shots / f"{name}.png"))

            # a CSV download holds exactly the rows of the core's report frame
            # (a new URL would open a new, signed-out session: stay in this one and click)
            page.get_by_text("Last year", exact=True).click()
            page.wait_for_url("**period=last_year**", timeout=15_000)
            _settle(page, "Reports")
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Report").first.click()
            page.get_by_role("option", name="Utilisation", exact=True).click()
            page.wait_for_url("**report=utilisation**", timeout=15_000)
            _settle(page, "Utilisation by item")
            with page.expect_download(timeout=30_000) as info:
                page.locator('[data-testid="stDownloadButton"]').filter(
                    has_text="CSV").first.locator("button").click()
            text = Path(info.value.path()).read_text(encoding="utf-8")
            page.screenshot(path=str(shots / "reports-utilisation.png"))
        finally:
            browser.close()

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
