"""What the real-browser tests share: the dashboard served by `streamlit run` on a free port
against a test database, Playwright's Chromium, the login form, waiting for a rerun to finish,
and screenshots.

Usage in a test module (the skip must come before Playwright is imported):

    from tests.browser_support import serve_dashboard, skip_without_chromium, ...
    skip_without_chromium()
    from playwright.sync_api import expect  # noqa: E402

Playwright is imported inside the functions here, so importing this module never needs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import Engine

from toolshare_core.db import make_engine

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Database

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 60


def skip_without_chromium() -> None:
    """Skip the calling test module when Chromium is missing, except in CI (where it must run)."""
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium); "
                    "browser tests always run in CI", allow_module_level=True)


@contextmanager
def engine_for(database: Database) -> Iterator[Engine]:
    """An engine on `database`'s schema, disposed of on the way out."""
    engine = make_engine(database.url, schema=database.schema)
    try:
        yield engine
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_dashboard(database: Database, data_dir: Path) -> Iterator[str]:
    """Run `streamlit run dashboard/app.py` against `database` on a free local port.

    Yields the base URL once /_stcore/health answers 200; fails with the server's log when it
    exits or is not healthy within STARTUP_SECONDS. Its log is `data_dir/streamlit.log`, and
    `data_dir` is its TOOLSHARE_DATA_DIR. The server is stopped on the way out.
    """
    port = free_port()
    log_path = data_dir / "streamlit.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=database.env(TOOLSHARE_DATA_DIR=str(data_dir)), stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
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
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def chromium_page(**page_options: Any) -> Iterator[Page]:
    """A page of a headless Chromium (options go to `browser.new_page`); closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(**page_options)
        finally:
            browser.close()


def screenshots_dir(artifacts: Path) -> Path:
    """artifacts/screenshots/, created if need be."""
    shots = artifacts / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


@contextmanager
def screenshot_on_failure(page: Page, path: Path) -> Iterator[None]:
    """Keep a screenshot of `page` at `path` when the block raises, then re-raise."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(path))
        raise


def fill_login(page: Page, username: str, password: str) -> None:
    """Type into the login form and press "Log in" (the caller checks what follows)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def settle(page: Page, header: str | None = None) -> None:
    """Wait until the page shows `header` (if given) and Streamlit has finished the script run,
    then check that no exception box is on the page."""
    from playwright.sync_api import expect

    if header is not None:
        expect(page.get_by_role("heading", name=header).first).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(800)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
