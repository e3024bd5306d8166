"""When the database cannot be reached, organisers see what is wrong and a Retry button,
never a traceback; once it is back, Retry opens the app."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app_login import APP, point_app_at
from tests.conftest import Database
from toolshare_core.config import get_settings

pytestmark = pytest.mark.app

UNREACHABLE = "postgresql://toolshare:not-the-password@127.0.0.1:1/toolshare"


def _unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("TOOLSHARE_SEED_DEMO", "false")
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def test_an_unreachable_database_shows_a_banner_with_retry_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _unreachable(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    banner = " ".join(error.value for error in at.error)
    assert "The database is not available" in banner
    assert "cannot reach the database" in banner and "DATABASE_URL" in banner
    assert "not-the-password" not in banner  # the password is never shown
    assert at.button(key="db_retry").label == "Retry"
    assert not at.text_input  # no login form, no page: nothing to half-use


def test_retry_opens_the_app_once_the_database_is_back(
    monkeypatch: pytest.MonkeyPatch, fresh_database: Database
) -> None:
    _unreachable(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.button(key="db_retry")

    point_app_at(monkeypatch, fresh_database)  # the server is back (settings re-read)
    at.button(key="db_retry").click().run()
    assert not at.exception
    assert not at.error
    assert any("Log in to ToolShare" in header.value for header in at.header)
